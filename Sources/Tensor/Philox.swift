import Glibc

/// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
/// a counter-based generator: the output for a given key and counter is fixed, so every
/// purpose gets its own stream by counter prefix and a seed fixes everything on every machine.
///
/// Key: the 64-bit seed. Counter: 64-bit block index (low words) and 64-bit stream id (high words).
public struct Philox: RandomNumberGenerator, Sendable {
    private let key: (UInt32, UInt32)
    private var block: UInt64 = 0
    private let stream: UInt64
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4
    private var spareNormal: Double?

    /// A generator for `seed`, on the stream numbered `stream`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        self.stream = stream
    }

    /// The four words of block `counter` under `key` (exposed for known-answer tests).
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32),
                             key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) * UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) * UInt64(c.2)
            let hi0 = UInt32(p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            c = (hi1 ^ c.1 ^ k.0, lo1, hi0 ^ c.3 ^ k.1, lo0)
        }
        return c
    }

    /// The next 32 random bits.
    public mutating func next32() -> UInt32 {
        if used == 4 {
            buffer = Philox.block(
                counter: (UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32),
                          UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
                key: key)
            block &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    public mutating func next() -> UInt64 {
        UInt64(next32()) << 32 | UInt64(next32())
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniformFloat() -> Float {
        Float(next32() >> 8) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal by the Box–Muller transform in Double (pairs: the second draw is kept for the next call).
    public mutating func normal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        let u1 = 1 - uniformDouble()          // (0, 1]: log stays finite
        let u2 = uniformDouble()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * sin(theta)
        return r * cos(theta)
    }

    /// A uniformly random integer in `0..<n` without modulo bias (Lemire's method).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int.random(in: 0..<n, using: &self)
    }

    /// Fisher–Yates shuffle of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                p.swapAt(i, below(i + 1))
            }
        }
        return p
    }
}

/// What a stream of random numbers is for. Each purpose draws from its own Philox stream
/// of the session seed, so (for example) changing the data order never changes the init.
public enum RandomPurpose: UInt64, Sendable, CaseIterable {
    case initialization = 1
    case dataOrder = 2
    case augmentation = 3
    case pruning = 4
    case user = 5
    case dropout = 6

    /// A generator for this purpose under `seed`; `index` separates repeated uses
    /// (an epoch, a layer, a run) within the purpose.
    public func generator(seed: UInt64, index: UInt32 = 0) -> Philox {
        Philox(seed: seed, stream: rawValue << 32 | UInt64(index))
    }
}
