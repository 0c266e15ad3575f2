import Support

/// A reusable block of temporary storage, 64-byte aligned, from `Scratch`: raw bytes that a
/// kernel views as the scalars it computes in.
public final class ScratchBuffer: @unchecked Sendable {
    /// First byte; `byteCount` bytes are valid, their contents undefined when taken.
    public let raw: UnsafeMutableRawPointer
    public let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, byteCount), alignment: 64)
    }

    /// The buffer as `byteCount / stride` scalars of one type.
    @inlinable
    public func base<Scalar>(as: Scalar.Type = Scalar.self) -> UnsafeMutablePointer<Scalar> {
        raw.bindMemory(to: Scalar.self, capacity: max(1, byteCount / MemoryLayout<Scalar>.stride))
    }

    deinit { raw.deallocate() }
}

/// A process-wide pool of temporary buffers (column matrices, per-thread partial gradients), so
/// kernels allocate nothing per training step once the largest layer has run. Thread-safe:
/// concurrent callers each get their own buffers. Idle memory is bounded by `maxIdle` buffers.
public enum Scratch {
    private static let idle = Locked<[ScratchBuffer]>([])
    /// Most buffers kept while nobody uses them.
    public static let maxIdle = 24

    /// A buffer of at least `count` scalars of a type: the smallest idle one that fits, else a new one.
    public static func take<Scalar>(_ count: Int, of: Scalar.Type) -> ScratchBuffer {
        let bytes = count * MemoryLayout<Scalar>.stride
        let found: ScratchBuffer? = idle.withLock { pool in
            var best = -1
            for (i, b) in pool.enumerated() where b.byteCount >= bytes {
                if best < 0 || b.byteCount < pool[best].byteCount { best = i }
            }
            return best >= 0 ? pool.remove(at: best) : nil
        }
        return found ?? ScratchBuffer(byteCount: bytes)
    }

    /// Returns a buffer to the pool. Beyond `maxIdle` buffers the smallest is freed, so in steady
    /// state the pool holds buffers of the largest layer's sizes and every request fits.
    public static func give(_ buffer: ScratchBuffer) {
        let dropped: ScratchBuffer? = idle.withLock { pool in
            pool.append(buffer)
            guard pool.count > maxIdle,
                  let smallest = pool.indices.min(by: { pool[$0].byteCount < pool[$1].byteCount }) else { return nil }
            return pool.remove(at: smallest)
        }
        _ = dropped  // freed here, outside the lock
    }

    /// Calls `body` with one buffer per requested size (each at least that many scalars).
    @inlinable
    public static func with<Scalar, R>(_ counts: [Int], of: Scalar.Type,
                                       _ body: ([UnsafeMutablePointer<Scalar>]) throws -> R) rethrows -> R {
        let buffers = counts.map { take($0, of: Scalar.self) }
        defer { for b in buffers { give(b) } }
        return try body(buffers.map { $0.base(as: Scalar.self) })
    }
}
