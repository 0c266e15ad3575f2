@testable import PruneScript

/// Runs `source` as cell 1 of a fresh session.
func runCell(_ source: String) -> CellResult { Interpreter().run(source, cell: 1) }

/// The result as the REPL shows it, or "error: <headline>".
func show(_ source: String) -> String {
    let r = runCell(source)
    if let e = r.error { return "error: \(e.kind.name): \(e.message)" }
    return r.resultText ?? "<none>"
}

func errorOf(_ source: String) -> ScriptError? { runCell(source).error }
