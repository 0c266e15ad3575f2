/// Recursive-descent parser for PruneScript.
///
/// Grammar (lowest precedence first):
///
///     statement  := "let" NAME "=" expr | "fn" NAME "(" params ")" block
///                 | "for" NAME "in" expr block | "while" expr block
///                 | "break" | "continue" | "return" expr? | "?" NAME
///                 | expr (("=" | "+=" | "-=" | "*=" | "/=") expr)?
///     expr       := or
///     or         := and ("or" and)*
///     and        := not ("and" not)*
///     not        := "not" not | comparison
///     comparison := range (("==" | "!=" | "<" | "<=" | ">" | ">=") range)?   (not chainable)
///     range      := additive ((".." | "..<") additive)?
///     additive   := term (("+" | "-") term)*
///     term       := unary (("*" | "/" | "%") unary)*
///     unary      := "-" unary | power
///     power      := postfix ("**" unary)?          (right-associative; -2 ** 2 == -4)
///     postfix    := primary ("(" args ")" | "[" expr "]" | "." NAME)*
///     primary    := NUMBER | STRING | "true" | "false" | "nil" | NAME | "(" expr ")"
///                 | "[" exprs "]" | "{" entries "}" | if | "fn" "(" params ")" block
///
/// Statements are separated by newlines or `;`. A newline may follow a binary operator,
/// `,`, `(`, `[` or `{`. The parser reports every syntax error it can, recovering at
/// statement boundaries; nesting deeper than `maxDepth` is a syntax error (never a crash).
public struct Parser {
    public static let maxDepth = 96
    static let maxErrors = 50

    private var tokens: [Token]
    private var current = 0
    private var depth = 0
    private var loopDepth = 0
    private var functionDepth = 0
    private(set) var errors: [ScriptError] = []

    init(tokens: [Token], depth: Int = 0) {
        self.tokens = tokens.isEmpty ? [Token(.eof, "", SourceLocation(line: 1, column: 1))] : tokens
        self.depth = depth
    }

    /// Parses one cell. `program` is nil when there are syntax errors; `errors` lists them
    /// all (lexical and syntactic), in source order.
    public static func parse(_ source: String, cell: Int = 0) -> (program: Program?, errors: [ScriptError]) {
        let (tokens, lexErrors) = Lexer.tokenize(source, cell: cell)
        var parser = Parser(tokens: tokens)
        let program = parser.parseProgram()
        var all: [ScriptError] = []
        for e in lexErrors + parser.errors where !all.contains(where: { $0.location == e.location }) {
            all.append(e)
        }
        all.sort { a, b in
            let la = a.location ?? SourceLocation(line: 0, column: 0), lb = b.location ?? SourceLocation(line: 0, column: 0)
            return (la.line, la.column) < (lb.line, lb.column)
        }
        return (all.isEmpty ? program : nil, all)
    }

    // MARK: - Token helpers

    private var peek: Token { tokens[current] }
    private func peekKind(_ ahead: Int) -> TokenKind {
        current + ahead < tokens.count ? tokens[current + ahead].kind : .eof
    }
    private func check(_ kind: TokenKind) -> Bool { peek.kind == kind }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[current]
        if t.kind != .eof { current += 1 }
        return t
    }

    private mutating func match(_ kinds: TokenKind...) -> Bool {
        if kinds.contains(peek.kind) { advance(); return true }
        return false
    }

    private mutating func skipNewlines() { while check(.newline) { advance() } }

    private func error(_ message: String, at token: Token, hint: String? = nil) -> ScriptError {
        var e = ScriptError(.syntax, message, at: token.location, length: token.kind == .eof ? 1 : token.length, hint: hint)
        // An interpolation's end token is a `}`, not the end of the input.
        e.atEndOfInput = token.kind == .eof && token.text.isEmpty
        return e
    }

    private mutating func consume(_ kind: TokenKind, _ message: String, hint: String? = nil) throws -> Token {
        if check(kind) { return advance() }
        throw error("\(message), got \(peek.describe)", at: peek, hint: hint)
    }

    private mutating func identifier(_ message: String) throws -> Token {
        if check(.identifier) { return advance() }
        if TokenKind.keywords[peek.text] != nil {
            throw error("\(message), got keyword '\(peek.text)'", at: peek, hint: "'\(peek.text)' is reserved; pick another name")
        }
        throw error("\(message), got \(peek.describe)", at: peek)
    }

    private mutating func record(_ e: ScriptError) {
        if errors.count < Parser.maxErrors && !errors.contains(where: { $0.location == e.location }) {
            errors.append(e)
        }
    }

    private mutating func enter(_ token: Token) throws {
        depth += 1
        if depth > Parser.maxDepth {
            throw error("expression nested too deeply (more than \(Parser.maxDepth) levels)", at: token)
        }
    }

    /// Skips to the next statement boundary at bracket depth `level`.
    private mutating func synchronize(level: Int) {
        while !check(.eof) {
            let t = peek
            if t.kind == .rightBrace && t.depth < level { return }
            if (t.kind == .newline || t.kind == .semicolon) && t.depth <= level { advance(); return }
            advance()
        }
    }

    // MARK: - Statements

    mutating func parseProgram() -> Program {
        var statements: [Stmt] = []
        var suppress = false
        while check(.newline) || check(.semicolon) { advance() }
        while !check(.eof) && errors.count < Parser.maxErrors {
            do {
                depth = 0
                statements.append(try statement())
                suppress = false
                if check(.newline) || check(.semicolon) {
                    while check(.newline) || check(.semicolon) {
                        if check(.semicolon) { suppress = true }
                        advance()
                    }
                } else if check(.rightBrace) {
                    throw error("unmatched '}'", at: peek)
                } else if !check(.eof) {
                    throw error("expected a new line or ';' after the statement, got \(peek.describe)", at: peek)
                }
            } catch let e as ScriptError {
                record(e)
                if check(.rightBrace) { advance() }
                synchronize(level: 0)
            } catch {}
        }
        return Program(statements: statements, suppressesResult: suppress)
    }

    private mutating func block(_ what: String) throws -> [Stmt] {
        let hint: String? = check(.equal) ? "use '==' to compare" : nil
        let open = try consume(.leftBrace, "expected '{' to start the \(what)", hint: hint)
        try enter(open)
        defer { depth -= 1 }
        let level = open.depth + 1
        var body: [Stmt] = []
        while check(.newline) || check(.semicolon) { advance() }
        while !check(.rightBrace) && !check(.eof) && errors.count < Parser.maxErrors {
            let savedDepth = depth
            do {
                body.append(try statement())
                if check(.newline) || check(.semicolon) {
                    while check(.newline) || check(.semicolon) { advance() }
                } else if !check(.rightBrace) && !check(.eof) {
                    throw error("expected a new line, ';' or '}' after the statement, got \(peek.describe)", at: peek)
                }
            } catch let e as ScriptError {
                depth = savedDepth
                record(e)
                synchronize(level: level)
            } catch {}
        }
        if !check(.rightBrace) {
            throw error("expected '}' to close the \(what) opened at line \(open.location.line), column \(open.location.column)", at: peek)
        }
        advance()
        return body
    }

    private mutating func statement() throws -> Stmt {
        let start = peek
        switch start.kind {
        case .kwLet:
            advance()
            let name = try identifier("expected a name after 'let'")
            _ = try consume(.equal, "expected '=' after 'let \(name.text)'")
            skipNewlines()
            let value = try expression()
            return .assign(.variable(name.text, name.location), op: nil, value, isLet: true, start.location)
        case .kwFn where peekKind(1) == .identifier:
            advance()
            let name = advance()
            return .function(try functionRest(name: name.text, location: name.location))
        case .kwFor:
            advance()
            let name = try identifier("expected a loop variable after 'for'")
            _ = try consume(.kwIn, "expected 'in' after 'for \(name.text)'")
            let iterable = try expression()
            loopDepth += 1
            defer { loopDepth -= 1 }
            let body = try block("'for' body")
            return .forLoop(variable: name.text, iterable: iterable, body: body, name.location)
        case .kwWhile:
            advance()
            let condition = try expression()
            loopDepth += 1
            defer { loopDepth -= 1 }
            let body = try block("'while' body")
            return .whileLoop(condition: condition, body: body, start.location)
        case .kwBreak:
            if loopDepth == 0 { throw error("'break' outside a loop", at: start) }
            advance(); return .breakLoop(start.location)
        case .kwContinue:
            if loopDepth == 0 { throw error("'continue' outside a loop", at: start) }
            advance(); return .continueLoop(start.location)
        case .kwReturn:
            if functionDepth == 0 { throw error("'return' outside a function", at: start, hint: "a cell's last expression is its result") }
            advance()
            if [.newline, .semicolon, .rightBrace, .eof].contains(peek.kind) {
                return .returnValue(nil, start.location)
            }
            return .returnValue(try expression(), start.location)
        case .question:
            advance()
            let name = try identifier("expected a name after '?'")
            return .expression(.call(.variable("help", start.location),
                                     [CallArgument(label: nil, value: .string(name.text, name.location), location: name.location)],
                                     start.location))
        default:
            let expr = try expression()
            let opToken = peek
            let op: BinaryOp?
            switch opToken.kind {
            case .equal: op = nil
            case .plusEqual: op = .add
            case .minusEqual: op = .subtract
            case .starEqual: op = .multiply
            case .slashEqual: op = .divide
            default: return .expression(expr)
            }
            advance()
            skipNewlines()
            let target: AssignTarget
            switch expr {
            case .variable(let name, let l): target = .variable(name, l)
            case .index(let base, let i, let l): target = .index(base, i, l)
            case .field(let base, let name, let l): target = .field(base, name, l)
            default:
                throw ScriptError(.syntax, "cannot assign to this expression", at: expr.startLocation,
                                  hint: opToken.kind == .equal ? "use '==' to compare" : nil)
            }
            let value = try expression()
            return .assign(target, op: op, value, isLet: false, opToken.location)
        }
    }

    /// After `fn name` or `fn`: `(params) { body }`.
    private mutating func functionRest(name: String?, location: SourceLocation) throws -> FunctionDecl {
        _ = try consume(.leftParen, name.map { "expected '(' after 'fn \($0)'" } ?? "expected '(' after 'fn'")
        var params: [FunctionParameter] = []
        while !check(.rightParen) {
            let p = try identifier("expected a parameter name")
            if params.contains(where: { $0.name == p.text }) {
                throw error("duplicate parameter '\(p.text)'", at: p)
            }
            var def: Expr? = nil
            if match(.colon) { def = try expression() }
            else if check(.equal) {
                throw error("default values use ':'", at: peek, hint: "write fn f(\(p.text): value)")
            }
            params.append(FunctionParameter(name: p.text, defaultValue: def, location: p.location))
            if !match(.comma) { break }
        }
        _ = try consume(.rightParen, "expected ')' after the parameters")
        let savedLoopDepth = loopDepth
        loopDepth = 0
        functionDepth += 1
        defer { loopDepth = savedLoopDepth; functionDepth -= 1 }
        let body = try block("function body")
        return FunctionDecl(name: name, parameters: params, body: body, location: location)
    }

    // MARK: - Expressions

    mutating func expression() throws -> Expr {
        try enter(peek)
        defer { depth -= 1 }
        return try or()
    }

    private mutating func or() throws -> Expr {
        var left = try and()
        while check(.kwOr) {
            let op = advance(); skipNewlines()
            left = .logical(.or, left, try and(), op.location)
        }
        return left
    }

    private mutating func and() throws -> Expr {
        var left = try not()
        while check(.kwAnd) {
            let op = advance(); skipNewlines()
            left = .logical(.and, left, try not(), op.location)
        }
        return left
    }

    private mutating func not() throws -> Expr {
        if check(.kwNot) {
            let op = advance()
            try enter(op)
            defer { depth -= 1 }
            return .unary(.not, try not(), op.location)
        }
        return try union()
    }

    /// `a | b` and `a & b` (masks) bind more loosely than comparisons, `&` tighter than `|`:
    /// `a | b & c` is `a | (b & c)`.
    private mutating func union() throws -> Expr {
        var left = try intersection()
        while check(.pipe) {
            let op = advance(); skipNewlines()
            left = .binary(.union, left, try intersection(), op.location)
        }
        return left
    }

    private mutating func intersection() throws -> Expr {
        var left = try comparison()
        while check(.ampersand) {
            let op = advance(); skipNewlines()
            left = .binary(.intersect, left, try comparison(), op.location)
        }
        return left
    }

    private static let comparisons: [TokenKind: BinaryOp] = [
        .equalEqual: .equal, .bangEqual: .notEqual, .less: .less, .lessEqual: .lessEqual,
        .greater: .greater, .greaterEqual: .greaterEqual,
    ]

    private mutating func comparison() throws -> Expr {
        let left = try range()
        guard let op = Parser.comparisons[peek.kind] else { return left }
        let opToken = advance(); skipNewlines()
        let right = try range()
        if Parser.comparisons[peek.kind] != nil {
            throw error("comparisons cannot be chained", at: peek, hint: "use 'and': a < b and b < c")
        }
        return .binary(op, left, right, opToken.location)
    }

    private mutating func range() throws -> Expr {
        let left = try additive()
        if check(.dotDot) || check(.dotDotLess) {
            let op = advance(); skipNewlines()
            let right = try additive()
            return .range(left, right, inclusive: op.kind == .dotDot, op.location)
        }
        return left
    }

    private mutating func additive() throws -> Expr {
        var left = try term()
        while check(.plus) || check(.minus) {
            let op = advance(); skipNewlines()
            left = .binary(op.kind == .plus ? .add : .subtract, left, try term(), op.location)
        }
        return left
    }

    private mutating func term() throws -> Expr {
        var left = try unary()
        while check(.star) || check(.slash) || check(.percent) {
            let op = advance(); skipNewlines()
            let kind: BinaryOp = op.kind == .star ? .multiply : op.kind == .slash ? .divide : .modulo
            left = .binary(kind, left, try unary(), op.location)
        }
        return left
    }

    private mutating func unary() throws -> Expr {
        if check(.minus) || check(.tilde) {
            let op = advance()
            try enter(op)
            defer { depth -= 1 }
            return .unary(op.kind == .minus ? .negate : .complement, try unary(), op.location)
        }
        if check(.plus) {
            throw error("unary '+' is not supported", at: peek, hint: "remove the '+'")
        }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if check(.starStar) {
            let op = advance(); skipNewlines()
            try enter(op)
            defer { depth -= 1 }
            return .binary(.power, base, try unary(), op.location)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var expr = try primary()
        var chain = 0
        defer { depth -= chain }
        while true {
            if check(.leftParen) {
                let open = advance()
                chain += 1; try enter(open)
                expr = .call(expr, try arguments(), expr.location)
            } else if check(.leftBracket) {
                let open = advance()
                chain += 1; try enter(open)
                let index = try expression()
                _ = try consume(.rightBracket, "expected ']' after the index")
                expr = .index(expr, index, open.location)
            } else if check(.dot) {
                advance()
                let name = peek
                guard name.kind == .identifier || TokenKind.keywords[name.text] != nil else {
                    throw error("expected a field name after '.', got \(name.describe)", at: name)
                }
                advance()
                chain += 1; try enter(name)
                expr = .field(expr, name.text, name.location)
            } else {
                break
            }
        }
        return expr
    }

    private mutating func arguments() throws -> [CallArgument] {
        var args: [CallArgument] = []
        var sawNamed = false
        while !check(.rightParen) {
            let start = peek
            if (start.kind == .identifier || TokenKind.keywords[start.text] != nil) && peekKind(1) == .colon {
                advance(); advance()
                if args.contains(where: { $0.label == start.text }) {
                    throw error("argument '\(start.text)' given twice", at: start)
                }
                args.append(CallArgument(label: start.text, value: try expression(), location: start.location))
                sawNamed = true
            } else {
                let value = try expression()
                if sawNamed {
                    throw ScriptError(.syntax, "positional argument after named arguments", at: value.startLocation,
                                      hint: "put positional arguments first")
                }
                args.append(CallArgument(label: nil, value: value, location: value.startLocation))
            }
            if !match(.comma) { break }
        }
        _ = try consume(.rightParen, "expected ')' after the arguments")
        return args
    }

    private mutating func primary() throws -> Expr {
        let t = peek
        switch t.kind {
        case .number:
            advance(); return .number(t.number, t.location)
        case .string:
            advance(); return try stringLiteral(t)
        case .kwTrue: advance(); return .bool(true, t.location)
        case .kwFalse: advance(); return .bool(false, t.location)
        case .kwNil: advance(); return .nilLiteral(t.location)
        case .identifier: advance(); return .variable(t.text, t.location)
        case .leftParen:
            advance()
            let e = try expression()
            _ = try consume(.rightParen, "expected ')'")
            return e
        case .leftBracket:
            advance()
            var items: [Expr] = []
            while !check(.rightBracket) {
                items.append(try expression())
                if !match(.comma) { break }
            }
            _ = try consume(.rightBracket, "expected ',' or ']' in the list")
            return .list(items, t.location)
        case .leftBrace:
            return try recordLiteral()
        case .kwIf:
            return try ifExpression()
        case .kwFn:
            advance()
            return .function(try functionRest(name: nil, location: t.location))
        default:
            var hint: String? = nil
            if t.kind == .rightBrace || t.kind == .rightParen || t.kind == .rightBracket { hint = nil }
            if t.kind == .kwElse { hint = "'else' must follow an if block's '}'" }
            if t.kind == .kwIn || t.kind == .kwLet || t.kind == .kwFor || t.kind == .kwWhile {
                hint = "'\(t.text)' cannot be used inside an expression"
            }
            throw error("expected an expression, got \(t.describe)", at: t, hint: hint)
        }
    }

    private mutating func recordLiteral() throws -> Expr {
        let open = advance()
        var entries: [RecordEntry] = []
        skipNewlines()
        while !check(.rightBrace) {
            let key = peek
            let name: String
            if key.kind == .identifier || TokenKind.keywords[key.text] != nil {
                name = key.text
            } else if key.kind == .string, key.parts.count == 1, case .text(let s) = key.parts[0] {
                name = s
            } else {
                throw error("expected a field name in the record, got \(key.describe)", at: key,
                            hint: "records look like {name: value, \"other name\": value}")
            }
            advance()
            if entries.contains(where: { $0.key == name }) {
                throw error("duplicate field '\(name)' in the record", at: key)
            }
            _ = try consume(.colon, "expected ':' after the field name '\(name)'")
            skipNewlines()
            let value = try expression()
            entries.append(RecordEntry(key: name, value: value, location: key.location))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        skipNewlines()
        _ = try consume(.rightBrace, "expected ',' or '}' in the record")
        return .record(entries, open.location)
    }

    private mutating func ifExpression() throws -> Expr {
        let start = peek
        var branches: [IfBranch] = []
        var elseBody: [Stmt]? = nil
        repeat {
            advance() // `if`
            let condition = try expression()
            branches.append(IfBranch(condition: condition, body: try block("'if' body")))
            // `else` may sit on the next line
            var look = current
            while look < tokens.count && tokens[look].kind == .newline { look += 1 }
            guard look < tokens.count, tokens[look].kind == .kwElse else { break }
            current = look
            advance() // `else`
            if check(.kwIf) {
                if branches.count > Parser.maxDepth {
                    throw error("too many 'else if' branches", at: peek)
                }
                continue
            }
            elseBody = try block("'else' body")
            break
        } while true
        return .ifElse(branches, elseBody: elseBody, start.location)
    }

    private mutating func stringLiteral(_ t: Token) throws -> Expr {
        if t.parts.count == 1, case .text(let s) = t.parts[0] { return .string(s, t.location) }
        var parts: [InterpolationPart] = []
        for part in t.parts {
            switch part {
            case .text(let s): parts.append(.text(s))
            case .code(let tokens, _):
                var sub = Parser(tokens: tokens, depth: depth + 1)
                do {
                    let e = try sub.expression()
                    if !sub.check(.eof) {
                        throw sub.error("expected '}' to end the interpolation, got \(sub.peek.describe)", at: sub.peek)
                    }
                    parts.append(.expr(e))
                } catch let e as ScriptError {
                    sub.record(e)
                }
                for e in sub.errors { record(e) }
                if !sub.errors.isEmpty { parts.append(.text("")) }
            }
        }
        return .interpolated(parts, t.location)
    }
}
