import Foundation

/// A panel's marks turned into transformed-space geometry, with extents and warnings.
/// (Transformed space: after the scale's transform, e.g. log10 values on a log axis.)
struct PreparedPanel {
    enum SeriesKind { case line(markers: Bool), scatter, band(markers: Bool) }

    struct Series {
        var kind: SeriesKind
        var style: Int
        var x: [Double]
        var y: [Double]
        /// Band limits; -inf / +inf stand for "beyond the axis" (e.g. mean − sd ≤ 0 on a log axis).
        var lower: [Double] = []
        var upper: [Double] = []
    }

    /// A filled rectangle (bar or histogram bin); y0 = -inf means "from the bottom of the axis".
    struct Bar {
        var x0, x1, y0, y1: Double
        var style: Int
        var err: Double?
        /// Histogram bins carry the index of their histogram and are drawn as one outlined area.
        var histogram: Int? = nil
    }

    struct Reference { var vertical: Bool; var t: Double; var label: String? }
    struct Note { var text: String; var x: Double; var y: Double; var anchor: TextAnchor }

    var xScale: Scale
    var yScale: Scale
    var series: [Series] = []
    var bars: [Bar] = []
    var references: [Reference] = []
    var notes: [Note] = []
    var heatmap: HeatmapData?
    var categories: [String] = []
    var xExtent: (lo: Double, hi: Double)?
    var yExtent: (lo: Double, hi: Double)?
    var yHardLow: Double?
    /// Every x of the line, scatter and band series is an integer (on a linear x axis).
    var xIntegers = false
    var warnings: [String] = []

    var isEmpty: Bool { series.isEmpty && bars.isEmpty && (heatmap?.isEmpty ?? true) }

    /// Prepares `panel` (number `index`, for messages); `styleOf` gives the figure-wide style index
    /// of a series label (same label, same style in every panel).
    init(_ panel: Panel, index: Int, styleOf: (String?) -> Int) {
        let marks = panel.marks
        let hasBars = marks.contains { if case .bars = $0.kind { return true } else { return false } }
        let logBins = marks.contains { if case .histogram(_, _, true, _) = $0.kind { return true } else { return false } }
        let logCounts = marks.contains { if case .histogram(_, _, _, true) = $0.kind { return true } else { return false } }
        xScale = panel.xScale ?? (hasBars ? .category : logBins ? .log : .linear)
        yScale = panel.yScale ?? (logCounts ? .log : .linear)
        if hasBars && xScale.kind != .category { xScale = .category }

        let where_ = "panel \(index + 1)"
        func note(_ label: String?, _ dropped: Int, _ scale: Scale) {
            guard dropped > 0 else { return }
            let what = label.map { "series \"\($0)\"" } ?? "unlabelled series"
            warnings.append("\(where_), \(what): dropped \(dropped) value\(dropped == 1 ? "" : "s") that \(dropped == 1 ? "is" : "are") \(scale.rejectionReason())")
        }

        // Categories for bars, in order of first appearance.
        var categoryIndex: [String: Int] = [:]
        var barMarks = 0
        for m in marks {
            if case .bars(let cats, _, _) = m.kind {
                barMarks += 1
                for c in cats where categoryIndex[c] == nil {
                    categoryIndex[c] = categories.count
                    categories.append(c)
                }
            }
        }
        var barSlot = 0
        var histogramCount = 0

        for m in marks {
            switch m.kind {
            case .line(let x, let y, let markers), .band(let x, let y, _, let markers):
                var isBand = false
                var errKind = ErrorKind.standardDeviation
                if case .band(_, _, let e, _) = m.kind { isBand = true; errKind = e }
                let n = min(x.count, y.count)
                var dropped = max(x.count, y.count) - n
                var xs: [Double] = [], ys: [Double] = []
                xs.reserveCapacity(n); ys.reserveCapacity(n)
                for i in 0..<n {
                    if xScale.transform(x[i]) != nil && y[i].isFinite && (isBand || yScale.transform(y[i]) != nil) {
                        xs.append(x[i]); ys.append(y[i])
                    } else { dropped += 1 }
                }
                let style = styleOf(m.label)
                if isBand {
                    let groups = Stats.group(x: xs, y: ys, error: errKind)
                    var s = Series(kind: .band(markers: markers), style: style, x: [], y: [])
                    for g in groups {
                        guard let tx = xScale.transform(g.x), let ty = yScale.transform(g.mean) else { dropped += g.n; continue }
                        s.x.append(tx); s.y.append(ty)
                        s.lower.append(yScale.transform(g.mean - g.spread) ?? -.infinity)
                        s.upper.append(yScale.transform(g.mean + g.spread) ?? .infinity)
                    }
                    note(m.label, dropped, dropped > 0 && xScale.kind != .linear ? xScale : yScale)
                    if !s.x.isEmpty { series.append(s) }
                } else {
                    var s = Series(kind: .line(markers: markers), style: style, x: [], y: [])
                    // Lines connect points in the order given (a sweep may go backwards on purpose).
                    for i in 0..<xs.count {
                        if let tx = xScale.transform(xs[i]), let ty = yScale.transform(ys[i]) { s.x.append(tx); s.y.append(ty) }
                    }
                    note(m.label, dropped, xScale.kind != .linear ? xScale : yScale)
                    if !s.x.isEmpty { series.append(s) }
                }
            case .scatter(let x, let y):
                let n = min(x.count, y.count)
                var s = Series(kind: .scatter, style: styleOf(m.label), x: [], y: [])
                var dropped = max(x.count, y.count) - n
                for i in 0..<n {
                    if let tx = xScale.transform(x[i]), let ty = yScale.transform(y[i]) { s.x.append(tx); s.y.append(ty) } else { dropped += 1 }
                }
                note(m.label, dropped, xScale.kind != .linear ? xScale : yScale)
                if !s.x.isEmpty { series.append(s) }
            case .bars(let cats, let values, let errors):
                let style = styleOf(m.label)
                let width = 0.8 / Double(max(1, barMarks))
                var dropped = 0
                for (i, c) in cats.enumerated() where i < values.count {
                    guard let ci = categoryIndex[c] else { continue }
                    guard let tv = yScale.transform(values[i]) else { dropped += 1; continue }
                    let center = Double(ci) + (Double(barSlot) - Double(barMarks - 1) / 2) * width
                    let e = (errors != nil && i < (errors?.count ?? 0)) ? errors?[i] : nil
                    let base = yScale.kind == .linear ? 0 : -Double.infinity
                    bars.append(Bar(x0: center - width / 2 * 0.92, x1: center + width / 2 * 0.92,
                                    y0: base, y1: tv, style: style, err: (e?.isFinite ?? false) ? e : nil))
                    if yScale.kind == .linear, let e, e.isFinite { include(y: values[i] - abs(e)); include(y: values[i] + abs(e)) }
                    include(y: tv)
                }
                if yScale.kind == .linear { include(y: 0); yHardLow = 0 }
                barSlot += 1
                note(m.label, dropped + max(0, cats.count - values.count), yScale)
            case .histogram(let values, let bins, let lb, _):
                let finite = values.filter { $0.isFinite }
                var dropped = values.count - finite.count
                if lb { dropped += finite.filter { $0 <= 0 }.count }
                note(m.label, dropped, lb ? Scale.log : Scale.linear)
                let style = styleOf(m.label)
                guard let h = Stats.histogram(finite, bins: bins, logBins: lb) else { continue }
                for k in 0..<h.counts.count {
                    guard let a = xScale.transform(h.edges[k]), let b = xScale.transform(h.edges[k + 1]) else { continue }
                    include(x: a); include(x: b)
                    if yScale.kind == .linear {
                        bars.append(Bar(x0: a, x1: b, y0: 0, y1: h.counts[k], style: style, err: nil, histogram: histogramCount))
                        include(y: h.counts[k])
                    } else if let ty = yScale.transform(h.counts[k]) {
                        bars.append(Bar(x0: a, x1: b, y0: -.infinity, y1: ty, style: style, err: nil, histogram: histogramCount))
                        include(y: ty)
                    }
                }
                // Counts start at 0 on a linear axis and at 1 (10⁰) on a log axis.
                if yScale.kind == .linear { include(y: 0); yHardLow = 0 } else if yScale.kind == .log { include(y: 0); yHardLow = 0 }
                histogramCount += 1
            case .heatmap(let data):
                if data.nonFinite > 0 {
                    warnings.append("\(where_), heatmap: \(data.nonFinite) non-finite value\(data.nonFinite == 1 ? "" : "s") left blank")
                }
                heatmap = data
            case .hline(let y):
                if let t = yScale.transform(y) { references.append(Reference(vertical: false, t: t, label: m.label)); include(y: t) }
                else { warnings.append("\(where_): reference line y = \(y) cannot be shown (\(yScale.rejectionReason()))") }
            case .vline(let x):
                if let t = xScale.transform(x) { references.append(Reference(vertical: true, t: t, label: m.label)); include(x: t) }
                else { warnings.append("\(where_): reference line x = \(x) cannot be shown (\(xScale.rejectionReason()))") }
            case .text(let s, let x, let y, let anchor):
                if let tx = xScale.transform(x), let ty = yScale.transform(y) { notes.append(Note(text: s, x: tx, y: ty, anchor: anchor)) }
                else { warnings.append("\(where_): annotation \"\(s)\" has a position that cannot be shown") }
            }
        }
        for s in series {
            for v in s.x { include(x: v) }
            for v in s.y { include(y: v) }
            for v in s.lower where v.isFinite { include(y: v) }
            for v in s.upper where v.isFinite { include(y: v) }
        }
        xIntegers = xScale.kind == .linear && !series.isEmpty && bars.isEmpty
            && series.allSatisfy { $0.x.allSatisfy { $0 == $0.rounded() } }
        if xScale.kind == .category, !categories.isEmpty { xExtent = (-0.5, Double(categories.count) - 0.5) }
    }

    private mutating func include(x v: Double) {
        guard v.isFinite else { return }
        xExtent = xExtent.map { (min($0.lo, v), max($0.hi, v)) } ?? (v, v)
    }

    private mutating func include(y v: Double) {
        guard v.isFinite else { return }
        yExtent = yExtent.map { (min($0.lo, v), max($0.hi, v)) } ?? (v, v)
    }
}
