/// Small vectorised loops over raw runs of scalars, shared by the layers' kernels, written once
/// over the per-type SIMD operations of `TensorScalar`.
///
/// Sums use 16 independent partial sums (four SIMD registers even at the baseline SSE2 target), so
/// the loop is not bound by the latency of one chain of additions; the order of additions depends
/// only on `count`, so results are reproducible.
public enum VectorOps {
    @inlinable
    @inline(__always) static func load<Scalar: TensorScalar>(_ p: UnsafePointer<Scalar>) -> Scalar.Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Scalar.Vector.self)
    }

    @inlinable
    @inline(__always) static func store<Scalar: TensorScalar>(_ v: Scalar.Vector, _ p: UnsafeMutablePointer<Scalar>) {
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

    /// dst[i] = src[i] for i in 0..<count, inline: for the short rows (8 to 64 scalars) that the
    /// padded layouts copy by the thousand, where a `memmove` call per row costs more than the copy.
    @inlinable
    public static func copy<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, _ dst: UnsafeMutablePointer<Scalar>, count: Int) {
        let w = Scalar.Vector.scalarCount
        var i = 0
        while i + w <= count {
            store(load(src + i), dst + i)
            i += w
        }
        while i < count { dst[i] = src[i]; i += 1 }
    }

    /// y[i] = max(y[i] + x[i], 0) (as `relu` of the sum: NaN and −0 give 0): a residual
    /// addition and the ReLU after it in one pass.
    @inlinable
    public static func addThenRelu<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        let w = Scalar.Vector.scalarCount
        var i = 0
        while i + w <= count {
            let v = Scalar.add(load(y + i), load(x + i))
            store(Scalar.select(v, wherePositive: v), y + i)
            i += w
        }
        while i < count { let v = y[i] + x[i]; y[i] = v > 0 ? v : 0; i += 1 }
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

    /// out[t] = start + Σ_k a_k · x_k[t] for t in 0..<count, where `term(k)` gives (a_k, x_k) and
    /// `start` is out[t] itself when `accumulate`, else `initial`. The terms are added in k order, so
    /// the result has the same bits as `terms` calls of `axpy` in that order; but each tile of the
    /// output stays in registers while every term is added, so the loop reads each x_k once and
    /// writes the output once instead of reading and writing it per term.
    @inlinable @inline(__always)
    public static func linearCombination<Scalar: TensorScalar>(
        terms: Int, count: Int, into out: UnsafeMutablePointer<Scalar>, accumulate: Bool, initial: Scalar = 0,
        _ term: (Int) -> (Scalar, UnsafePointer<Scalar>)
    ) {
        let w = Scalar.Vector.scalarCount
        let first = Scalar.Vector(repeating: initial)
        var t = 0
        while t + 4 * w <= count {
            var a0 = accumulate ? load(out + t) : first, a1 = accumulate ? load(out + t + w) : first
            var a2 = accumulate ? load(out + t + 2 * w) : first, a3 = accumulate ? load(out + t + 3 * w) : first
            for k in 0..<terms {
                let (a, x) = term(k)
                let av = Scalar.Vector(repeating: a), p = x + t
                a0 = Scalar.add(a0, Scalar.multiply(av, load(p)))
                a1 = Scalar.add(a1, Scalar.multiply(av, load(p + w)))
                a2 = Scalar.add(a2, Scalar.multiply(av, load(p + 2 * w)))
                a3 = Scalar.add(a3, Scalar.multiply(av, load(p + 3 * w)))
            }
            store(a0, out + t); store(a1, out + t + w); store(a2, out + t + 2 * w); store(a3, out + t + 3 * w)
            t += 4 * w
        }
        while t + w <= count {
            var a0 = accumulate ? load(out + t) : first
            for k in 0..<terms {
                let (a, x) = term(k)
                a0 = Scalar.add(a0, Scalar.multiply(Scalar.Vector(repeating: a), load(x + t)))
            }
            store(a0, out + t)
            t += w
        }
        while t < count {
            var s = accumulate ? out[t] : initial
            for k in 0..<terms {
                let (a, x) = term(k)
                s += a * x[t]
            }
            out[t] = s
            t += 1
        }
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
