import COpenBLAS
import Synchronization

/// Matrix products through OpenBLAS (`cblas_sgemm` / `cblas_dgemm`, by the scalar type), row-major.
///
/// OpenBLAS itself always runs single-threaded here; `gemm` splits a large product into
/// blocks of rows or columns of C and runs them on `threads` cores. Each element of C is still
/// one dot product over the whole k in OpenBLAS's own order (OpenBLAS never splits k across
/// threads either), so the split changes no bits. Kernels that parallelise over images call
/// `gemmSingleThreaded` from their own workers, and OpenBLAS's spinning worker threads never
/// compete with them for the cores.
public enum BLAS {
    /// OpenBLAS's thread count at start-up (honours `OPENBLAS_NUM_THREADS`), read once before
    /// OpenBLAS is pinned to one thread.
    private static let startupThreads: Int = {
        let n = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(1, n)
    }()
    private static let requestedThreads = Atomic<Int>(0)

    /// Multiply-adds below which a product is not split (thread start-up would dominate).
    public static let splitWork = 1 << 22
    /// Rows or columns of C per block are multiples of this (OpenBLAS's register tile).
    static let blockAlignment = 16

    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set.
    /// A is m×k after op, B is k×n after op, C is m×n; leading dimensions are row strides.
    /// Large products are split over `threads` cores by blocks of C.
    public static func gemm<Scalar: TensorScalar>(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Scalar = 1,
        _ a: UnsafePointer<Scalar>, lda: Int,
        _ b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        let parts = min(threads, m * n * k / splitWork,
                        (max(m, n) + blockAlignment - 1) / blockAlignment)
        if parts <= 1 || k == 0 {
            gemmSingleThreaded(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                               a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        // Split the longer side of C, so the operand each block re-packs is the smaller one.
        let alongRows = m >= n
        let extent = alongRows ? m : n
        let blocks = (extent + blockAlignment - 1) / blockAlignment
        nonisolated(unsafe) let (pa, pb, pc) = (a, b, c)
        Parallel.forEach(parts) { part in
            let lo = min(extent, blocks * part / parts * blockAlignment)
            let hi = min(extent, blocks * (part + 1) / parts * blockAlignment)
            guard hi > lo else { return }
            if alongRows {
                gemmSingleThreaded(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                                   pa + (transA ? lo : lo * lda), lda: lda, pb, ldb: ldb,
                                   beta: beta, pc + lo * ldc, ldc: ldc)
            } else {
                gemmSingleThreaded(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
                                   pa, lda: lda, pb + (transB ? lo * ldb : lo), ldb: ldb,
                                   beta: beta, pc + lo, ldc: ldc)
            }
        }
    }

    /// `gemm` on the calling thread only: for kernels that already run one product per core.
    public static func gemmSingleThreaded<Scalar: TensorScalar>(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Scalar = 1,
        _ a: UnsafePointer<Scalar>, lda: Int,
        _ b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched only for beta = 1; make k = 0 mean "alpha · 0".
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        _ = startupThreads
        Scalar.blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                        a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }

    /// Cores one `gemm` call uses (OpenBLAS's start-up thread count unless set).
    public static var threads: Int {
        get {
            let n = requestedThreads.load(ordering: .relaxed)
            return n > 0 ? n : startupThreads
        }
        set { requestedThreads.store(max(1, newValue), ordering: .relaxed) }
    }

    /// The kernel OpenBLAS chose for this CPU (e.g. "Cooperlake"); decides the last bits of results.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string.
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
