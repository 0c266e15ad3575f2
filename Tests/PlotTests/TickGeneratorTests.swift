import Testing
@testable import Plot

/// Extended Wilkinson ticks. Expected values are outputs of the reference R implementation
/// (`labeling::extended`, whose documentation gives 8.1..14.1, m = 4 → 8, 10, 12, 14) or were
/// worked out by hand from the scoring formulas (worked scores in the comments).
struct TickGeneratorTests {
    func ticks(_ a: Double, _ b: Double, _ m: Int, loose: Bool = false) -> [Double] {
        TickGenerator.extended(dmin: a, dmax: b, m: m, onlyLoose: loose)
    }

    @Test func referenceExample() {
        #expect(ticks(8.1, 14.1, 4) == [8, 10, 12, 14])
    }

    @Test func zeroToHundred() {
        // q = 2.5: simplicity 0.4 (zero included), coverage 1, density 1 → score 0.85;
        // the runner-up 0, 20, …, 100 scores 0.775.
        #expect(ticks(0, 100, 5) == [0, 25, 50, 75, 100])
    }

    @Test func straddlingZero() {
        // −2.5…7.5 by 2.5 scores 0.742; −3, 0, …, 9 scores 0.64; −4…8 by 2 scores 0.597.
        #expect(ticks(-3.2, 7.9, 5) == [-2.5, 0, 2.5, 5, 7.5])
    }

    @Test func negativeRange() {
        // −10…−2 by 2: simplicity −0.4 (no zero), coverage 1, density 1 → 0.65.
        #expect(ticks(-10, -2, 5) == [-10, -8, -6, -4, -2])
        #expect(ticks(-14.1, -8.1, 4) == [-14, -12, -10, -8])
    }

    @Test func reversedArgumentsAreSwapped() {
        #expect(ticks(14.1, 8.1, 4) == [8, 10, 12, 14])
    }

    @Test func zeroWidthRangeGivesTheValue() {
        #expect(ticks(5, 5, 4) == [5])
        #expect(ticks(0, 0, 5) == [0])
    }

    @Test func nonFiniteGivesNothing() {
        #expect(ticks(.nan, 1, 5).isEmpty)
        #expect(ticks(0, .infinity, 5).isEmpty)
        #expect(TickGenerator.extended(dmin: 0, dmax: 1, m: 0).isEmpty)
    }

    @Test func hugeMagnitudes() {
        #expect(ticks(0, 1e9, 5) == [0, 2.5e8, 5e8, 7.5e8, 1e9])
        #expect(ticks(8.1e9, 14.1e9, 4) == [8e9, 1e10, 1.2e10, 1.4e10])
    }

    @Test func tinyMagnitudes() {
        let t = ticks(8.1e-9, 14.1e-9, 4)
        let want = [8e-9, 1e-8, 1.2e-8, 1.4e-8]
        #expect(t.count == want.count)
        for (a, b) in zip(t, want) { #expect(abs(a - b) <= 1e-21) }
        #expect(ticks(0, 1e-9, 5).count == 5)
    }

    @Test func fractionalSteps() {
        #expect(ticks(0, 1, 5) == [0, 0.25, 0.5, 0.75, 1])
        #expect(ticks(-1, 1, 5) == [-1, -0.5, 0, 0.5, 1])
        // Decimal ticks come out as the nearest doubles (0.3, not 0.30000000000000004).
        #expect(ticks(0.5, 0.99, 5) == [0.5, 0.6, 0.7, 0.8, 0.9, 1])
    }

    @Test func onlyLooseCoversTheData() {
        let t = ticks(8.1, 14.1, 4, loose: true)
        #expect((t.first ?? .infinity) <= 8.1 && (t.last ?? -.infinity) >= 14.1)
    }

    @Test(arguments: [(0.0, 1.0), (-7.3, 2.2), (1e-12, 3e-12), (123_456.0, 987_654.0), (-1e15, 1e15), (0.001, 0.0011)])
    func ticksAreIncreasingAndEvenlySpaced(range: (Double, Double)) {
        let t = ticks(range.0, range.1, 5)
        #expect(t.count >= 2)
        let step = t[1] - t[0]
        #expect(step > 0)
        for i in 1..<t.count { #expect(abs((t[i] - t[i - 1]) - step) <= 1e-9 * abs(step) * 10) }
        #expect(!t.contains { $0 == 0 && $0.sign == .minus })
    }
}
