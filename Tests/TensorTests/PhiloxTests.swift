import Tensor
import Testing

@Suite struct PhiloxTests {
    /// Known-answer vectors of Random123 (kat_vectors, philox4x32 with 10 rounds).
    @Test func matchesRandom123KnownAnswers() {
        let zero = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
        let ones = Philox.block(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
        let pi = Philox.block(counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: (0xA409_3822, 0x299F_31D0))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
    }

    @Test func sameSeedSameStream() {
        var a = Philox(seed: 42, stream: 3), b = Philox(seed: 42, stream: 3)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func purposesAreIndependentStreams() {
        var a = RandomPurpose.initialization.generator(seed: 7)
        var b = RandomPurpose.dataOrder.generator(seed: 7)
        var c = RandomPurpose.dataOrder.generator(seed: 7, index: 1)
        let (x, y, z) = (a.next(), b.next(), c.next())
        #expect(x != y && y != z && x != z)
    }

    @Test func normalDrawsHaveUnitMoments() {
        var g = Philox(seed: 1)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let z = g.normal(); s += z; s2 += z * z }
        let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
        // 5 standard errors: a broken transform is far outside, a correct one essentially never
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    }

    @Test func uniformAndPermutation() {
        var g = Philox(seed: 9)
        for _ in 0..<1000 { let u = g.uniformFloat(); #expect(u >= 0 && u < 1) }
        let p = g.permutation(50)
        #expect(p.sorted() == Array(0..<50))
        #expect(p != Array(0..<50))
    }
}
