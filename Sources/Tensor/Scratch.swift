import Synchronization

/// A reusable block of temporary Float storage, 64-byte aligned, from `Scratch`.
public final class ScratchBuffer: @unchecked Sendable {
    /// First element; `capacity` elements are valid, their contents undefined when taken.
    public let base: UnsafeMutablePointer<Float>
    public let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, capacity) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(1, capacity))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

/// A process-wide pool of temporary buffers (column matrices, per-thread partial gradients), so
/// kernels allocate nothing per training step once the largest layer has run. Thread-safe:
/// concurrent callers each get their own buffers. Idle memory is bounded by `maxIdle` buffers.
public enum Scratch {
    private static let idle = Mutex<[ScratchBuffer]>([])
    /// Most buffers kept while nobody uses them.
    public static let maxIdle = 24

    /// A buffer of at least `count` elements: the smallest idle one that fits, else a new one.
    public static func take(_ count: Int) -> ScratchBuffer {
        let found: ScratchBuffer? = idle.withLock { pool in
            var best = -1
            for (i, b) in pool.enumerated() where b.capacity >= count {
                if best < 0 || b.capacity < pool[best].capacity { best = i }
            }
            return best >= 0 ? pool.remove(at: best) : nil
        }
        return found ?? ScratchBuffer(capacity: count)
    }

    /// Returns a buffer to the pool. Beyond `maxIdle` buffers the smallest is freed, so in steady
    /// state the pool holds buffers of the largest layer's sizes and every request fits.
    public static func give(_ buffer: ScratchBuffer) {
        let dropped: ScratchBuffer? = idle.withLock { pool in
            pool.append(buffer)
            guard pool.count > maxIdle,
                  let smallest = pool.indices.min(by: { pool[$0].capacity < pool[$1].capacity }) else { return nil }
            return pool.remove(at: smallest)
        }
        _ = dropped  // freed here, outside the lock
    }

    /// Calls `body` with one buffer per requested size (each at least that many elements).
    @inlinable
    public static func with<R>(_ counts: [Int], _ body: ([UnsafeMutablePointer<Float>]) throws -> R) rethrows -> R {
        let buffers = counts.map { take($0) }
        defer { for b in buffers { give(b) } }
        return try body(buffers.map(\.base))
    }
}
