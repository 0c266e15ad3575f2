/// Heap storage of a tensor: 64-byte aligned, never nil, released with its last reference
/// (large blocks to `BlockCache`, for the next tensor of the same size).
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @usableFromInline
    init(uninitializedCount count: Int) {
        self.count = count
        base = BlockCache.allocate(count)
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.base.update(from: base, count: count)
        return s
    }

    deinit { BlockCache.release(base, count: count) }
}

/// An n-dimensional array of Float32 in row-major (C) order, with value semantics.
///
/// Storage is shared between copies until one side writes (copy-on-write). Activations are
/// NCHW, convolution weights OIHW and linear weights `[out, in]`, the layouts PyTorch uses,
/// so weights move between the two unchanged.
public struct Tensor: @unchecked Sendable {
    /// Extent of each dimension; empty for a scalar.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// A tensor whose elements are not initialized: the caller must write every element before reading.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        storage = TensorStorage(uninitializedCount: Tensor.count(of: shape))
    }

    /// A tensor with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitialized: shape)
        storage.base.initialize(repeating: value, count: storage.count)
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A tensor with the given shape and elements. The element count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(Tensor.count(of: shape) == scalars.count,
                     "shape \(shape) holds \(Tensor.count(of: shape)) elements, got \(scalars.count)")
        self.init(uninitialized: shape)
        let base = storage.base
        scalars.withUnsafeBufferPointer { src in
            for i in 0..<src.count { base[i] = src[i] }
        }
    }

    /// A one-element tensor of shape `[1]`.
    public init(scalar: Float) {
        self.init(shape: [1], scalars: [scalar])
    }

    /// Number of elements a shape holds.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The elements as an array (a copy).
    public var scalars: [Float] {
        get { Array(UnsafeBufferPointer(start: storage.base, count: storage.count)) }
        set {
            precondition(newValue.count == count, "expected \(count) elements, got \(newValue.count)")
            self = Tensor(shape: shape, scalars: newValue)
        }
    }

    /// The same elements viewed with another shape of equal element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var t = self
        t.reshape(newShape)
        return t
    }

    /// Changes the shape in place; the element count must stay the same.
    public mutating func reshape(_ newShape: [Int]) {
        precondition(Tensor.count(of: newShape) == count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// Element at a row-major flat index.
    @inlinable
    public subscript(flat i: Int) -> Float {
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
    public subscript(index: [Int]) -> Float {
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
    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.base)) }
    }

    /// Calls `body` with a mutable pointer to the elements, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(storage.base) }
    }

    /// The elements as a buffer (valid only inside `body`).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: storage.count)) }
    }

    /// The elements as a mutable buffer, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
        }
    }
}

extension Tensor: Equatable {
    /// Same shape and bitwise-equal-as-Float elements (so NaN ≠ NaN, −0 == +0).
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
