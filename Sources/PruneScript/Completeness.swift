/// Whether a REPL buffer is ready to run.
public enum Completeness: Sendable, Equatable {
    /// Parses: run it.
    case complete
    /// An open bracket, brace, string or block, or an operator awaiting its operand:
    /// show the continuation prompt and read more.
    case incomplete
    /// A syntax error that more input cannot fix: run it to report the error.
    case invalid
}

/// Classifies `source` for the REPL's continuation prompt.
public func isComplete(_ source: String) -> Completeness {
    let errors = runOnLargeStack { Parser.parse(source, cell: 0).errors }
    if errors.isEmpty { return .complete }
    return errors.allSatisfy(\.atEndOfInput) ? .incomplete : .invalid
}
