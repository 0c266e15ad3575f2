import Tensor

/// Measures `cblas_sgemm` GFLOP/s on square matrices with the threads in use.
package enum GemmCeiling {
    package static func measure(n: Int, seconds: Double) -> Double {
        let a = Tensor<Float>(repeating: 0.5, shape: [n, n]), b = Tensor<Float>(repeating: 0.25, shape: [n, n])
        var c = Tensor<Float>(zeros: [n, n])
        var best = 0.0
        let start = Clock.now
        var runs = 0
        while runs < 3 || Clock.now - start < seconds {
            let t0 = Clock.now
            a.withUnsafePointer { ap in
                b.withUnsafePointer { bp in
                    c.withUnsafeMutablePointer { cp in
                        BLAS.gemm(m: n, n: n, k: n, ap, lda: n, bp, ldb: n, cp, ldc: n)
                    }
                }
            }
            best = max(best, 2 * Double(n * n * n) / (Clock.now - t0) / 1e9)
            runs += 1
        }
        return best
    }
}
