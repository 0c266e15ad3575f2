/// How ties at the threshold are broken when keeping the top k scores.
public enum TieRule: String, Sendable, CaseIterable {
    /// Exactly k: among equal scores, weights the previous mask kept come first, then lower global
    /// index (prunable order, row-major). −0 equals +0. Iterative methods never revive a weight on a tie.
    case exact
    /// Every score ≥ the k-th largest (the FORCE reference code's rule; may keep more than k).
    case all
}

/// Ranking all scores together, or each tensor on its own.
public enum PruningScope: String, Sendable, CaseIterable {
    case global
    case layerwise
}

/// Top-k selection of scores into a mask.
public enum Selection {
    /// Keeps the k largest of `scores` (NaN ranks lowest).
    public static func keepTop(_ scores: ScoreSet, k: Int, previous: Mask? = nil, ties: TieRule = .exact,
                               scope: PruningScope = .global) -> Mask {
        let template = scores.maskTemplate()
        switch scope {
        case .global:
            // scores are ranked in the precision they were computed in: Double scores decide
            // near-ties below float32's resolution as float64 does
            let bits: [UInt8]
            switch scores.values {
            case .single(let t): bits = keepTop(flat: t.flatMap(\.scalars), k: k, previous: previous?.flat, ties: ties)
            case .double(let t): bits = keepTop(flat: t.flatMap(\.scalars), k: k, previous: previous?.flat, ties: ties)
            }
            return template.with(flat: bits)
        case .layerwise:
            // each tensor keeps floor(n · k / N), so the densities match layer by layer
            let total = Double(scores.total)
            var out = template
            for i in out.entries.indices {
                let n = out.entries[i].count
                let kl = Int((Double(n) * Double(k) / max(1, total)).rounded(.down))
                let bits = previous?.entries[i].bits
                switch scores.values {
                case .single(let t): out.entries[i].bits = keepTop(flat: t[i].scalars, k: kl, previous: bits, ties: ties)
                case .double(let t): out.entries[i].bits = keepTop(flat: t[i].scalars, k: kl, previous: bits, ties: ties)
                }
            }
            return out
        }
    }

    /// Keeps the k largest of the scores of the tensors named in `among` (nil: all); the other
    /// tensors are kept whole. k counts weights of the ranked tensors only.
    public static func keepTop(_ scores: ScoreSet, k: Int, previous: Mask? = nil, ties: TieRule = .exact,
                               scope: PruningScope = .global, among names: Set<String>?) -> Mask {
        guard let names else { return keepTop(scores, k: k, previous: previous, ties: ties, scope: scope) }
        let ranked = scores.names.indices.filter { names.contains(scores.names[$0]) }
        let kept = keepTop(scores.subset(ranked), k: k, previous: previous.map { p in Mask(entries: ranked.map { p.entries[$0] }) },
                           ties: ties, scope: scope)
        var out = scores.maskTemplate()
        for i in out.entries.indices { out.entries[i].bits = [UInt8](repeating: 1, count: out.entries[i].count) }
        for (j, i) in ranked.enumerated() { out.entries[i] = kept.entries[j] }
        return out
    }

    /// Weights in the tensors named in `among` (nil: all).
    public static func rankedCount(_ mask: Mask, among names: Set<String>?) -> Int {
        guard let names else { return mask.total }
        return mask.entries.filter { names.contains($0.name) }.reduce(0) { $0 + $1.count }
    }

    /// The selection on flat arrays of Float or Double scores. O(N) on average: the k-th largest
    /// value by quickselect, then strict winners, then ties in rule order.
    public static func keepTop<Score: BinaryFloatingPoint>(flat scores: [Score], k: Int, previous: [UInt8]? = nil,
                                                           ties: TieRule = .exact) -> [UInt8] {
        let n = scores.count
        var keep = [UInt8](repeating: 0, count: n)
        guard k > 0 else { return keep }
        guard k < n else { return [UInt8](repeating: 1, count: n) }
        // NaN ranks below everything; −0 + 0 = +0 folds the zeros together
        @inline(__always) func key(_ v: Score) -> Score { v.isNaN ? -Score.infinity : v + 0 }
        var work = scores.map(key)   // the one scratch copy quickselect reorders
        let tau = kthLargest(&work, k)
        work = []
        var count = 0
        for i in 0..<n where key(scores[i]) > tau {
            keep[i] = 1
            count += 1
        }
        if ties == .all {
            for i in 0..<n where key(scores[i]) == tau { keep[i] = 1 }
            return keep
        }
        if let prev = previous {
            for i in 0..<n where count < k && key(scores[i]) == tau && prev[i] != 0 {
                keep[i] = 1
                count += 1
            }
        }
        for i in 0..<n where count < k && key(scores[i]) == tau && keep[i] == 0 {
            keep[i] = 1
            count += 1
        }
        return keep
    }

    /// The k-th largest value (1-based) by Hoare-style quickselect; reorders `a`.
    static func kthLargest<Score: BinaryFloatingPoint>(_ array: inout [Score], _ k: Int) -> Score {
        array.withUnsafeMutableBufferPointer { a in   // no bounds or uniqueness checks in the inner loops
            var lo = 0, hi = a.count - 1
            let target = k - 1   // index in descending order
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            while lo < hi {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let pivot = a[lo + Int(state >> 33) % (hi - lo + 1)]
                var i = lo, j = hi
                while i <= j {
                    while a[i] > pivot { i += 1 }
                    while a[j] < pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if target <= j { hi = j } else if target >= i { lo = i } else { return a[target] }
            }
            return a[target]
        }
    }
}
