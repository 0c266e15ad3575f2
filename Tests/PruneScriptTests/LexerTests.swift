import Testing
@testable import PruneScript

private func kinds(_ s: String) -> [TokenKind] { Lexer.tokenize(s).tokens.map(\.kind) }

@Test func lexesOperatorsAndPunctuation() {
    #expect(kinds("a = b ** 2 .. c ..< d") == [.identifier, .equal, .identifier, .starStar, .number, .dotDot,
                                              .identifier, .dotDotLess, .identifier, .eof])
    #expect(kinds("+= -= *= /= == != <= >= < > ; , : ? .") == [.plusEqual, .minusEqual, .starEqual, .slashEqual,
        .equalEqual, .bangEqual, .lessEqual, .greaterEqual, .less, .greater, .semicolon, .comma, .colon, .question, .dot, .eof])
    #expect(kinds("let fn if else for in while break continue return true false nil and or not") ==
            [.kwLet, .kwFn, .kwIf, .kwElse, .kwFor, .kwIn, .kwWhile, .kwBreak, .kwContinue, .kwReturn,
             .kwTrue, .kwFalse, .kwNil, .kwAnd, .kwOr, .kwNot, .eof])
}

@Test func tokensCarryLocations() {
    let ts = Lexer.tokenize("x = 1\n  foo(2)", cell: 3).tokens
    #expect(ts[0].location == SourceLocation(cell: 3, line: 1, column: 1))
    #expect(ts[2].location == SourceLocation(cell: 3, line: 1, column: 5))
    let foo = ts.first { $0.text == "foo" }!
    #expect(foo.location == SourceLocation(cell: 3, line: 2, column: 3))
    #expect(foo.length == 3)
}

@Test func newlinesAreIgnoredInsideParensAndBrackets() {
    #expect(kinds("f(1,\n2)\n[3,\n4]") == [.identifier, .leftParen, .number, .comma, .number, .rightParen, .newline,
                                            .leftBracket, .number, .comma, .number, .rightBracket, .eof])
    #expect(kinds("{\n}") == [.leftBrace, .newline, .rightBrace, .eof])
    #expect(kinds("a # comment\n\n\nb") == [.identifier, .newline, .identifier, .eof])
}

@Test func numbersWithSeparatorsExponentsAndRanges() {
    let ts = Lexer.tokenize("1_000 2.5 1e-5 3E+2 1..5").tokens
    #expect(ts[0].number == 1000)
    #expect(ts[1].number == 2.5)
    #expect(ts[2].number == 1e-5)
    #expect(ts[3].number == 300)
    #expect(ts[4].number == 1 && ts[5].kind == .dotDot && ts[6].number == 5)
}

@Test func percentLiteralsAreExactDecimalShifts() {
    func pct(_ s: String) -> Double { Lexer.tokenize(s).tokens[0].number }
    #expect(pct("99.9%") == 0.999)
    #expect(pct("99.5%") == 0.995)
    #expect(pct("0.5%") == 0.005)
    #expect(pct("100%") == 1)
    #expect(pct("90%") == 0.9)
    #expect(pct("99.99%") == 0.9999)
    #expect(pct("33.3%") == 0.333)
    #expect(pct("1e1%") == 0.1)
    #expect(pct("1_0%") == 0.1)
    // Every n.n% between 0 and 100 equals its decimal spelling bit for bit.
    for tenths in 0...1000 {
        let text = "\(tenths / 10).\(tenths % 10)%"
        let decimal = Double("0.\(String(format: "%03d", tenths))")!
        #expect(pct(text) == (tenths == 1000 ? 1.0 : decimal), "\(text)")
    }
    // modulo needs no spaces only when followed by an operand
    #expect(kinds("10%3") == [.number, .percent, .number, .eof])
    #expect(kinds("10 % x") == [.number, .percent, .identifier, .eof])
    #expect(kinds("10%x") == [.number, .percent, .identifier, .eof])
    #expect(kinds("[90%, 99%]") == [.leftBracket, .number, .comma, .number, .rightBracket, .eof])
}

@Test func stringsWithEscapesAndInterpolation() {
    let t = Lexer.tokenize(#""a\n\t\"\\\{ {x + 1} b""#).tokens[0]
    #expect(t.kind == .string)
    #expect(t.parts.count == 3)
    if case .text(let s) = t.parts[0] { #expect(s == "a\n\t\"\\{ ") } else { Issue.record("part 0") }
    if case .code(let ts, let loc) = t.parts[1] {
        #expect(ts.map(\.kind) == [.identifier, .plus, .number, .eof])
        #expect(loc.column == 14)
        #expect(ts[0].location.column == 15)
    } else { Issue.record("part 1") }
}

@Test func lexicalErrors() {
    let (_, errors) = Lexer.tokenize("a ^ b ! c $ 'x' \"\\q\"")
    let messages = errors.map(\.message)
    #expect(messages.contains("unexpected '^'"))
    #expect(messages.contains("unexpected '!'"))
    #expect(messages.contains("unexpected character '$'"))
    #expect(messages.contains("unexpected \"'\""))
    #expect(messages.contains { $0.hasPrefix("unknown escape") })
    #expect(errors.first { $0.message == "unexpected '^'" }?.hint?.contains("**") == true)
    let unterminated = Lexer.tokenize("\"abc").errors
    #expect(unterminated.count == 1 && unterminated[0].atEndOfInput)
}

@Test func interpolationNestingIsBounded() {
    var s = "1"
    for _ in 0..<20 { s = "\"{\(s)}\"" }
    let (_, errors) = Lexer.tokenize(s)
    #expect(errors.contains { $0.message.contains("nested too deeply") })
    #expect(runCell(s).error?.kind == .syntax)
    var ok = "1"
    for _ in 0..<5 { ok = "\"{\(ok)}\"" }
    #expect(show(ok) == "\"1\"")
}
