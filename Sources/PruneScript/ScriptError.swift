import Foundation

/// A PruneScript error: a kind, a message, where it happened, and an optional hint
/// (e.g. "did you mean 'force'?"). `render(source:)` prints the source line with a caret.
public struct ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case syntax = "SyntaxError"
        case name = "NameError"
        case type = "TypeError"
        case value = "ValueError"
        case index = "IndexError"
        case key = "KeyError"
        case argument = "ArgumentError"
        case runtime = "RuntimeError"
        case engine = "EngineError"
        case io = "IOError"
        case interrupted = "Interrupted"
        case recursion = "RecursionError"

        /// The name printed before the message, e.g. "NameError".
        public var name: String { rawValue }
    }

    public var kind: Kind
    public var message: String
    /// Where the culprit starts; nil until the interpreter attaches the call site.
    public var location: SourceLocation?
    /// Length of the culprit in characters (the `^~~~` underline), at least 1.
    public var length: Int
    /// An extra line printed after the caret, e.g. "did you mean 'force'?".
    public var hint: String?
    /// Syntax errors only: the error is at the end of the input, so more input could fix it.
    public var atEndOfInput: Bool = false

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, length: Int = 1, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.length = max(1, length)
        self.hint = hint
    }

    /// One line: `NameError: unknown name 'forse' (cell 2, line 1, column 5)`.
    public var headline: String {
        var s = "\(kind.name): \(message)"
        if let location { s += " (\(location))" }
        return s
    }

    public var description: String { render(source: nil) }

    /// The full report: the headline, then (when the source is known) the offending line with
    /// a caret under the culprit, then the hint.
    ///
    ///     NameError: unknown name 'forse' (cell 2, line 1, column 5)
    ///       m = forse(net, data)
    ///           ^~~~~
    ///     did you mean 'force'?
    public func render(source: String?) -> String {
        var lines = [headline]
        if let source, let location, location.line >= 1 {
            let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
            if location.line <= sourceLines.count {
                var line = String(sourceLines[location.line - 1])
                if line.hasSuffix("\r") { line.removeLast() }
                // Columns count Unicode scalars, as the lexer does; tabs become one space.
                let expanded = line.replacingOccurrences(of: "\t", with: " ")
                let chars = Array(expanded.unicodeScalars)
                let col = max(1, min(location.column, chars.count + 1))
                let span = max(1, min(length, max(1, chars.count - col + 1)))
                lines.append("  " + expanded)
                lines.append("  " + String(repeating: " ", count: col - 1) + "^" + String(repeating: "~", count: span - 1))
            }
        }
        if let hint { lines.append(hint) }
        return lines.joined(separator: "\n")
    }
}

/// Internal non-error control flow (break/continue/return) carried through Swift's `throws`.
enum Unwind: Error, @unchecked Sendable {
    case breakLoop(SourceLocation)
    case continueLoop(SourceLocation)
    case returnValue(Value, SourceLocation)
}
