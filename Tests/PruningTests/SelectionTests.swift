import Foundation
import NeuralNet
import Pruning
import Tensor
import Testing

@Suite struct SelectionTests {
    @Test func keepsExactlyKWithTieRules() {
        // ties at 2: previous-kept first, then lower index
        let s: [Float] = [1, 2, 3, 2, 2, -0.0, 0]
        #expect(Selection.keepTop(flat: s, k: 2) == [0, 1, 1, 0, 0, 0, 0])
        #expect(Selection.keepTop(flat: s, k: 2, previous: [1, 0, 1, 0, 1, 1, 1]) == [0, 0, 1, 0, 1, 0, 0])
        #expect(Selection.keepTop(flat: s, k: 2, ties: .all) == [0, 1, 1, 1, 1, 0, 0])
        // −0 equals +0: the lower index wins unless the previous mask says otherwise
        #expect(Selection.keepTop(flat: s, k: 6) == [1, 1, 1, 1, 1, 1, 0])
        #expect(Selection.keepTop(flat: s, k: 6, previous: [0, 0, 0, 0, 0, 0, 1]) == [1, 1, 1, 1, 1, 0, 1])
        #expect(Selection.keepTop(flat: s, k: 0) == [0, 0, 0, 0, 0, 0, 0])
        #expect(Selection.keepTop(flat: s, k: 9) == [1, 1, 1, 1, 1, 1, 1])
        #expect(Selection.keepTop(flat: [.nan, 1, -5], k: 2) == [0, 1, 1])
    }

    @Test func matchesSortingOnRandomScores() {
        var g = Philox(seed: 12)
        for trial in 0..<20 {
            let n = 1 + g.below(3000)
            // few distinct values so ties are common
            let s = (0..<n).map { _ in Float(g.below(trial % 2 == 0 ? 7 : 100_000)) }
            let prev = (0..<n).map { _ in UInt8(g.below(2)) }
            let k = g.below(n + 1)
            let order = (0..<n).sorted { a, b in
                if s[a] != s[b] { return s[a] > s[b] }
                if prev[a] != prev[b] { return prev[a] > prev[b] }
                return a < b
            }
            var expected = [UInt8](repeating: 0, count: n)
            for i in order.prefix(k) { expected[i] = 1 }
            #expect(Selection.keepTop(flat: s, k: k, previous: prev) == expected)
        }
    }

    /// algorithms.md §9: FORCE's exponential schedule.
    @Test func densitySchedules() {
        let d = DensitySchedule.exponential.densities(final: 0.01, steps: 60)
        #expect(abs(d[0] - 0.926119) < 1e-6 && abs(d[1] - 0.857696) < 1e-6 && abs(d[2] - 0.794328) < 1e-6)
        #expect(d[59] == 0.010000000000000004)
        let t10 = DensitySchedule.exponential.densities(final: 0.01, steps: 10)
        #expect(abs(t10[0] - 0.630957) < 1e-6 && abs(t10[1] - 0.398107) < 1e-6 && abs(t10[2] - 0.251189) < 1e-6)
        for (c, first) in [(1.0, 0.977237), (2.0, 0.954993), (3.0, 0.933254)] {
            #expect(abs(DensitySchedule.exponential.densities(final: pow(10, -c), steps: 100)[0] - first) < 1e-6)
        }
        #expect(zip(DensitySchedule.linear.densities(final: 0.1, steps: 3), [0.7, 0.4, 0.1]).allSatisfy { abs($0 - $1) < 1e-12 })
        // sparsity 0.9 keeps 5,019 of 50,200 (d = 0.09999999999999998); density 0.1 keeps 5,020
        #expect(DensitySchedule.keptCount(total: 50_200, density: try! PruningAmount.sparsity(0.9).density()) == 5019)
        #expect(DensitySchedule.keptCount(total: 50_200, density: 0.1) == 5020)
    }

    @Test func amounts() throws {
        #expect(try PruningAmount.compression(2).density() == 0.01)
        #expect(throws: PruningError.self) { _ = try PruningAmount.sparsity(1).density() }
        #expect(throws: PruningError.self) { _ = try PruningAmount.density(0).density() }
        #expect(throws: PruningError.self) { _ = try PruningAmount.compression(-1).density() }
    }

    @Test func randomMasksAreSeededAndUniform() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300"))
        let a = try Pruner.prune(net, method: .random, data: nil, amount: .sparsity(0.9), options: PruningOptions(seed: 3)).mask
        let b = try Pruner.prune(net, method: .random, data: nil, amount: .sparsity(0.9), options: PruningOptions(seed: 3)).mask
        let c = try Pruner.prune(net, method: .random, data: nil, amount: .sparsity(0.9), options: PruningOptions(seed: 4)).mask
        #expect(a == b)
        #expect(a != c)
        #expect(a.kept == 26_619)
        // each layer's kept count is binomial(n, 0.1): within 5 standard deviations
        for e in a.entries { #expect(abs(Double(e.kept) - 0.1 * Double(e.count)) <= 5 * (0.09 * Double(e.count)).squareRoot()) }
    }

    /// Double scores rank by their Double values: two scores equal once rounded to Float are not a
    /// tie, and the tie rules (previous mask, then lower index) still hold for exact Double ties.
    @Test func doubleScoresRankInDouble() {
        let a = 1.0, b = 1.0 + 1e-12   // the same Float
        #expect(Float(a) == Float(b))
        let s = ScoreSet(names: ["w"], scores: [Tensor<Double>(shape: [2, 3], scalars: [a, 3, b, a, -0.0, 0])])
        #expect(s.precision == .double)
        #expect(s.entries[0].scores.scalars == [1, 3, 1, 1, 0, 0])
        #expect(Selection.keepTop(s, k: 2).flat == [0, 1, 1, 0, 0, 0])
        #expect(Selection.keepTop(s, k: 3).flat == [1, 1, 1, 0, 0, 0])
        #expect(Selection.keepTop(s, k: 3, previous: Mask(entries: [.init(name: "w", shape: [2, 3], bits: [0, 0, 0, 1, 0, 0])])).flat
                == [0, 1, 1, 1, 0, 0])
        #expect(Selection.keepTop(s, k: 5, previous: Mask(entries: [.init(name: "w", shape: [2, 3], bits: [0, 0, 0, 0, 0, 1])])).flat
                == [1, 1, 1, 1, 0, 1])
        #expect(Selection.keepTop(s, k: 2, scope: .layerwise).flat == [0, 1, 1, 0, 0, 0])
        // the Float scores alone see a three-way tie at 1
        #expect(Selection.keepTop(ScoreSet(entries: s.entries), k: 2).flat == [1, 1, 0, 0, 0, 0])
        // negation keeps the Double values; editing the Float view makes Float the stored precision
        #expect(s.negated().flatDouble == [-a, -3, -b, -a, 0, -0.0])
        #expect(s.negated().precision == .double)
        var edited = s
        edited.entries[0].scores = edited.entries[0].scores.map { $0 * 2 }
        #expect(edited.precision == .single && edited.flatDouble == [2, 6, 2, 2, 0, 0])
    }

    @Test func layerwiseScopeKeepsEachTensorsShare() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8]))
        let m = try Pruner.prune(net, method: .magnitude, data: nil, amount: .density(0.25),
                                 options: PruningOptions(scope: .layerwise)).mask
        for e in m.entries { #expect(e.kept == e.count / 4) }
    }

    @Test func maskAlgebra() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8]))
        let a = try Pruner.prune(net, method: .magnitude, data: nil, amount: .density(0.5)).mask
        let b = try Pruner.prune(net, method: .random, data: nil, amount: .density(0.5)).mask
        let both = try a.and(b), either = try a.or(b)
        #expect(both.kept + either.kept == a.kept + b.kept)
        #expect(abs(try a.overlap(b) - Double(both.kept) / Double(either.kept)) < 1e-12)
        #expect(try a.overlap(a) == 1)
        try a.apply(to: net)
        for (e, p) in zip(a.entries, net.prunable) {
            for i in 0..<e.count where e.bits[i] == 0 { #expect(p.parameter.value[flat: i] == 0) }
        }
        let other = try ModelZoo.build(ModelSpec(name: "lenet5"))
        #expect(throws: PruningError.self) { try a.apply(to: other) }
    }
}
