import Testing
@testable import PruneScript

private func parse(_ s: String) -> Program? { Parser.parse(s, cell: 1).program }
private func errors(_ s: String) -> [ScriptError] { Parser.parse(s, cell: 1).errors }

@Test func parsesStatementsAndSuppression() throws {
    let p = try #require(parse("x = 1\nlet y = 2; x + y;"))
    #expect(p.statements.count == 3)
    #expect(p.suppressesResult)
    #expect(parse("x + 1")?.suppressesResult == false)
    #expect(parse("x;  # hidden\n\n")?.suppressesResult == true)
    guard case .assign(.variable("y", _), nil, _, true, _) = p.statements[1] else {
        Issue.record("let"); return
    }
}

@Test func precedenceAndAssociativity() {
    #expect(show("1 + 2 * 3 ** 2") == "19")
    #expect(show("2 ** 3 ** 2") == "512")
    #expect(show("-2 ** 2") == "-4")
    #expect(show("10 - 4 - 3") == "3")
    #expect(show("not 1 < 2 or true") == "true")
    #expect(show("1 + 1 == 2 and 3 > 2") == "true")
    #expect(show("len(0..2 + 1)") == "4")
}

@Test func nodesCarryLocations() throws {
    let p = try #require(parse("a = 1\n  b.c[2](x, k: 3)"))
    guard case .expression(.call(let callee, let args, let loc)) = p.statements[1] else {
        Issue.record("call"); return
    }
    #expect(loc.line == 2)
    #expect(callee.startLocation == SourceLocation(cell: 1, line: 2, column: 3))
    #expect(args[1].label == "k")
    #expect(args[1].location == SourceLocation(cell: 1, line: 2, column: 13))
    guard case .index(_, _, let idxLoc) = callee else { Issue.record("index"); return }
    #expect(idxLoc.column == 6)
}

@Test func newlinesAfterOperatorsAndElseOnNextLine() {
    #expect(show("1 +\n  2") == "3")
    #expect(show("true and\nfalse") == "false")
    #expect(show("if false { 1 }\nelse { 2 }") == "2")
    #expect(show("if false { 1 }\n\nelse if true { 3 } else { 4 }") == "3")
}

@Test func reportsEverySyntaxErrorWithRecovery() {
    let es = errors("x = (1 +* 2)\ny = 2 +* 3\nz = ]\nok = 1\nfn f( { }")
    #expect(es.count >= 3)
    #expect(es.map { $0.location!.line } == es.map { $0.location!.line }.sorted())
    #expect(Set(es.map { $0.location!.line }).isSuperset(of: [1, 2, 3, 5]))
    // an unclosed bracket swallows the rest of the cell: one error at the end
    #expect(errors("x = (1 +\ny = 2").count == 1)
    #expect(es.allSatisfy { $0.kind == .syntax })
    let inBlocks = errors("for i in xs {\n  a = = 1\n  b = 2\n  c = ) \n}\nd = [")
    #expect(inBlocks.map { $0.location!.line } == [2, 4, 6])
    #expect(Interpreter.check("1 +* 2\n3 +* 4").count == 2)
    #expect(Interpreter.check("x = 1").isEmpty)
}

@Test func deepNestingIsASyntaxErrorNotACrash() {
    let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
    #expect(errorOf(deep)?.message.contains("nested too deeply") == true)
    let deepList = String(repeating: "[", count: 5000)
    #expect(errorOf(deepList)?.kind == .syntax)
    let unary = String(repeating: "-", count: 5000) + "1"
    #expect(errorOf(unary)?.kind == .syntax)
    let nots = String(repeating: "not ", count: 5000) + "true"
    #expect(errorOf(nots)?.kind == .syntax)
    let blocks = String(repeating: "if true { ", count: 3000) + String(repeating: "}", count: 3000)
    #expect(errorOf(blocks)?.kind == .syntax)
    let chain = "x" + String(repeating: ".a", count: 5000)
    #expect(errorOf(chain)?.kind == .syntax)
    let elifs = "if false { 1 }" + String(repeating: " else if false { 1 }", count: 3000)
    #expect(errorOf(elifs)?.kind == .syntax)
    #expect(show(String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)) == "1")
    #expect(isComplete(deep) == .invalid)
}

@Test func helpShorthand() {
    let r = runCell("?len")
    #expect(r.stdout.hasPrefix("len(value)"))
}
