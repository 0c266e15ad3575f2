import Foundation

/// Small statistics used by marks: grouping samples by x, histogram binning.
enum Stats {
    struct Group { var x: Double; var mean: Double; var spread: Double; var n: Int }

    /// Groups (x, y) pairs by exactly equal x (sorted by x) and returns mean and spread per group.
    /// Spread is 0 for single-sample groups.
    static func group(x: [Double], y: [Double], error: ErrorKind) -> [Group] {
        let n = min(x.count, y.count)
        var order = Array(0..<n)
        order.sort { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
        var out: [Group] = []
        var i = 0
        while i < order.count {
            var jEnd = i
            while jEnd < order.count && x[order[jEnd]] == x[order[i]] { jEnd += 1 }
            let vals = order[i..<jEnd].map { y[$0] }
            let mean = vals.reduce(0, +) / Double(vals.count)
            var sd = 0.0
            if vals.count > 1 {
                let ss = vals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                sd = (ss / Double(vals.count - 1)).squareRoot()
            }
            let spread = error == .standardDeviation ? sd : sd / Double(vals.count).squareRoot()
            out.append(Group(x: x[order[i]], mean: mean, spread: spread, n: vals.count))
            i = jEnd
        }
        return out
    }

    /// Bin edges and counts. Linear bins span [min, max]; log bins span [min, max] of the positive
    /// values evenly in log10. Returns nil when there are no usable values.
    static func histogram(_ values: [Double], bins: Int, logBins: Bool) -> (edges: [Double], counts: [Double])? {
        let vs = logBins ? values.filter { $0 > 0 } : values
        guard let lo0 = vs.min(), let hi0 = vs.max() else { return nil }
        var lo = logBins ? log10(lo0) : lo0
        var hi = logBins ? log10(hi0) : hi0
        if hi - lo <= 1e-12 * max(1, abs(hi)) {
            let d = logBins ? 0.5 : (lo == 0 ? 0.5 : abs(lo) * 0.05)
            lo -= d; hi += d
        }
        let b = max(1, bins)
        var counts = [Double](repeating: 0, count: b)
        let width = (hi - lo) / Double(b)
        for v in vs {
            let t = logBins ? log10(v) : v
            var k = Int(((t - lo) / width).rounded(.down))
            if k >= b { k = b - 1 }
            if k < 0 { k = 0 }
            counts[k] += 1
        }
        let edges = (0...b).map { i -> Double in
            let t = lo + Double(i) * width
            return logBins ? pow(10, t) : t
        }
        return (edges, counts)
    }
}
