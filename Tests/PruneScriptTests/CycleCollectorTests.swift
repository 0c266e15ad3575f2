import Testing
@testable import PruneScript

// A function defined inside a call captures the call's scope, which holds it. These check that
// such scopes are freed once nothing else reaches them, and that nothing still reachable (from
// globals, lists, records, other scopes, a running call) is ever emptied.

private func value(_ session: Interpreter, _ source: String, cell: Int) -> String {
    let r = session.run(source, cell: cell)
    if let e = r.error { return "error: \(e.message)" }
    return r.resultText ?? "<none>"
}

@Test func scopesOfNestedFunctionsAreFreedAfterTheCall() {
    let s = Interpreter()
    let src = """
    fn outer(n) { fn inner(x) { x + n }; let twice = fn (y) { inner(inner(y)) }; twice(1) }
    total = 0
    for i in 0..<50 { total += outer(i) }
    total
    """
    #expect(value(s, src, cell: 1) == "\((0..<50).map { 1 + 2 * $0 }.reduce(0, +))")
    #expect(s.cycles.liveCount == 0)
    #expect(!s.cycles.disabled)
}

@Test func recursiveNestedFunctionsAreFreed() {
    let s = Interpreter()
    let src = """
    fn outer(n) { fn fact(k) { if k <= 1 { return 1 }; return k * fact(k - 1) }; fact(n) }
    [outer(5), outer(6)]
    """
    #expect(value(s, src, cell: 1) == "[120, 720]")
    #expect(s.cycles.liveCount == 0)
}

@Test func escapedClosuresKeepTheirScopesUntilDropped() {
    let s = Interpreter()
    #expect(value(s, "fn make(n) { fn add(x) { x + n }; add }\nadd5 = make(5)\nadd5(1)", cell: 1) == "6")
    #expect(s.cycles.liveCount == 1)
    #expect(value(s, "fn churn(k) { fn f() { k }; f() }\nfor i in 0..<10 { churn(i) }\nadd5(2)", cell: 2) == "7")
    #expect(s.cycles.liveCount == 1)
    #expect(value(s, "add5 = nil\n1", cell: 3) == "1")
    #expect(s.cycles.liveCount == 0)
    #expect(!s.cycles.disabled)
}

@Test func closuresReachedThroughListsRecordsAndOtherScopesSurvive() {
    let s = Interpreter()
    let setup = """
    fn make(n) { fn add(x) { x + n }; add }
    fn nest(a) { fn mid(b) { fn leaf(c) { a + b + c }; leaf }; mid(1) }
    fs = [make(1), make(2)]
    r = {f: make(10), g: nest(100)}
    len(fs)
    """
    #expect(value(s, setup, cell: 1) == "2")
    // Enough nested definitions to collect several times within one cell.
    let churn = "fn churn(k) { fn f() { k }; f() }\nt = 0\nfor i in 0..<3000 { t += churn(i) }\nt"
    #expect(value(s, churn, cell: 2) == "\((0..<3000).reduce(0, +))")
    #expect(s.cycles.collections >= 3)
    #expect(value(s, "[fs[0](1), fs[1](1), r.f(1), r.g(1000)]", cell: 3) == "[2, 3, 11, 1101]")
    #expect(!s.cycles.disabled)
}

@Test func collectionInTheMiddleOfACallKeepsTheRunningScopes() {
    let s = Interpreter()
    // Each call defines functions while earlier ones are still running (and kept in a list).
    let src = """
    kept = []
    fn outer(n) {
      fn inner(x) { x * n }
      if n % 500 == 0 { push(kept, inner) }
      let before = inner(2)
      for j in 0..<3 { fn g() { j }; g() }
      before + inner(1)
    }
    s = 0
    for i in 0..<4000 { s += outer(i) }
    [s, len(kept), kept[3](1)]
    """
    #expect(value(s, src, cell: 1) == "[\((0..<4000).map { 3 * $0 }.reduce(0, +)), 8, 1500]")
    #expect(s.cycles.collections >= 3)
    #expect(s.cycles.liveCount == 8)
    #expect(!s.cycles.disabled)
}

@Test func resetFreesEverything() {
    let s = Interpreter()
    _ = s.run("fn make(n) { fn add(x) { x + n }; add }\nfs = [make(1), make(2), make(3)]", cell: 1)
    #expect(s.cycles.liveCount == 3)
    s.reset()
    #expect(s.cycles.liveCount == 0)
}
