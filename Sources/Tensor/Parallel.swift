import Dispatch

/// Data-parallel loops whose split depends only on the problem size, never on the number
/// of cores or on thread timing, so that reductions give the same bits on every machine.
public enum Parallel {
    /// Elements per chunk below which elementwise loops stay on one thread.
    public static let grain = 1 << 16

    /// Largest number of chunks a loop is split into.
    public static let maxChunks = 8

    /// Splits `0..<count` into at most `maxChunks` contiguous ranges of at least `grain`
    /// elements and runs `body` on each, concurrently when there is more than one.
    /// Ranges are disjoint: bodies may write to disjoint parts of shared buffers.
    @inlinable
    public static func forRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let chunks = chunkCount(count, grain: grain)
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                run(range(c, of: chunks, count: count))
            }
        }
    }

    /// Runs `body(0)`, …, `body(count − 1)` concurrently (each index exactly once). Callers choose
    /// `count` from the problem size, so the work each index does never depends on the machine.
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: count) { run($0) }
        }
    }

    /// Number of chunks `forRanges` uses for a loop of `count` with the given grain.
    @inlinable
    public static func chunkCount(_ count: Int, grain: Int) -> Int {
        max(1, min(maxChunks, count / max(1, grain)))
    }

    /// The `c`-th of `chunks` near-equal contiguous ranges covering `0..<count`.
    @inlinable
    public static func range(_ c: Int, of chunks: Int, count: Int) -> Range<Int> {
        (count * c / chunks)..<(count * (c + 1) / chunks)
    }

    /// Sums `partial(range)` over the same deterministic split, adding partials in chunk order.
    @inlinable
    public static func sum(_ count: Int, grain: Int, _ partial: (Range<Int>) -> Double) -> Double {
        let chunks = chunkCount(count, grain: grain)
        if chunks <= 1 { return count > 0 ? partial(0..<count) : 0 }
        var parts = [Double](repeating: 0, count: chunks)
        parts.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let o = out
            withoutActuallyEscaping(partial) { partial in
                nonisolated(unsafe) let run = partial
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    o[c] = run(range(c, of: chunks, count: count))
                }
            }
        }
        return parts.reduce(0, +)
    }
}
