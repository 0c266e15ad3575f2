/// Heap storage of a tensor: 64-byte aligned, never nil, released with its last reference
/// (large blocks to `BlockCache`, for the next tensor of the same size).
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let count: Int

    @usableFromInline
    init(uninitializedCount count: Int) {
        self.count = count
        base = BlockCache.allocate(count, of: Scalar.self)
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.base.update(from: base, count: count)
        return s
    }

    deinit { BlockCache.release(base, count: count) }
}

/// An n-dimensional array of `Float` or `Double` in row-major (C) order, with value semantics.
///
/// Storage is shared between copies until one side writes (copy-on-write). Activations are
/// NCHW, convolution weights OIHW and linear weights `[out, in]`, the layouts PyTorch uses,
/// so weights move between the two unchanged.
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    /// Extent of each dimension; empty for a scalar.
    @inlinable
    public var shape: [Int] { storedShape }
    @usableFromInline var storedShape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>

    /// A tensor whose elements are not initialized: the caller must write every element before reading.
    @inlinable
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        storedShape = shape
        storage = TensorStorage(uninitializedCount: TensorShape.count(of: shape))
    }

    /// A tensor with every element equal to `value`.
    @inlinable
    public init(repeating value: Scalar, shape: [Int]) {
        self.init(uninitialized: shape)
        storage.base.initialize(repeating: value, count: storage.count)
    }

    /// A tensor of zeros.
    @inlinable
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// The same values in another precision (exact when widening, rounded to nearest when narrowing).
    @inlinable
    public init<Other: TensorScalar>(converting other: Tensor<Other>) {
        self.init(uninitialized: other.shape)
        let n = count
        let dst = storage.base
        other.withUnsafePointer { src in
            for i in 0..<n { dst[i] = Scalar(src[i]) }
        }
    }

    /// This tensor in another precision: itself (shared storage) when the types agree, else converted.
    @inlinable
    public func converted<Other: TensorScalar>(to: Other.Type) -> Tensor<Other> {
        if let same = self as? Tensor<Other> { return same }
        return Tensor<Other>(converting: self)
    }

    /// A tensor with the given shape and elements. The element count must match the shape.
    @inlinable
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(TensorShape.count(of: shape) == scalars.count,
                     "shape \(shape) holds \(TensorShape.count(of: shape)) elements, got \(scalars.count)")
        self.init(uninitialized: shape)
        let base = storage.base
        scalars.withUnsafeBufferPointer { src in
            for i in 0..<src.count { base[i] = src[i] }
        }
    }

    /// A one-element tensor of shape `[1]`.
    @inlinable
    public init(scalar: Scalar) {
        self.init(shape: [1], scalars: [scalar])
    }

    /// Number of elements a shape holds.
    @inlinable
    public static func count(of shape: [Int]) -> Int { TensorShape.count(of: shape) }

    @inlinable
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The elements as an array (a copy).
    @inlinable
    public var scalars: [Scalar] {
        get { Array(UnsafeBufferPointer(start: storage.base, count: storage.count)) }
        set {
            precondition(newValue.count == count, "expected \(count) elements, got \(newValue.count)")
            self = Tensor(shape: shape, scalars: newValue)
        }
    }

    /// The same elements viewed with another shape of equal element count (no copy).
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var t = self
        t.reshape(newShape)
        return t
    }

    /// Changes the shape in place; the element count must stay the same.
    @inlinable
    public mutating func reshape(_ newShape: [Int]) {
        precondition(TensorShape.count(of: newShape) == count, "cannot reshape \(shape) to \(newShape)")
        storedShape = newShape
    }

    /// Element at a row-major flat index.
    @inlinable
    public subscript(flat i: Int) -> Scalar {
        get {
            precondition(i >= 0 && i < storage.count, "index \(i) out of range 0..<\(storage.count)")
            return storage.base[i]
        }
        set {
            precondition(i >= 0 && i < storage.count, "index \(i) out of range 0..<\(storage.count)")
            makeUnique()
            storage.base[i] = newValue
        }
    }

    /// Element at a multi-dimensional index.
    public subscript(index: [Int]) -> Scalar {
        get { self[flat: offset(of: index)] }
        set { self[flat: offset(of: index)] = newValue }
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var o = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shape)")
            o = o * n + i
        }
        return o
    }

    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Calls `body` with a pointer to the `count` elements (valid only inside `body`).
    @inlinable
    public func withUnsafePointer<R>(_ body: (UnsafePointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.base)) }
    }

    /// Calls `body` with a mutable pointer to the elements, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Scalar>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(storage.base) }
    }

    /// The elements as a buffer (valid only inside `body`).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: storage.count)) }
    }

    /// The elements as a mutable buffer, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
        }
    }
}

extension Tensor: Equatable {
    /// Same shape and equal elements (so NaN ≠ NaN, −0 == +0).
    @inlinable
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        if a.storage === b.storage { return true }
        for i in 0..<a.count where a.storage.base[i] != b.storage.base[i] { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = (0..<min(count, 8)).map { "\(storage.base[$0])" }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
