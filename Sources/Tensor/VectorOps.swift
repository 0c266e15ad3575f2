/// Small vectorised loops over raw Float runs, shared by the layers' kernels.
///
/// Sums use 16 independent partial sums (four SIMD registers even at the baseline SSE2 target), so
/// the loop is not bound by the latency of one chain of additions; the order of additions depends
/// only on `count`, so results are reproducible.
public enum VectorOps {
    /// Σ p[i] for i in 0..<count, in Float.
    @inlinable
    public static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < count { s += p[i]; i += 1 }
        return s
    }

    /// (Σ p[i], Σ (p[i] − center)²) for i in 0..<count, in Float.
    @inlinable
    public static func sumAndSquares(_ p: UnsafePointer<Float>, count: Int, center: Float) -> (Float, Float) {
        var acc = SIMD16<Float>(), sq = SIMD16<Float>()
        let c = SIMD16<Float>(repeating: center)
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            let d = v - c
            acc += v
            sq += d * d
            i += 16
        }
        var (s, q) = (acc.sum(), sq.sum())
        while i < count { let d = p[i] - center; s += p[i]; q += d * d; i += 1 }
        return (s, q)
    }

    /// (Σ dy[i], Σ dy[i]·(x[i] − center)) for i in 0..<count, in Float.
    @inlinable
    public static func sumAndDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                                 center: Float) -> (Float, Float) {
        var acc = SIMD16<Float>(), dot = SIMD16<Float>()
        let c = SIMD16<Float>(repeating: center)
        var i = 0
        while i + 16 <= count {
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            acc += g
            dot += g * (v - c)
            i += 16
        }
        var (s, d) = (acc.sum(), dot.sum())
        while i < count { s += dy[i]; d += dy[i] * (x[i] - center); i += 1 }
        return (s, d)
    }

    /// dst[i] = src[i] > 0 ? src[i] : 0 (so NaN and −0 give 0).
    @inlinable
    public static func relu(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: zero.replacing(with: v, where: v .> zero), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { dst[i] = src[i] > 0 ? src[i] : 0; i += 1 }
    }

    /// dst[i] = gate[i] > 0 ? src[i] : 0: ReLU's backward through its output `gate`.
    @inlinable
    public static func passWherePositive(_ gate: UnsafePointer<Float>, _ src: UnsafePointer<Float>,
                                         _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD16<Float>.self)
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: zero.replacing(with: v, where: g .> zero), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { dst[i] = gate[i] > 0 ? src[i] : 0; i += 1 }
    }

    /// values[i] = 0 wherever mask[i] == 0 (a select, so NaN values under a zero mask become 0 too).
    @inlinable
    public static func zeroWhereMaskIsZero(_ mask: UnsafePointer<Float>, _ values: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let m = UnsafeRawPointer(mask + i).loadUnaligned(as: SIMD16<Float>.self)
            let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(values + i).storeBytes(of: v.replacing(with: zero, where: m .== zero), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { if mask[i] == 0 { values[i] = 0 }; i += 1 }
    }
}
