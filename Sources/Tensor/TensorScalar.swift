import COpenBLAS
import Glibc

/// A floating-point type the engine computes in: `Float` (training, the default) or `Double`
/// (scores whose near-ties float32 cannot resolve, checks against float64 references).
///
/// Every layer is written once, generic over its scalar, as Swift for TensorFlow's layers are over
/// `TensorFlowFloatingPoint`. What differs between the two types is only what the libraries
/// spell differently: the BLAS product (`sgemm` / `dgemm`), `exp` (`expf` / `exp`), and the few SIMD
/// operations `VectorOps` is built from. The last must be written per type: in generic code a SIMD
/// type's operators are the element-by-element generic ones, even once specialized, while
/// `SIMD16<Float>`'s own are single vector instructions (the difference was 5× on ReLU's backward).
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible {
    /// The SIMD vector `VectorOps` works in (16 lanes).
    associatedtype Vector: SIMD where Vector.Scalar == Self
    /// C = alpha · op(A) · op(B) + beta · C by OpenBLAS on the calling thread, row-major (k ≥ 1, m, n ≥ 1).
    static func blasGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                         _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                         beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// b[j, i] = a[i, j] for a row-major `rows × columns` a (leading dimension `lda`) into b
    /// (leading dimension `ldb`), by OpenBLAS's `omatcopy` on the calling thread.
    static func blasTranspose(rows: Int, columns: Int, _ a: UnsafePointer<Self>, lda: Int,
                              _ b: UnsafeMutablePointer<Self>, ldb: Int)
    /// eˣ by the C library in this precision.
    static func exponential(_ x: Self) -> Self
    /// The name users see ("float32", "float64").
    static var precisionName: String { get }

    /// a + b, a − b, a ⊙ b lane by lane.
    static func add(_ a: Vector, _ b: Vector) -> Vector
    static func subtract(_ a: Vector, _ b: Vector) -> Vector
    static func multiply(_ a: Vector, _ b: Vector) -> Vector
    /// acc + a ⊙ b lane by lane with one rounding (a fused multiply-add: one instruction with
    /// FMA, the C library's exact `fma` without).
    static func multiplyAdd(_ acc: Vector, _ a: Vector, _ b: Vector) -> Vector
    /// The sum of the lanes (the standard library's order, so results are reproducible).
    static func laneSum(_ v: Vector) -> Self
    /// The sum of the lanes by halves (lanes i and i + 8, then i and i + 4, …): a few vector
    /// additions inlined, where `laneSum` is a call of fifteen dependent ones.
    static func pairwiseLaneSum(_ v: Vector) -> Self
    /// v where gate > 0, else 0 (a NaN gate gives 0).
    static func select(_ v: Vector, wherePositive gate: Vector) -> Vector
    /// v where mask ≠ 0, else 0.
    static func select(_ v: Vector, whereNonzero mask: Vector) -> Vector
}

extension Float: TensorScalar {
    public static func blasGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func blasTranspose(rows: Int, columns: Int, _ a: UnsafePointer<Float>, lda: Int,
                                     _ b: UnsafeMutablePointer<Float>, ldb: Int) {
        cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), 1, a, Int32(lda), b, Int32(ldb))
    }

    @inlinable
    public static func exponential(_ x: Float) -> Float { expf(x) }

    public static var precisionName: String { "float32" }
    public typealias Vector = SIMD16<Float>
    @inlinable @inline(__always) public static func add(_ a: Vector, _ b: Vector) -> Vector { a + b }
    @inlinable @inline(__always) public static func subtract(_ a: Vector, _ b: Vector) -> Vector { a - b }
    @inlinable @inline(__always) public static func multiply(_ a: Vector, _ b: Vector) -> Vector { a * b }
    @inlinable @inline(__always) public static func multiplyAdd(_ acc: Vector, _ a: Vector, _ b: Vector) -> Vector {
        acc.addingProduct(a, b)
    }
    @inlinable @inline(__always) public static func laneSum(_ v: Vector) -> Float { v.sum() }
    @inlinable @inline(__always) public static func pairwiseLaneSum(_ v: Vector) -> Float {
        let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }
    @inlinable @inline(__always) public static func select(_ v: Vector, wherePositive gate: Vector) -> Vector {
        Vector().replacing(with: v, where: gate .> Vector())
    }
    @inlinable @inline(__always) public static func select(_ v: Vector, whereNonzero mask: Vector) -> Vector {
        v.replacing(with: Vector(), where: mask .== Vector())
    }
}

extension Double: TensorScalar {
    public static func blasGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                                _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                                beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func blasTranspose(rows: Int, columns: Int, _ a: UnsafePointer<Double>, lda: Int,
                                     _ b: UnsafeMutablePointer<Double>, ldb: Int) {
        cblas_domatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), 1, a, Int32(lda), b, Int32(ldb))
    }

    @inlinable
    public static func exponential(_ x: Double) -> Double { exp(x) }

    public static var precisionName: String { "float64" }
    public typealias Vector = SIMD16<Double>
    @inlinable @inline(__always) public static func add(_ a: Vector, _ b: Vector) -> Vector { a + b }
    @inlinable @inline(__always) public static func subtract(_ a: Vector, _ b: Vector) -> Vector { a - b }
    @inlinable @inline(__always) public static func multiply(_ a: Vector, _ b: Vector) -> Vector { a * b }
    @inlinable @inline(__always) public static func multiplyAdd(_ acc: Vector, _ a: Vector, _ b: Vector) -> Vector {
        acc.addingProduct(a, b)
    }
    @inlinable @inline(__always) public static func laneSum(_ v: Vector) -> Double { v.sum() }
    @inlinable @inline(__always) public static func pairwiseLaneSum(_ v: Vector) -> Double {
        let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }
    @inlinable @inline(__always) public static func select(_ v: Vector, wherePositive gate: Vector) -> Vector {
        Vector().replacing(with: v, where: gate .> Vector())
    }
    @inlinable @inline(__always) public static func select(_ v: Vector, whereNonzero mask: Vector) -> Vector {
        v.replacing(with: Vector(), where: mask .== Vector())
    }
}

/// Shape arithmetic shared by tensors of every scalar type.
public enum TensorShape {
    /// Number of elements a shape holds.
    @inlinable
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides: how far one step along each dimension moves in the flat storage.
    public static func strides(of shape: [Int]) -> [Int] {
        var st = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { st[d] = st[d + 1] * shape[d + 1] }
        return st
    }

    /// Calls `body` with every multi-index of `shape`, in row-major order.
    public static func forEachIndex(of shape: [Int], _ body: ([Int]) -> Void) {
        let n = count(of: shape)
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<n {
            body(index)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
