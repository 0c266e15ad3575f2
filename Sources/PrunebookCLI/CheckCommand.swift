import ArgumentParser
import Notebook
import Session

/// `prunebook check SCRIPT.prune`: checks every code cell without running anything (see
/// `Checker`) and prints each finding as `FILE:LINE:COLUMN: Kind: message` with the source line,
/// a caret and the hint. Exit status 1 when there is any finding, 0 otherwise.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a .prune script before it runs: syntax, unknown names and builtins, arguments, literal values, fields (nothing runs).")

    @Argument(help: "The .prune script (an .ipynb notebook also works).")
    var script: String

    func run() throws {
        let notebook: Notebook
        do { notebook = try Notebook.read(path: script) } catch {
            print("\(error)")
            throw ExitCode(1)
        }
        let check = NotebookCheck(notebook)
        let report = check.report(file: script)
        if !report.isEmpty { print(report) }
        let cells = "\(check.cells) code cell\(check.cells == 1 ? "" : "s")"
        if check.findings.isEmpty {
            print("\(script): \(cells), no errors")
        } else {
            let n = check.findings.count
            print("\(script): \(n) error\(n == 1 ? "" : "s") in \(check.cellsWithFindings) of \(cells)")
            throw ExitCode(1)
        }
    }
}
