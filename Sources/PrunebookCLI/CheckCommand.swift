import ArgumentParser
import Foundation
import Notebook
import PruneScript

/// `prunebook check SCRIPT.prune`: parses every code cell without running anything and prints
/// every syntax error with its file, cell, line and column, the source line and a caret.
/// Exit status 1 when there is any error, 0 otherwise.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse a .prune script and report every syntax error (nothing runs).")

    @Argument(help: "The .prune script (an .ipynb notebook also works).")
    var script: String

    func run() throws {
        let notebook: Notebook
        do { notebook = try Notebook.read(path: script) } catch {
            print("\(error)")
            throw ExitCode(1)
        }
        let report = CheckCommand.report(notebook, file: script)
        if !report.text.isEmpty { print(report.text) }
        let cells = notebook.codeCellIndices.count
        if report.errors == 0 {
            print("\(script): \(cells) code cell\(cells == 1 ? "" : "s"), no syntax errors")
        } else {
            print("\(script): \(report.errors) syntax error\(report.errors == 1 ? "" : "s") in \(report.cells) of \(cells) code cell\(cells == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }

    /// Every syntax error of the notebook's code cells (numbered 1, 2, 3… as `run` numbers
    /// them), each as `FILE: SyntaxError: message (cell c, line l, column k)` with the
    /// source line, caret and hint; with the counts of errors and of cells that have any.
    static func report(_ notebook: Notebook, file: String) -> (text: String, errors: Int, cells: Int) {
        var blocks: [String] = []
        var errors = 0, cells = 0
        for (n, index) in notebook.codeCellIndices.enumerated() {
            let source = notebook.cells[index].source
            let found = Interpreter.check(source, cell: n + 1)
            if !found.isEmpty { cells += 1 }
            errors += found.count
            for e in found { blocks.append("\(file): " + e.render(source: source)) }
        }
        return (blocks.joined(separator: "\n"), errors, cells)
    }
}
