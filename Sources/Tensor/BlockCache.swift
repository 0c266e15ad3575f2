import Support

/// A cache of freed large tensor blocks, reused for the next tensor of the same size.
///
/// A training step allocates the same activations and gradients every time. Without the cache each
/// large block goes back to the OS (glibc maps blocks of many MiB separately) and the next step
/// page-faults and zero-fills it again, and blocks of mixed sizes fragment the heap. Blocks are
/// matched by size rounded up to a page; at most `limitBytes` stay idle, the oldest freed first.
@usableFromInline
enum BlockCache {
    /// Blocks smaller than this go straight to malloc, whose own bins serve them well.
    static let minBytes = 1 << 16
    /// Most idle bytes kept.
    static let limitBytes = 512 << 20
    static let page = 4096

    struct Idle {
        /// Addresses as integers, so the state is Sendable.
        var blocks: [(bytes: Int, address: UInt)] = []
        var bytes = 0
    }
    private static let idle = Locked<Idle>(Idle())

    static func roundedBytes(_ bytes: Int) -> Int {
        let bytes = max(1, bytes)
        return bytes < minBytes ? bytes : (bytes + page - 1) / page * page
    }

    /// Uninitialized storage for `count` scalars, 64-byte aligned.
    @usableFromInline
    static func allocate<Scalar>(_ count: Int, of: Scalar.Type) -> UnsafeMutablePointer<Scalar> {
        let bytes = roundedBytes(count * MemoryLayout<Scalar>.stride)
        var reused: UnsafeMutableRawPointer?
        if bytes >= minBytes {
            let address: UInt? = idle.withLock { state in
                // newest first: the block freed most recently is the likeliest to be in cache
                guard let i = state.blocks.lastIndex(where: { $0.bytes == bytes }) else { return nil }
                state.bytes -= bytes
                return state.blocks.remove(at: i).address
            }
            reused = address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
        }
        let raw = reused ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        return raw.bindMemory(to: Scalar.self, capacity: max(1, count))
    }

    /// Gives back storage from `allocate(count, of:)`.
    @usableFromInline
    static func release<Scalar>(_ base: UnsafeMutablePointer<Scalar>, count: Int) {
        let raw = UnsafeMutableRawPointer(base)
        let bytes = roundedBytes(count * MemoryLayout<Scalar>.stride)
        guard bytes >= minBytes, bytes <= limitBytes else { raw.deallocate(); return }
        let evicted: [UInt] = idle.withLock { state in
            state.blocks.append((bytes, UInt(bitPattern: raw)))
            state.bytes += bytes
            var out: [UInt] = []
            var drop = 0
            while state.bytes > limitBytes {
                state.bytes -= state.blocks[drop].bytes
                out.append(state.blocks[drop].address)
                drop += 1
            }
            if drop > 0 { state.blocks.removeFirst(drop) }
            return out
        }
        for a in evicted { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
    }
}
