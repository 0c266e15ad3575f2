import Builtins
import NeuralNet
import PruneScript
import Pruning
import Testing

/// #21 (the operator part): mask algebra, score arithmetic and `prune(net, scores:)`, with
/// answers computed by hand from the masks and scores themselves.
@Suite struct CriteriaTests {
    static func session() -> Interpreter {
        let i = Interpreter(builtins: .prunebook(settings: EngineSettings()))
        let r = i.run("""
            net = lenet300(input: [1, 8, 8], seed: 0)
            data = digits()
            a = snip(net, data, sparsity: 90%)
            b = magnitude(net, sparsity: 95%)
            s = scores(net, "snip", data)
            t = scores(net, "magnitude")
            """, cell: 1)
        #expect(r.error == nil)
        return i
    }

    static func mask(_ i: Interpreter, _ expr: String) throws -> Mask {
        guard case .handle(let h as MaskHandle)? = i.run(expr, cell: 99).value else {
            throw ScriptError(.type, "\(expr) is not a mask")
        }
        return h.mask
    }

    static func scores(_ i: Interpreter, _ expr: String) throws -> [Double] {
        guard case .handle(let h as ScoresHandle)? = i.run(expr, cell: 98).value else {
            throw ScriptError(.type, "\(expr) is not a score set")
        }
        return h.scores.flatDouble
    }

    @Test func maskAlgebraByHand() throws {
        let i = Self.session()
        let a = try Self.mask(i, "a").flat, b = try Self.mask(i, "b").flat
        #expect(try Self.mask(i, "a & b").flat == zip(a, b).map { $0 & $1 })
        #expect(try Self.mask(i, "a | b").flat == zip(a, b).map { $0 | $1 })
        #expect(try Self.mask(i, "a - b").flat == zip(a, b).map { $0 == 1 && $1 == 0 ? 1 : 0 })
        #expect(try Self.mask(i, "~a").flat == a.map { 1 - $0 })
        // precedence: & before |, both after comparisons
        #expect(try Self.mask(i, "a | a & b").flat == a)
        #expect(i.run("(a & b).kept + (a - b).kept == a.kept", cell: 2).resultText == "true")
        #expect(i.run("(~a).method", cell: 3).resultText == "\"~snip\"")
        // masks of different networks do not combine
        _ = i.run("other = lenet5()\nc = magnitude(other, sparsity: 90%)", cell: 4)
        #expect(i.run("a & c", cell: 5).error?.message.contains("needs masks of the same network") == true)
        #expect(i.run("a & 1", cell: 6).error?.kind == .type)
    }

    @Test func scoreArithmeticByHand() throws {
        let i = Self.session()
        let s = try Self.scores(i, "s"), t = try Self.scores(i, "t")
        #expect(try Self.scores(i, "s + t") == zip(s, t).map { $0 + $1 })
        #expect(try Self.scores(i, "s - t") == zip(s, t).map { $0 - $1 })
        #expect(try Self.scores(i, "s * t") == zip(s, t).map { $0 * $1 })
        #expect(try Self.scores(i, "2 * s") == s.map { 2 * $0 })
        #expect(try Self.scores(i, "1 - s") == s.map { 1 - $0 })
        #expect(try Self.scores(i, "s / 4") == s.map { $0 / 4 })
        #expect(try Self.scores(i, "t ** 2") == t.map { $0 * $0 })
        #expect(try Self.scores(i, "-s") == s.map { -$0 })
        #expect(i.run("s + \"x\"", cell: 2).error?.kind == .type)
    }

    /// Ranking a method's own scores gives the method's mask (same tie rules); ranking a
    /// combination gives the top k of the combination.
    @Test func pruneByScores() throws {
        let i = Self.session()
        let snip = try Self.mask(i, "a")
        #expect(try Self.mask(i, "prune(net, scores: s, sparsity: 90%)") == snip)
        #expect(try Self.mask(i, "prune(net, scores: t, sparsity: 95%)") == (try Self.mask(i, "b")))
        let combo = try Self.scores(i, "s * t")
        let m = try Self.mask(i, "prune(net, scores: s * t, sparsity: 99%)")
        let k = DensitySchedule.keptCount(total: combo.count, density: 1 - 0.99)
        #expect(m.kept == k)
        let threshold = combo.sorted(by: >)[k - 1]
        #expect(zip(m.flat, combo).allSatisfy { bit, score in bit == 1 ? score >= threshold : score <= threshold })
        #expect(i.run("prune(net, \"snip\", data, scores: s, sparsity: 90%)", cell: 5).error?.message == "give a method or scores:, not both")
        #expect(i.run("prune(net, sparsity: 90%)", cell: 6).error?.message.contains("needs a method") == true)
        _ = i.run("other = lenet5()", cell: 7)
        #expect(i.run("prune(other, scores: s, sparsity: 90%)", cell: 8).error?.message.contains("not of lenet5") == true)
    }
}
