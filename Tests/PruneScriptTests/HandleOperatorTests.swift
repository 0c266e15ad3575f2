import Testing
@testable import PruneScript

/// A stand-in engine value with `+` (with numbers, either side) and unary `-`, to test the
/// handle-operator hook without any engine.
private final class Amount: ScriptHandle {
    let x: Double
    init(_ x: Double) { self.x = x }
    var typeName: String { "amount" }
    var displayText: String { "<amount \(formatNumber(x))>" }
    func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        guard op == .add else { return nil }
        switch other {
        case .number(let y): return .handle(Amount(x + y))
        case .handle(let h as Amount): return .handle(Amount(x + h.x))
        case .string: throw ScriptError(.type, "cannot add text to an amount")
        default: return nil
        }
    }
    func apply(_ op: UnaryOp) throws -> Value? { op == .negate ? .handle(Amount(-x)) : nil }
}

@Test func handleOperatorHook() {
    var registry = BuiltinRegistry.core
    registry.register("amount", positional: [Param("x", .number)], doc: "test") { args in .handle(Amount(try args.number("x"))) }
    let i = Interpreter(builtins: registry)
    #expect(i.run("a = amount(2)\na + 1", cell: 1).resultText == "<amount 3>")
    #expect(i.run("1 + a", cell: 2).resultText == "<amount 3>")
    #expect(i.run("a + a", cell: 3).resultText == "<amount 4>")
    #expect(i.run("-a", cell: 4).resultText == "<amount -2>")
    // no operator defined: the usual TypeError, at the operator
    let times = i.run("a * 2", cell: 5).error
    #expect(times?.kind == .type)
    #expect(times?.message == "'*': expected numbers, got amount and number")
    #expect(i.run("not a", cell: 6).error?.message == "'not': expected bool, got amount")
    // an error thrown by the hook gets the operator's location
    let text = i.run("x = 1\na + \"s\"", cell: 7).error
    #expect(text?.message == "cannot add text to an amount")
    #expect(text?.location?.line == 2)
    // handles still compare by identity
    #expect(i.run("a == a", cell: 8).resultText == "true")
    #expect(i.run("a == amount(2)", cell: 9).resultText == "false")
}
