import Foundation

/// Turns PruneScript source into tokens.
///
/// - Newlines are tokens (they separate statements) except inside `( )`, `[ ]` and
///   string interpolations, where they are ignored.
/// - Numbers: digits with `_` separators, optional fraction and exponent. A `%` written
///   directly after a number, and not followed by a letter, digit, `_`, `(`, `[`, `.` or `"`,
///   makes a percent literal: `99.5%` is 0.995 exactly (the decimal point is shifted in
///   the text, never divided by 100). Write modulo with spaces: `a % b`.
/// - Strings: double quotes, may span lines, escapes `\n \t \r \0 \" \\ \{ \}`, and
///   `{expr}` interpolation (nested at most `maxInterpolationDepth` deep).
public struct Lexer {
    public static let maxInterpolationDepth = 8

    private let src: [Unicode.Scalar]
    private let cell: Int
    private var pos = 0
    private var line = 1
    private var column = 1
    private var interpolationDepth = 0
    private(set) var errors: [ScriptError] = []

    init(_ source: String, cell: Int) {
        self.src = Array(source.unicodeScalars)
        self.cell = cell
    }

    /// Lexes a whole cell: tokens (ending in `.eof`) and lexical errors.
    public static func tokenize(_ source: String, cell: Int = 0) -> (tokens: [Token], errors: [ScriptError]) {
        var lexer = Lexer(source, cell: cell)
        let tokens = lexer.lexTokens(insideInterpolation: false)
        return (tokens, lexer.errors)
    }

    // MARK: - Character access

    private var atEnd: Bool { pos >= src.count }
    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        pos + ahead < src.count ? src[pos + ahead] : nil
    }
    private var here: SourceLocation { SourceLocation(cell: cell, line: line, column: column) }

    @discardableResult
    private mutating func advance() -> Unicode.Scalar {
        let c = src[pos]
        pos += 1
        if c == "\n" { line += 1; column = 1 } else { column += 1 }
        return c
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return c.value >= 48 && c.value <= 57
    }
    private static func isIdentStart(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || c == "_"
    }
    private static func isIdentChar(_ c: Unicode.Scalar?) -> Bool { isIdentStart(c) || isDigit(c) }

    private mutating func error(_ message: String, at location: SourceLocation, length: Int = 1,
                                hint: String? = nil, atEnd: Bool = false) {
        var e = ScriptError(.syntax, message, at: location, length: length, hint: hint)
        e.atEndOfInput = atEnd
        errors.append(e)
    }

    // MARK: - Tokens

    /// Lexes until the end of input or, inside an interpolation, until the `}` that closes it
    /// (consumed; the returned list then ends in `.eof` at that brace).
    private mutating func lexTokens(insideInterpolation: Bool) -> [Token] {
        var tokens: [Token] = []
        var open: [TokenKind] = []   // open brackets, innermost last

        func add(_ t: Token) {
            var t = t
            t.depth = open.count
            tokens.append(t)
        }

        while true {
            // Skip blanks and comments.
            while let c = peek() {
                if c == " " || c == "\t" || c == "\r" { advance() }
                else if c == "#" { while let d = peek(), d != "\n" { _ = d; advance() } }
                else if c == "\\" && (peek(1) == "\n" || (peek(1) == "\r" && peek(2) == "\n")) {
                    // explicit line continuation
                    advance(); while peek() != "\n" { advance() }; advance()
                } else { break }
            }
            let start = here
            guard let c = peek() else {
                add(Token(.eof, "", start, length: 1))
                return tokens
            }
            if c == "\n" {
                advance()
                let ignore = insideInterpolation ? (open.last ?? .leftParen) != .leftBrace
                                                 : (open.last == .leftParen || open.last == .leftBracket)
                if !ignore && tokens.last?.kind != .newline { add(Token(.newline, "\n", start)) }
                continue
            }
            if insideInterpolation && c == "}" && open.isEmpty {
                advance()
                add(Token(.eof, "}", start, length: 1))
                return tokens
            }
            if Lexer.isDigit(c) { add(lexNumber()); continue }
            if Lexer.isIdentStart(c) {
                var name = ""
                while Lexer.isIdentChar(peek()) { name.unicodeScalars.append(advance()) }
                add(Token(TokenKind.keywords[name] ?? .identifier, name, start))
                continue
            }
            if c == "\"" { add(lexString()); continue }

            advance()
            let next = peek()
            func op(_ kind: TokenKind, _ text: String) -> Token {
                for _ in 1..<text.unicodeScalars.count { advance() }
                return Token(kind, text, start)
            }
            switch c {
            case "(": open.append(.leftParen); add(Token(.leftParen, "(", start))
            case "[": open.append(.leftBracket); add(Token(.leftBracket, "[", start))
            case "{": open.append(.leftBrace); add(Token(.leftBrace, "{", start))
            case ")", "]", "}":
                let kind: TokenKind = c == ")" ? .rightParen : c == "]" ? .rightBracket : .rightBrace
                let opener: TokenKind = c == ")" ? .leftParen : c == "]" ? .leftBracket : .leftBrace
                if let i = open.lastIndex(of: opener) { open.removeSubrange(i...) }
                add(Token(kind, String(c), start))
            case ",": add(Token(.comma, ",", start))
            case ":": add(Token(.colon, ":", start))
            case ";": add(Token(.semicolon, ";", start))
            case "?": add(Token(.question, "?", start))
            case ".":
                if next == "." {
                    if peek(1) == "<" { add(op(.dotDotLess, "..<")) } else { add(op(.dotDot, "..")) }
                } else { add(Token(.dot, ".", start)) }
            case "+": add(next == "=" ? op(.plusEqual, "+=") : Token(.plus, "+", start))
            case "-": add(next == "=" ? op(.minusEqual, "-=") : Token(.minus, "-", start))
            case "*":
                if next == "*" { add(op(.starStar, "**")) }
                else if next == "=" { add(op(.starEqual, "*=")) }
                else { add(Token(.star, "*", start)) }
            case "/": add(next == "=" ? op(.slashEqual, "/=") : Token(.slash, "/", start))
            case "%": add(Token(.percent, "%", start))
            case "=": add(next == "=" ? op(.equalEqual, "==") : Token(.equal, "=", start))
            case "<": add(next == "=" ? op(.lessEqual, "<=") : Token(.less, "<", start))
            case ">": add(next == "=" ? op(.greaterEqual, ">=") : Token(.greater, ">", start))
            case "!":
                if next == "=" { add(op(.bangEqual, "!=")) }
                else { error("unexpected '!'", at: start, hint: "use 'not' for negation") }
            case "^": error("unexpected '^'", at: start, hint: "use '**' for powers, e.g. 2 ** 10")
            case "&":
                if next == "&" {
                    advance()
                    error("unexpected '&&'", at: start, hint: "use 'and' for booleans ('&' intersects masks)")
                } else { add(Token(.ampersand, "&", start)) }
            case "|":
                if next == "|" {
                    advance()
                    error("unexpected '||'", at: start, hint: "use 'or' for booleans ('|' unites masks)")
                } else { add(Token(.pipe, "|", start)) }
            case "~": add(Token(.tilde, "~", start))
            case "'":
                error("unexpected \"'\"", at: start, hint: "strings use double quotes: \"text\"")
            default:
                error("unexpected character '\(c.escaped(asASCII: false))'", at: start)
            }
        }
    }

    private mutating func lexNumber() -> Token {
        let start = here
        let startPos = pos
        var clean = ""
        func digits(_ lexer: inout Lexer) {
            while let c = lexer.peek(), Lexer.isDigit(c) || c == "_" {
                lexer.advance()
                if c != "_" { clean.unicodeScalars.append(c) }
            }
        }
        digits(&self)
        if peek() == ".", Lexer.isDigit(peek(1)) {
            advance(); clean += "."
            digits(&self)
        }
        var mantissa = clean
        var exponent = 0
        var exponentOverflow = false
        if let e = peek(), e == "e" || e == "E",
           Lexer.isDigit(peek(1)) || ((peek(1) == "+" || peek(1) == "-") && Lexer.isDigit(peek(2))) {
            advance()
            var expText = ""
            if peek() == "+" || peek() == "-" { expText.unicodeScalars.append(advance()) }
            while let c = peek(), Lexer.isDigit(c) || c == "_" {
                advance()
                if c != "_" { expText.unicodeScalars.append(c) }
            }
            clean += "e" + expText
            if let v = Int(expText), abs(v) < 1_000_000 { exponent = v } else { exponentOverflow = true }
        }
        var isPercent = false
        if peek() == "%" {
            let after = peek(1)
            let blocked = Lexer.isIdentChar(after) || after == "(" || after == "[" || after == "." || after == "\""
            if !blocked { advance(); isPercent = true }
        }
        let text = String(String.UnicodeScalarView(src[startPos..<pos]))
        var value: Double
        if isPercent {
            // Shift the decimal point in the text: "99.9%" -> "99.9e-2", which strtod
            // rounds correctly to the same double as "0.999".
            mantissa = clean.split(separator: "e").first.map(String.init) ?? clean
            if exponentOverflow {
                value = (Double(clean) ?? 0) / 100
            } else {
                value = Double("\(mantissa)e\(exponent - 2)") ?? 0
            }
        } else {
            value = Double(clean) ?? (exponentOverflow ? (clean.contains("e-") ? 0 : .infinity) : 0)
        }
        if !value.isFinite && !exponentOverflow && value.isNaN { value = 0 }
        var t = Token(.number, text, start, length: pos - startPos)
        t.number = value
        return t
    }

    private mutating func lexString() -> Token {
        let start = here
        let startPos = pos
        advance() // opening quote
        var parts: [StringPart] = []
        var buffer = ""
        while true {
            guard let c = peek() else {
                error("unterminated string", at: start, hint: "close it with '\"'", atEnd: true)
                break
            }
            if c == "\"" { advance(); break }
            if c == "\\" {
                let escLoc = here
                advance()
                guard let e = peek() else { continue }
                advance()
                switch e {
                case "n": buffer += "\n"
                case "t": buffer += "\t"
                case "r": buffer += "\r"
                case "0": buffer += "\0"
                case "\"": buffer += "\""
                case "\\": buffer += "\\"
                case "{": buffer += "{"
                case "}": buffer += "}"
                default:
                    error("unknown escape '\\\(e.escaped(asASCII: false))' in string", at: escLoc, length: 2,
                          hint: "escapes are \\n \\t \\r \\0 \\\" \\\\ \\{ \\}")
                }
                continue
            }
            if c == "{" {
                let braceLoc = here
                advance()
                if !buffer.isEmpty { parts.append(.text(buffer)); buffer = "" }
                if interpolationDepth >= Lexer.maxInterpolationDepth {
                    error("string interpolation nested too deeply", at: braceLoc)
                    // skip to the matching brace
                    var depth = 1
                    while let d = peek(), depth > 0 {
                        if d == "{" { depth += 1 } else if d == "}" { depth -= 1 }
                        advance()
                    }
                    continue
                }
                interpolationDepth += 1
                let inner = lexTokens(insideInterpolation: true)
                interpolationDepth -= 1
                if inner.count == 1, inner[0].kind == .eof, inner[0].text == "}" {
                    error("empty interpolation '{}' in string", at: braceLoc, length: 2,
                          hint: "write \\{ for a literal brace")
                    continue
                }
                parts.append(.code(inner, braceLoc))
                continue
            }
            buffer.unicodeScalars.append(advance())
        }
        if !buffer.isEmpty || parts.isEmpty { parts.append(.text(buffer)) }
        var t = Token(.string, String(String.UnicodeScalarView(src[startPos..<pos])), start, length: pos - startPos)
        t.parts = parts
        return t
    }
}
