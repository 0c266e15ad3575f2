/// Small vectorised loops over raw runs of scalars, shared by the layers' kernels, written once
/// over the per-type SIMD operations of `TensorScalar`.
///
/// Sums use 16 independent partial sums (four SIMD registers even at the baseline SSE2 target), so
/// the loop is not bound by the latency of one chain of additions; the order of additions depends
/// only on `count`, so results are reproducible.
public enum VectorOps {
    @inlinable
    static func load<Scalar: TensorScalar>(_ p: UnsafePointer<Scalar>) -> Scalar.Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Scalar.Vector.self)
    }

    @inlinable
    static func store<Scalar: TensorScalar>(_ v: Scalar.Vector, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Scalar.Vector.self)
    }

    /// Σ p[i] for i in 0..<count, in the scalar type.
    @inlinable
    public static func sum<Scalar: TensorScalar>(_ p: UnsafePointer<Scalar>, count: Int) -> Scalar {
        let w = Scalar.Vector.scalarCount
        var acc = Scalar.Vector()
        var i = 0
        while i + w <= count {
            acc = Scalar.add(acc, load(p + i))
            i += w
        }
        var s = Scalar.laneSum(acc)
        while i < count { s += p[i]; i += 1 }
        return s
    }

    /// (Σ p[i], Σ (p[i] − center)²) for i in 0..<count, in the scalar type.
    @inlinable
    public static func sumAndSquares<Scalar: TensorScalar>(_ p: UnsafePointer<Scalar>, count: Int, center: Scalar) -> (Scalar, Scalar) {
        let w = Scalar.Vector.scalarCount
        var acc = Scalar.Vector(), sq = Scalar.Vector()
        let c = Scalar.Vector(repeating: center)
        var i = 0
        while i + w <= count {
            let v = load(p + i)
            let d = Scalar.subtract(v, c)
            acc = Scalar.add(acc, v)
            sq = Scalar.add(sq, Scalar.multiply(d, d))
            i += w
        }
        var (s, q) = (Scalar.laneSum(acc), Scalar.laneSum(sq))
        while i < count { let d = p[i] - center; s += p[i]; q += d * d; i += 1 }
        return (s, q)
    }

    /// (Σ dy[i], Σ dy[i]·(x[i] − center)) for i in 0..<count, in the scalar type.
    @inlinable
    public static func sumAndDot<Scalar: TensorScalar>(_ dy: UnsafePointer<Scalar>, _ x: UnsafePointer<Scalar>, count: Int,
                                                       center: Scalar) -> (Scalar, Scalar) {
        let w = Scalar.Vector.scalarCount
        var acc = Scalar.Vector(), dot = Scalar.Vector()
        let c = Scalar.Vector(repeating: center)
        var i = 0
        while i + w <= count {
            let g = load(dy + i)
            let v = load(x + i)
            acc = Scalar.add(acc, g)
            dot = Scalar.add(dot, Scalar.multiply(g, Scalar.subtract(v, c)))
            i += w
        }
        var (s, d) = (Scalar.laneSum(acc), Scalar.laneSum(dot))
        while i < count { s += dy[i]; d += dy[i] * (x[i] - center); i += 1 }
        return (s, d)
    }

    /// dst[i] = src[i] > 0 ? src[i] : 0 (so NaN and −0 give 0).
    @inlinable
    public static func relu<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, _ dst: UnsafeMutablePointer<Scalar>, count: Int) {
        let w = Scalar.Vector.scalarCount
        var i = 0
        while i + w <= count {
            let v = load(src + i)
            store(Scalar.select(v, wherePositive: v), dst + i)
            i += w
        }
        while i < count { dst[i] = src[i] > 0 ? src[i] : 0; i += 1 }
    }

    /// dst[i] = gate[i] > 0 ? src[i] : 0: ReLU's backward through its output `gate`.
    @inlinable
    public static func passWherePositive<Scalar: TensorScalar>(_ gate: UnsafePointer<Scalar>, _ src: UnsafePointer<Scalar>,
                                                               _ dst: UnsafeMutablePointer<Scalar>, count: Int) {
        let w = Scalar.Vector.scalarCount
        var i = 0
        while i + w <= count {
            store(Scalar.select(load(src + i), wherePositive: load(gate + i)), dst + i)
            i += w
        }
        while i < count { dst[i] = gate[i] > 0 ? src[i] : 0; i += 1 }
    }

    /// values[i] = 0 wherever mask[i] == 0 (a select, so NaN values under a zero mask become 0 too).
    @inlinable
    public static func zeroWhereMaskIsZero<Scalar: TensorScalar>(_ mask: UnsafePointer<Scalar>, _ values: UnsafeMutablePointer<Scalar>,
                                                                 count: Int) {
        let w = Scalar.Vector.scalarCount
        var i = 0
        while i + w <= count {
            store(Scalar.select(load(values + i), whereNonzero: load(mask + i)), values + i)
            i += w
        }
        while i < count { if mask[i] == 0 { values[i] = 0 }; i += 1 }
    }

    /// y[i] += a · x[i] for i in 0..<count (each element on its own: no order to fix).
    @inlinable
    public static func axpy<Scalar: TensorScalar>(_ a: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>,
                                                  count: Int) {
        let w = Scalar.Vector.scalarCount
        let av = Scalar.Vector(repeating: a)
        var i = 0
        while i + w <= count {
            store(Scalar.add(load(y + i), Scalar.multiply(av, load(x + i))), y + i)
            i += w
        }
        while i < count { y[i] += a * x[i]; i += 1 }
    }

    /// Σ x[i]·y[i] for i in 0..<count, in the scalar type (lane sums, then the tail, in order).
    @inlinable
    public static func dot<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>, count: Int) -> Scalar {
        let w = Scalar.Vector.scalarCount
        var acc = Scalar.Vector()
        var i = 0
        while i + w <= count {
            acc = Scalar.add(acc, Scalar.multiply(load(x + i), load(y + i)))
            i += w
        }
        var s = Scalar.laneSum(acc)
        while i < count { s += x[i] * y[i]; i += 1 }
        return s
    }
}
