import Tensor
import Testing

@Suite struct TensorBasicsTests {
    @Test func copyOnWrite() {
        let a = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        var b = a
        b[[1, 0]] = 9
        #expect(a.scalars == [1, 2, 3, 4])
        #expect(b.scalars == [1, 2, 9, 4])
        #expect(b[[1, 0]] == 9)
    }

    @Test func reshapeKeepsElements() {
        let a = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).reshaped([3, 2])
        #expect(a.shape == [3, 2])
        #expect(a[[2, 1]] == 6)
    }

    @Test func reductionsAccumulateInDouble() {
        let big = Tensor<Float>(repeating: 0.1, shape: [1_000_000])
        #expect(abs(big.sum() - 100_000) < 1e-2)   // Float accumulation would be off by hundreds
        #expect(abs(Tensor<Float>(shape: [2], scalars: [3, 4]).norm() - 5) < 1e-12)
    }

    @Test func relativeError() {
        let r = Tensor<Float>(shape: [2], scalars: [3, 4])
        let y = Tensor<Float>(shape: [2], scalars: [3, 4.5])
        #expect(abs(y.relativeError(to: r) - 0.1) < 1e-7)
        #expect(r.relativeError(to: r) == 0)
    }

    @Test func parallelSumIsReproducible() {
        var g = Philox(seed: 3)
        let t = Tensor<Float>(shape: [3_000_001], scalars: (0..<3_000_001).map { _ in g.uniformFloat() - 0.5 })
        let first = t.sum()
        for _ in 0..<5 { #expect(t.sum() == first) }
    }
}

@Suite struct BLASTests {
    @Test func gemmMatchesNaiveProduct() {
        var g = Philox(seed: 5)
        let (m, n, k) = (7, 5, 9)
        let a = (0..<(k * m)).map { _ in g.uniformFloat() }   // stored k×m, used transposed
        let b = (0..<(k * n)).map { _ in g.uniformFloat() }
        var c = [Float](repeating: 1, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(transA: true, m: m, n: n, k: k, alpha: 2, ap.baseAddress!, lda: m,
                              bp.baseAddress!, ldb: n, beta: 0.5, cp.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[p * m + i] * b[p * n + j] }
                #expect(abs(c[i * n + j] - (2 * s + 0.5)) < 1e-4)
            }
        }
    }

    @Test func reportsCore() {
        #expect(!BLAS.coreName.isEmpty)
        #expect(BLAS.threads >= 1)
    }
}

@Test func blasKernelChoiceForUnrecognisedCPUs() {
    let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    #expect(BLASKernel.preferredCoreType(current: "Prescott", cpuFlags: avx512.union(["avx512_bf16"])) == "Cooperlake")
    #expect(BLASKernel.preferredCoreType(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
    #expect(BLASKernel.preferredCoreType(current: "Nehalem", cpuFlags: ["sse4_2", "avx", "avx2", "fma"]) == "Haswell")
    // a CPU without FMA keeps the generic kernel; a recognised CPU keeps OpenBLAS's own choice
    #expect(BLASKernel.preferredCoreType(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
    #expect(BLASKernel.preferredCoreType(current: "Zen", cpuFlags: avx512) == nil)
    #expect(BLASKernel.preferredCoreType(current: "Haswell", cpuFlags: avx512) == nil)
}
