import Foundation
import Testing
@testable import PruneScript
import Support

@Test func sessionKeepsGlobalsAcrossCells() {
    let s = Interpreter()
    #expect(s.run("x = 40", cell: 1).value == nil)
    #expect(s.run("x + 2", cell: 2).resultText == "42")
    #expect(s.run("_ + 1", cell: 3).resultText == "43")
    #expect(s.run("fn f() { x }", cell: 4).error == nil)
    #expect(s.run("x = 1; f()", cell: 5).resultText == "1")
    #expect(s.globalNames.contains("f"))
    s.reset()
    #expect(s.run("x", cell: 6).error?.kind == .name)
}

@Test func resultRules() {
    #expect(runCell("1; 2").resultText == "2")
    #expect(runCell("2;").value == nil)
    #expect(runCell("x = 2").value == nil)
    #expect(runCell("nil").value == nil)
    #expect(runCell("for i in 1..2 { i }").value == nil)
    #expect(runCell("if true { 5 }").resultText == "5")
    #expect(runCell("").value == nil && runCell("").error == nil)
    #expect(runCell("# only a comment").error == nil)
}

@Test func printGoesToOutputInOrder() {
    let s = Interpreter()
    var live: [OutputEvent] = []
    s.onOutput = { live.append($0) }
    let r = s.run("print(\"a\"); print(1, \"b\"); 3", cell: 1)
    #expect(r.stdout == "a\n1 b\n")
    #expect(r.resultText == "3")
    #expect(live == [.stdout("a\n"), .stdout("1 b\n")])
}

@Test func valueDisplay() {
    #expect(formatNumber(3) == "3")
    #expect(formatNumber(-0.0) == "0")
    #expect(formatNumber(0.995) == "0.995")
    #expect(formatNumber(1e-5) == "1e-05")
    #expect(formatNumber(1e20) == "1e+20")
    #expect(formatNumber(123456789012) == "123456789012")
    #expect(formatNumber(.infinity) == "inf")
    #expect(formatNumber(.nan) == "nan")
    #expect(Value.string("a\"b").repr == "\"a\\\"b\"")
    #expect(Value.string("a\"b").text == "a\"b")
    #expect(Value.list([.string("x"), .number(1)]).text == "[\"x\", 1]")
    #expect(Value.record([("a", .number(1)), ("b c", .null), ("if", .bool(true))]).repr == "{a: 1, \"b c\": nil, \"if\": true}")
    #expect(show("{\"if\": 1}[\"if\"]") == "1")
}

@Test func referenceSemantics() {
    #expect(show("a = [1]; b = a; push(b, 2); a") == "[1, 2]")
    #expect(show("a = {x: 1}; b = a; b.x = 5; a.x") == "5")
    #expect(show("a = [[0]]; b = a[0]; b[0] = 9; a") == "[[9]]")
    #expect(show("t = table([{a: 1}]); u = t; push(u, {a: 2}); len(t)") == "2")
    #expect(show("a = 1; b = a; b += 1; a") == "1")
    #expect(show("s = \"x\"; t = s; t = t + \"y\"; s") == "\"x\"")
    #expect(show("fn f(l) { l[0] = 7 }; xs = [1]; f(xs); xs") == "[7]")
    #expect(show("a = [1]; b = copy(a); push(b, 2); a") == "[1]")
    #expect(show("rows = [{a: 1}]; t = table(rows); rows[0].a = 2; t[0].a") == "1")
    #expect(show("xs = [1, 2]; for x in xs { push(xs, x) }; xs") == "[1, 2, 1, 2]")
}

@Test func closuresCaptureTheirEnvironment() {
    let src = """
    fn make_adder(n) { fn (x) { x + n } }
    add3 = make_adder(3)
    add10 = make_adder(10)
    [add3(1), add10(1)]
    """
    #expect(show(src) == "[4, 11]")
    #expect(show("fn outer() { v = 1; fn inner() { v += 1 }; inner(); inner(); v }; outer()") == "3")
    #expect(show("fn f(a, b: a * 2) { b }; f(4)") == "8")
    #expect(show("fs = []; for i in 0..2 { push(fs, fn () { i }) }; fs[0]()") == "2")
}

@Test func equalityIsStructural() {
    #expect(show("[1, {a: [2]}] == [1, {a: [2]}]") == "true")
    #expect(show("table([{a: 1}]) == table([{a: 1}])") == "true")
    #expect(show("0..2 == 0..2") == "true")
    #expect(show("0..2 == 0..<2") == "false")
    #expect(show("sqrt == sqrt") == "true")
    #expect(show("fn f() {}; f == f") == "true")
    #expect(show("0/0 == 0/0") == "false")
    #expect(show("a = []; push(a, a); a == a") == "true")
    #expect(show("a = []; push(a, a); b = []; push(b, b); a == b").hasPrefix("error: ValueError"))
}

@Test func recursionLimitStopsDeepRecursion() {
    let s = Interpreter()
    let r = s.run("fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } }\ndown(150)", cell: 1)
    #expect(r.resultText == "150")
    let deep = s.run("down(100000)", cell: 2)
    #expect(deep.error?.kind == .recursion)
    #expect(deep.error?.message == "maximum recursion depth (200) exceeded calling 'down'")
    #expect(s.run("down(10)", cell: 3).resultText == "10")  // the session survives
    // mutual recursion through builtins' callbacks is bounded too
    #expect(errorOf("fn g(x) { sort([1, 2], by: g) }; g(1)")?.kind == .recursion)
}

@Test func deepRecursionWithDeepExpressionsDoesNotOverflow() {
    // Each level nests a big expression; 200 levels must fit the interpreter's stack.
    let expr = String(repeating: "(", count: 85) + "n" + String(repeating: " + 0)", count: 85)
    let r = runCell("fn f(n) { if n == 0 { 0 } else { f(n - 1) + \(expr) } }\nf(199)")
    #expect(r.resultText == "19900")
}

@Test func cancellationInterruptsRunawayLoops() async throws {
    let token = CancellationToken()
    let s = Interpreter(cancellation: token)
    let box = ResultBox(s)
    let thread = Thread { box.result = box.session.run("n = 0\nwhile true { n += 1 }", cell: 1).error }
    thread.start()
    try await Task.sleep(nanoseconds: 200_000_000)
    token.cancel()
    for _ in 0..<200 where box.result == nil { try await Task.sleep(nanoseconds: 10_000_000) }
    #expect(box.result?.kind == .interrupted)
    #expect(box.result?.location?.line == 2)
    // the session survives and the flag is cleared by the next run
    #expect(s.run("n > 0", cell: 2).resultText == "true")
}

@Test func cancellationStopsRecursionAndBuiltinCallbacks() {
    let token = CancellationToken()
    let s = Interpreter(cancellation: token)
    s.register(Builtin("cancel_now", doc: "test") { args in args.context.cancellation.cancel(); return .null })
    #expect(s.run("cancel_now(); for i in 0..10 { }", cell: 1).error?.kind == .interrupted)
    #expect(s.run("fn f() { cancel_now(); f() }; f()", cell: 2).error?.kind == .interrupted)
}

@Test func stepLimitEndsInfiniteLoops() {
    var limits = Interpreter.Limits()
    limits.maxSteps = 1000
    let s = Interpreter(limits: limits)
    #expect(s.run("while true { }", cell: 1).error?.message == "step limit of 1000 exceeded")
}

@Test func stringAndListGrowthIsBounded() {
    var limits = Interpreter.Limits()
    limits.maxStringLength = 1000
    limits.maxCollectionSize = 1000
    let s = Interpreter(limits: limits)
    #expect(s.run("x = \"ab\"; while true { x = x + x }", cell: 1).error?.kind == .value)
    #expect(s.run("x = [1]; while true { x = x + x }", cell: 2).error?.kind == .value)
    #expect(s.run("x = []; while true { push(x, 1) }", cell: 3).error?.kind == .value)
    #expect(s.run("x = \"ab\"; while true { x = \"{x}{x}\" }", cell: 4).error?.kind == .value)
}

@Test func hugeNumbersNeverTrap() {
    #expect(show("[1][1e300]").hasPrefix("error: TypeError"))
    #expect(show("[1][-1e300]").hasPrefix("error: TypeError"))
    #expect(show("range(1e300)").hasPrefix("error: TypeError"))
    #expect(show("range(9007199254740992)").hasPrefix("error: ValueError"))
    #expect(show("len(-9007199254740992..9007199254740992)") == "1.8014398509481984e+16")
    #expect(show("round(1e308, digits: 15)") == "1e+308")
    #expect(show("seed(1e300)").hasPrefix("error: TypeError"))
    #expect(show("(0..9007199254740992)[-1]") == "9007199254740992")
    #expect(show("1e999") == "inf")
    #expect(show("x = 0; for i in 9007199254740990..9007199254740992 { x += 1 }; x") == "3")
    #expect(show("linspace(0, 1, 1e15)").hasPrefix("error: ValueError"))
}

@Test func evaluateAndSetGlobalForParameters() throws {
    let s = Interpreter()
    s.setGlobal("sparsity", try s.evaluate("99%"))
    s.setGlobal("name", try s.evaluate("\"vgg\""))
    #expect(s.run("\"{name} {sparsity}\"", cell: 1).resultText == "\"vgg 0.99\"")
    #expect(throws: ScriptError.self) { try s.evaluate("1 +") }
}

final class ResultBox: @unchecked Sendable {
    let session: Interpreter
    var result: ScriptError?
    init(_ session: Interpreter) { self.session = session }
}
