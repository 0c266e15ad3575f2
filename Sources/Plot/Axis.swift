import Foundation

/// One labelled tick, at position `t` in the scale's transformed space.
struct Tick: Equatable {
    var t: Double
    var label: String
}

/// A resolved axis: the domain in transformed space, major ticks with labels, minor ticks.
struct Axis {
    var scale: Scale
    var lo: Double
    var hi: Double
    var ticks: [Tick] = []
    var minor: [Double] = []
    /// Appended to the axis title, e.g. " (×10⁹)" when tick labels are scaled.
    var titleSuffix: String = ""
    /// Heatmap row axes run top to bottom.
    var reversed = false

    /// Fraction 0…1 of the way along the axis for transformed value `t`.
    @inline(__always) func frac(_ t: Double) -> Double { (t - lo) / (hi - lo) }

    /// What a caller knows about the data before the axis is resolved.
    struct Request {
        var scale: Scale
        /// Transformed data extent, nil when there is no data.
        var data: (lo: Double, hi: Double)?
        /// User limits in data units.
        var limits: ClosedRange<Double>?
        var categories: [String] = []
        /// Axis length in pt and the desired spacing between ticks in pt.
        var length: Double
        var spacing: Double
        /// A bound that must not be padded (bar and histogram baselines), in transformed space.
        var hardLow: Double? = nil
        /// True for a vertical axis (label extent is the font height, not the text width).
        var vertical = false
        /// All data values are integers (epochs, steps): prefer integer ticks.
        var integerData = false
        /// Fraction of the axis kept free at the top end (room for a legend).
        var headroom = 0.0
    }

    static func resolve(_ r: Request) -> Axis {
        var a: Axis
        switch r.scale.kind {
        case .category: a = category(r)
        case .linear: a = linear(r)
        case .log: a = decades(r, sparsity: false)
        case .sparsity: a = decades(r, sparsity: true)
        }
        if r.headroom > 0 && r.headroom < 0.8 && r.limits == nil && r.scale.kind != .category {
            a.hi += (a.hi - a.lo) * r.headroom / (1 - r.headroom)
        }
        return a
    }

    /// Index axis of a heatmap: cells centred on 0…n−1, integer ticks only.
    static func index(count n: Int, length: Double, spacing: Double) -> Axis {
        var a = Axis(scale: .linear, lo: -0.5, hi: Double(max(n, 1)) - 0.5)
        let m = max(2, min(8, Int(length / spacing) + 1))
        var ticks = n > 1 ? TickGenerator.extended(dmin: 0, dmax: Double(n - 1), m: m) : [0]
        ticks = ticks.filter { $0 >= 0 && $0 <= Double(n - 1) && $0 == $0.rounded() }
        if ticks.count < 2 && n > 1 { ticks = [0, Double(n - 1)] }
        a.ticks = ticks.map { Tick(t: $0, label: NumberFormat.fixed($0, decimals: 0)) }
        return a
    }

    // MARK: category

    private static func category(_ r: Request) -> Axis {
        let n = max(1, r.categories.count)
        var a = Axis(scale: r.scale, lo: -0.5, hi: Double(n) - 0.5)
        a.ticks = r.categories.enumerated().map { Tick(t: Double($0.offset), label: $0.element) }
        return a
    }

    // MARK: linear

    private static func linear(_ r: Request) -> Axis {
        let m = max(3, min(8, Int(r.length / r.spacing) + 1))
        var lo: Double, hi: Double
        var fixed = false
        if let lim = r.limits, lim.lowerBound.isFinite, lim.upperBound.isFinite, lim.upperBound > lim.lowerBound {
            lo = lim.lowerBound; hi = lim.upperBound; fixed = true
        } else if let d = r.data {
            lo = d.lo; hi = d.hi
        } else {
            lo = 0; hi = 1
        }
        if let h = r.hardLow, !fixed { lo = min(lo, h); hi = max(hi, h) }
        if hi - lo <= 1e-12 * max(1, abs(hi)) {
            // Zero-width range: widen by 10% of the value (or ±1 around zero) so ticks exist.
            let d = lo == 0 ? 1 : abs(lo) * 0.1
            if r.hardLow != nil && lo == r.hardLow { hi = lo + 2 * d } else { lo -= d; hi += d }
        }
        var ticks = TickGenerator.extended(dmin: lo, dmax: hi, m: m)
        if r.integerData && ticks.contains(where: { $0 != $0.rounded() }) {
            let alt = TickGenerator.extended(dmin: lo, dmax: hi, m: m, Q: [1, 5, 2, 4, 3]).filter { $0 == $0.rounded() }
            if alt.count >= 2 { ticks = alt }
        }
        if !fixed, let f = ticks.first, let l = ticks.last {
            lo = min(lo, f); hi = max(hi, l)
            let pad = (hi - lo) * 0.04
            if r.hardLow == nil || lo < (r.hardLow ?? lo) - 1e-12 || lo > (r.hardLow ?? lo) + 1e-12 { lo -= pad }
            hi += pad
        }
        let tol = (hi - lo) * 1e-9
        ticks = ticks.filter { $0 >= lo - tol && $0 <= hi + tol }
        var a = Axis(scale: r.scale, lo: lo, hi: hi)
        let (labels, suffix) = linearLabels(ticks)
        a.ticks = zip(ticks, labels).map { Tick(t: $0, label: $1) }
        a.titleSuffix = suffix
        return a
    }

    /// Labels for linear ticks; huge or tiny magnitudes share a power of ten shown in the title.
    static func linearLabels(_ ticks: [Double]) -> ([String], String) {
        let maxAbs = ticks.map { abs($0) }.max() ?? 0
        var e = 0
        if maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-3) { e = Int(floor(log10(maxAbs))) }
        let scaled = ticks.map { e == 0 ? $0 : $0 / pow(10, Double(e)) }
        let d = NumberFormat.decimalsNeeded(scaled)
        let labels = scaled.map { NumberFormat.typographicMinus(NumberFormat.fixed($0, decimals: d)) }
        return (labels, e == 0 ? "" : " (\u{00D7}10" + NumberFormat.superscript(e) + ")")
    }

    // MARK: log and sparsity

    /// Log and sparsity axes are both decade scales (sparsity on the remaining fraction 1 − s).
    /// Log domains snap outwards to a decade when one is within half a decade; sparsity domains
    /// snap to the next "nice" sparsity (remaining fraction 1, 2 or 5 × 10⁻ᵏ: 50%, 80%, 90%, 95%…).
    private static func decades(_ r: Request, sparsity: Bool) -> Axis {
        var lo: Double, hi: Double
        var fixed = false
        let tol = 1e-9
        if let lim = r.limits, let a = r.scale.transform(lim.lowerBound), let b = r.scale.transform(lim.upperBound), b > a {
            lo = a; hi = b; fixed = true
        } else if let d = r.data {
            lo = d.lo; hi = d.hi
            if sparsity {
                lo = niceSparsity(below: lo); hi = niceSparsity(above: hi)
            } else {
                if lo - floor(lo + tol) < 0.5 { lo = floor(lo + tol) }
                if ceil(hi - tol) - hi < 0.5 { hi = ceil(hi - tol) }
            }
        } else {
            lo = 0; hi = sparsity ? 3 : 2
        }
        if let h = r.hardLow, !fixed { lo = min(lo, floor(h)) }
        if hi - lo < tol {
            if sparsity { lo = max(0, niceSparsity(below: lo - tol)); hi = niceSparsity(above: hi + tol) }
            else { lo = floor(lo) - 1; hi = ceil(hi) + 1 }
        }
        // At least two labelled decades on a log axis.
        if !sparsity && !fixed && Int(floor(hi + tol)) - Int(ceil(lo - tol)) < 1 { lo = floor(lo + tol); hi = ceil(hi - tol) }
        if !sparsity && hi - lo < tol { hi = lo + 1 }

        let decadeCount = hi - lo
        let kLo = Int(ceil(lo - tol)), kHi = Int(floor(hi + tol))
        // Candidates with priority (0 = decade, 1 = domain end, 2 = filler); pruned for spacing below.
        var candidates: [(t: Double, label: String, priority: Int)] = []
        let fit = max(1.0, r.length / max(r.spacing, 1))
        let stride = max(1, Int(ceil(Double(kHi - kLo + 1) / fit)))
        var minor: [Double] = []
        if kLo <= kHi {
            for k in kLo...kHi {
                let label = sparsity ? sparsityLabel(k: k, mantissa: 1, r.scale) : logLabel(k, r.scale)
                if (k - kLo) % stride == 0 { candidates.append((Double(k), label, 0)) } else { minor.append(Double(k)) }
            }
        }
        if sparsity {
            for (t, pri) in [(lo, 1), (hi, 1)] where !fixed {
                if let l = niceSparsityLabel(t, r.scale), abs(t - t.rounded()) > tol { candidates.append((t, l, pri)) }
            }
            if candidates.count < 3 {
                for k in Int(floor(lo))...Int(ceil(hi)) {
                    let t = Double(k) + log10(2.0)   // remaining 5·10^-(k+1): 50%, 95%, 99.5%
                    if t > lo + tol && t < hi - tol, let l = niceSparsityLabel(t, r.scale) { candidates.append((t, l, 2)) }
                }
            }
        }
        // Minor ticks at 2…9 within each decade (skipped when decades are many).
        if decadeCount <= 5 {
            for k in Int(floor(lo))..<Int(ceil(hi)) {
                for mnt in 2...9 {
                    let tm = sparsity ? Double(k + 1) - log10(Double(mnt)) : Double(k) + log10(Double(mnt))
                    if tm > lo + tol && tm < hi - tol { minor.append(tm) }
                }
            }
        }
        if !fixed {
            let pad = (hi - lo) * 0.03
            if !(sparsity && lo <= tol) && r.hardLow == nil { lo -= pad }   // 0% sparsity is a natural edge
            hi += pad
        }
        var a = Axis(scale: r.scale, lo: lo, hi: hi)
        a.ticks = prune(candidates, axis: a, request: r)
        a.minor = minor.filter { m in !a.ticks.contains { abs($0.t - m) < 1e-6 } }.sorted()
        return a
    }

    /// Keeps the highest-priority ticks whose labels do not crowd each other (4 pt apart).
    private static func prune(_ c: [(t: Double, label: String, priority: Int)], axis: Axis, request r: Request) -> [Tick] {
        let font = 8.0
        var kept: [(pos: Double, half: Double, tick: Tick)] = []
        for cand in c.sorted(by: { $0.priority < $1.priority || ($0.priority == $1.priority && $0.t < $1.t) }) {
            let pos = axis.frac(cand.t) * r.length
            let half = r.vertical ? font / 2 : TextMetrics.width(cand.label, size: font) / 2
            let clear = kept.allSatisfy { abs($0.pos - pos) >= $0.half + half + 4 }
            if clear || cand.priority == 0 { kept.append((pos, half, Tick(t: cand.t, label: cand.label))) }
        }
        return kept.map(\.tick).sorted { $0.t < $1.t }
    }

    /// Nice sparsity positions: remaining fraction m·10^-k for m ∈ {1, 2, 5}, i.e. t = k − log10(m).
    private static let niceOffsets: [Double] = [0, log10(2.0), log10(5.0)]

    static func niceSparsity(below t: Double) -> Double {
        let k = floor(t + 1e-9)
        return niceOffsets.map { k + $0 }.filter { $0 <= t + 1e-9 }.max() ?? k
    }

    static func niceSparsity(above t: Double) -> Double {
        let k = floor(t - 1e-9)
        return (niceOffsets.map { k + $0 } + [k + 1]).filter { $0 >= t - 1e-9 }.min() ?? k + 1
    }

    /// Label of a nice sparsity position, nil if `t` is not one.
    static func niceSparsityLabel(_ t: Double, _ scale: Scale) -> String? {
        let k = floor(t + 1e-9)
        let f = t - k
        if abs(f) < 1e-6 { return sparsityLabel(k: Int(k), mantissa: 1, scale) }
        if abs(f - log10(2.0)) < 1e-6 { return sparsityLabel(k: Int(k) + 1, mantissa: 5, scale) }
        if abs(f - log10(5.0)) < 1e-6 { return sparsityLabel(k: Int(k) + 1, mantissa: 2, scale) }
        return nil
    }

    static func logLabel(_ k: Int, _ scale: Scale) -> String {
        switch scale.logLabels {
        case .power: return "10" + NumberFormat.superscript(k)
        case .plain:
            let v = pow(10, Double(k))
            return NumberFormat.fixed(v, decimals: max(0, min(6, -k)))
        }
    }

    /// Label for remaining fraction `mantissa`·10^-k: percent sparsity or compression 10^k/mantissa.
    static func sparsityLabel(k: Int, mantissa: Int, _ scale: Scale) -> String {
        // Exact decimal arithmetic on integers: remaining = mantissa / 10^k.
        switch scale.sparsityLabels {
        case .percent:
            // p = 100 − 100·mantissa/10^k, written with k − 2 decimals (or more for mantissa ≠ 1).
            let decimals = max(0, k - 2)
            let p = 100 - 100 * Double(mantissa) / pow(10, Double(k))
            return NumberFormat.fixed(p, decimals: min(6, decimals)) + "%"
        case .compression:
            let c = pow(10, Double(k)) / Double(mantissa)
            return NumberFormat.fixed(c, decimals: 2) + "\u{00D7}"
        }
    }
}
