/// The kinds of PruneScript tokens. Payloads (numbers, names, string parts) live on `Token`.
public enum TokenKind: Sendable, Equatable, Hashable {
    // Literals and names
    case number, string, identifier
    // Keywords
    case kwLet, kwFn, kwIf, kwElse, kwFor, kwIn, kwWhile, kwBreak, kwContinue, kwReturn
    case kwTrue, kwFalse, kwNil, kwAnd, kwOr, kwNot
    // Punctuation
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, colon, semicolon, dot, dotDot, dotDotLess, question
    // Operators
    case plus, minus, star, slash, percent, starStar
    /// `&`, `|`, `~`: intersection, union and complement of engine values such as masks.
    case ampersand, pipe, tilde
    case equal, plusEqual, minusEqual, starEqual, slashEqual
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    // Layout
    case newline, eof

    static let keywords: [String: TokenKind] = [
        "let": .kwLet, "fn": .kwFn, "if": .kwIf, "else": .kwElse, "for": .kwFor, "in": .kwIn,
        "while": .kwWhile, "break": .kwBreak, "continue": .kwContinue, "return": .kwReturn,
        "true": .kwTrue, "false": .kwFalse, "nil": .kwNil, "and": .kwAnd, "or": .kwOr, "not": .kwNot,
    ]
}

/// One piece of a string literal: literal text, or the tokens of an interpolated `{expr}`.
public enum StringPart: Sendable {
    case text(String)
    case code([Token], SourceLocation)
}

/// A lexed token with its source location (of its first character) and length in characters.
public struct Token: Sendable {
    public var kind: TokenKind
    /// The source text of the token (the name for identifiers and keywords).
    public var text: String
    public var location: SourceLocation
    public var length: Int
    /// Bracket nesting depth before this token (used for error recovery).
    var depth: Int = 0
    /// Value of a `.number` token.
    public var number: Double = 0
    /// Pieces of a `.string` token.
    public var parts: [StringPart] = []

    init(_ kind: TokenKind, _ text: String, _ location: SourceLocation, length: Int? = nil) {
        self.kind = kind
        self.text = text
        self.location = location
        self.length = length ?? text.count
    }

    /// How the token is named in syntax errors.
    var describe: String {
        switch kind {
        case .eof: return "end of input"
        case .newline: return "end of line"
        case .number: return "number \(text)"
        case .string: return "string"
        case .identifier: return "name '\(text)'"
        default: return "'\(text)'"
        }
    }
}
