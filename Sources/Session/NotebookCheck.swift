import Builtins
import Notebook
import PruneScript

/// `prunebook check`: the static checker over a notebook's code cells with every builtin of
/// Prunebook, each finding located at a line and column of the file itself (GNU style, so
/// editors jump to it).
package struct NotebookCheck {
    /// One finding, where the file has it.
    package struct Finding {
        package var line: Int
        package var column: Int
        package var error: ScriptError
        /// The finding as the interpreter renders it (source line, caret, hint), without its
        /// cell-relative location line.
        package var detail: [String]
    }

    package var findings: [Finding] = []
    /// Code cells, and how many of them have findings.
    package var cells = 0
    package var cellsWithFindings = 0

    /// Checks `notebook`'s code cells, numbered 1, 2, … as `run` numbers them.
    package init(_ notebook: Notebook) {
        let indices = notebook.codeCellIndices
        cells = indices.count
        let registry = BuiltinRegistry.prunebook(settings: EngineSettings())
        let results = Checker(registry: registry).check(cells: indices.map { notebook.cells[$0].source })
        for (k, errors) in results.enumerated() where !errors.isEmpty {
            cellsWithFindings += 1
            let cell = notebook.cells[indices[k]]
            for e in errors {
                let line = e.location?.line ?? 1, column = e.location?.column ?? 1
                let rendered = e.render(source: cell.source).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                findings.append(Finding(line: (cell.sourceLine ?? 1) + line - 1, column: column, error: e,
                                        detail: Array(rendered.dropFirst())))
            }
        }
    }

    /// The report: `file:line:column: Kind: message`, then the source line, caret and hint.
    package func report(file: String) -> String {
        findings.map { f in
            (["\(file):\(f.line):\(f.column): \(f.error.kind.name): \(f.error.message)"] + f.detail).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
