/// Elementwise arithmetic and reductions. Loops run on raw pointers (the pattern that
/// vectorizes) and split across cores with `Parallel`'s size-only split; reductions accumulate
/// in Double so sums are accurate and reproducible.
extension Tensor {
    /// Applies `f` to every element, producing a new tensor.
    @inlinable
    public func map(_ f: (Scalar) -> Scalar) -> Tensor {
        var out = Tensor(uninitialized: shape)
        let n = count
        withUnsafePointer { src in
            out.withUnsafeMutablePointer { dst in
                for i in 0..<n { dst[i] = f(src[i]) }
            }
        }
        return out
    }

    /// Combines two tensors of the same shape elementwise.
    @inlinable
    public func zipMap(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        var out = Tensor(uninitialized: shape)
        let n = count
        withUnsafePointer { a in
            other.withUnsafePointer { b in
                out.withUnsafeMutablePointer { dst in
                    for i in 0..<n { dst[i] = f(a[i], b[i]) }
                }
            }
        }
        return out
    }

    @inlinable
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, +) }
    @inlinable
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, -) }
    /// Elementwise (Hadamard) product.
    @inlinable
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.zipMap(b, *) }
    @inlinable
    public static func * (a: Tensor, s: Scalar) -> Tensor { a.map { $0 * s } }

    /// self += alpha · other, in place.
    @inlinable
    public mutating func add(_ other: Tensor, scaledBy alpha: Scalar = 1) {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        let n = count
        other.withUnsafePointer { b in
            withUnsafeMutablePointer { a in
                nonisolated(unsafe) let (pa, pb) = (a, b)
                Parallel.forRanges(n, grain: Parallel.grain) { r in
                    for i in r { pa[i] += alpha * pb[i] }
                }
            }
        }
    }

    /// Sets every element to zero, keeping the shape.
    @inlinable
    public mutating func zero() {
        let n = count
        withUnsafeMutablePointer { $0.update(repeating: 0, count: n) }
    }

    /// Sum of the elements, accumulated in Double.
    @inlinable
    public func sum() -> Double {
        let n = count
        return withUnsafePointer { p in
            nonisolated(unsafe) let b = p
            return Parallel.sum(n, grain: Parallel.grain) { r in
                var s = 0.0
                for i in r { s += Double(b[i]) }
                return s
            }
        }
    }

    /// Euclidean norm, accumulated in Double.
    @inlinable
    public func norm() -> Double {
        let n = count
        return withUnsafePointer { p in
            nonisolated(unsafe) let b = p
            return Parallel.sum(n, grain: Parallel.grain) { r in
                var s = 0.0
                for i in r { let v = Double(b[i]); s += v * v }
                return s
            }.squareRoot()
        }
    }

    /// Largest absolute element (0 for an empty tensor).
    @inlinable
    public func maxAbs() -> Scalar {
        withUnsafeBufferPointer { $0.reduce(0) { max($0, abs($1)) } }
    }

    /// ‖self − reference‖₂ / ‖reference‖₂ in Double (0 when both are zero).
    @inlinable
    public func relativeError(to reference: Tensor) -> Double {
        precondition(shape == reference.shape, "shape mismatch \(shape) vs \(reference.shape)")
        var diff = 0.0, ref = 0.0
        withUnsafeBufferPointer { a in
            reference.withUnsafeBufferPointer { b in
                for i in 0..<a.count {
                    let d = Double(a[i]) - Double(b[i])
                    diff += d * d
                    ref += Double(b[i]) * Double(b[i])
                }
            }
        }
        if ref == 0 { return diff == 0 ? 0 : .infinity }
        return (diff / ref).squareRoot()
    }
}

extension Tensor {
    /// The tensor read as a `[rows, count / rows]` matrix, transposed: `[count / rows, rows]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposedMatrix(rows: Int) -> Tensor {
        precondition(rows > 0 && count % rows == 0, "a \(shape) tensor cannot be read as \(rows) rows")
        let cols = count / rows
        var out = Tensor(uninitialized: [cols, rows])
        withUnsafePointer { src in
            out.withUnsafeMutablePointer { dst in
                Tensor.transpose(src, rows: rows, columns: cols, into: dst)
            }
        }
        return out
    }

    /// dst[c, r] = src[r, c] for a `[rows, columns]` source: OpenBLAS's omatcopy on bands of rows,
    /// the bands on the cores (each writes its own columns of dst).
    static func transpose(_ src: UnsafePointer<Scalar>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Scalar>) {
        nonisolated(unsafe) let (s, d) = (src, dst)
        let bands = Parallel.chunkCount(rows * columns, grain: Parallel.grain * 4)
        Parallel.forEach(bands) { band in
            let r = Parallel.range(band, of: bands, count: rows)
            guard !r.isEmpty else { return }
            Scalar.blasTranspose(rows: r.count, columns: columns, s + r.lowerBound * columns, lda: columns,
                                 d + r.lowerBound, ldb: rows)
        }
    }
}
