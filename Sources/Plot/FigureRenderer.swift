import Foundation

/// Lays out a figure (margins from label widths, grid of panels, legend placement) and writes SVG.
struct FigureRenderer {
    static let tickFont = 8.0
    static let axisTitleFont = 9.0
    static let panelTitleFont = 9.0
    static let figureTitleFont = 10.0
    static let tickLength = 3.5
    static let tickPad = 2.5
    static let outerPad = 4.0
    static let xSpacing = 50.0     // desired pt between x ticks
    static let ySpacing = 30.0     // desired pt between y ticks

    let figure: Figure
    let prefix: String
    var prepared: [PreparedPanel] = []
    var legend = Legend(entries: [])
    var warnings: [String] = []
    /// Extra room at the top of the first panel's y axis, made when no legend corner is free.
    var headroom = 0.0

    init(figure: Figure, idPrefix: String) {
        self.figure = figure
        self.prefix = idPrefix
    }

    /// Makes `s` a valid XML id start: letters, digits, `-`, `_`, `.`; starts with a letter.
    static func sanitize(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let ok = (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "-" || u == "_" || u == "."
            out.unicodeScalars.append(ok ? u : "_")
        }
        if let f = out.unicodeScalars.first, (f >= "a" && f <= "z") || (f >= "A" && f <= "Z") || f == "_" { return out }
        return "f" + out
    }

    mutating func run() -> RenderedFigure {
        // Figure-wide styles: the same label gets the same colour, dash and marker in every panel.
        var styleIndex: [String: Int] = [:]
        var nextStyle = 0
        var entries: [Legend.Entry] = []
        func styleOf(_ label: String?) -> Int {
            if let label, let s = styleIndex[label] { return s }
            let s = nextStyle
            nextStyle += 1
            if let label { styleIndex[label] = s }
            return s
        }
        for (i, panel) in figure.panels.enumerated() {
            let p = PreparedPanel(panel, index: i, styleOf: styleOf)
            warnings += p.warnings
            prepared.append(p)
        }
        var seen = Set<String>()
        for panel in figure.panels {
            for m in panel.marks where m.isSeries {
                guard let label = m.label, !label.isEmpty, !seen.contains(label), let s = styleIndex[label] else { continue }
                seen.insert(label)
                let swatch: Legend.Swatch
                switch m.kind {
                case .line(_, _, let mk): swatch = .line(markers: mk)
                case .band(_, _, _, let mk): swatch = .band(markers: mk)
                case .scatter: swatch = .marker
                case .histogram: swatch = .outlinedBox
                default: swatch = .box
                }
                entries.append(Legend.Entry(label: label, style: s, swatch: swatch))
            }
        }
        legend = Legend(entries: entries)

        // Legend placement: inside a free corner of the first panel if one exists, else right.
        var placement: (rect: Rect, right: Bool)? = nil
        var geoms: [PanelGeometry]
        if entries.isEmpty || figure.legend == .none {
            geoms = layout(legendWidth: 0)
        } else if figure.legend == .right {
            geoms = layout(legendWidth: legend.width)
        } else {
            geoms = layout(legendWidth: 0)
            var chosen: Rect? = nil
            if case .inside(let c) = figure.legend, let g = geoms.first {
                chosen = cornerRect(c, in: g.plot)
            } else if figure.panels.count == 1, let g = geoms.first, let p = prepared.first,
                      legend.height <= g.plot.h - 4, legend.width <= g.plot.w * 0.6 {
                for c in LegendPlacement.Corner.allCases {
                    let r = cornerRect(c, in: g.plot)
                    if !Obstacles.hits(r.inset(-2), panel: p, geometry: g) { chosen = r; break }
                }
                // No free corner: add headroom above the data (if the y axis is ours to choose)
                // and try the top corners again, before giving up plot width to a right legend.
                if chosen == nil && figure.panels[0].yLimits == nil && p.yScale.kind != .category {
                    let room = (legend.height + 8) / g.plot.h
                    if room < 0.4 {
                        headroom = room
                        let g2 = layout(legendWidth: 0)
                        for c in [LegendPlacement.Corner.topRight, .topLeft] {
                            let r = cornerRect(c, in: g2[0].plot)
                            if !Obstacles.hits(r.inset(-2), panel: p, geometry: g2[0]) { chosen = r; geoms = g2; break }
                        }
                        if chosen == nil { headroom = 0 }
                    }
                }
            }
            if let chosen { placement = (chosen, false) } else { geoms = layout(legendWidth: legend.width) }
        }
        if placement == nil, !entries.isEmpty, figure.legend != .none {
            let top = geoms.first?.plot.y ?? FigureRenderer.outerPad
            placement = (Rect(x: figure.width - FigureRenderer.outerPad - legend.width, y: top,
                              w: legend.width, h: legend.height), true)
        }

        var out = SVGWriter(capacity: 32_768)
        let W = NumberFormat.coord(figure.width), H = NumberFormat.coord(figure.height)
        out.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("version", "1.1"),
                         ("width", W + "pt"), ("height", H + "pt"), ("viewBox", "0 0 " + W + " " + H),
                         ("font-family", figure.fontFamily)])
        out.element("rect", [("width", W), ("height", H), ("fill", "#FFFFFF")])
        Hatch.defs(styles: prepared.flatMap { $0.bars.filter { $0.histogram == nil }.map(\.style) }, prefix: prefix, into: &out)
        if let t = figure.title, !t.isEmpty {
            out.text(t, [("x", NumberFormat.coord(figure.width / 2)),
                         ("y", NumberFormat.coord(FigureRenderer.outerPad + FigureRenderer.figureTitleFont * 0.8)),
                         ("font-size", NumberFormat.coord(FigureRenderer.figureTitleFont)), ("text-anchor", "middle")])
        }
        for (i, g) in geoms.enumerated() {
            var pd = PanelDrawing(panel: figure.panels[i], prepared: prepared[i], geometry: g,
                                  clipID: prefix + "-clip-" + String(i + 1), gradientID: prefix + "-grad-" + String(i + 1),
                                  prefix: prefix)
            pd.draw(into: &out)
        }
        if let placement { legend.draw(x: placement.rect.x, y: placement.rect.y, prefix: prefix, into: &out) }
        out.close("svg")
        return RenderedFigure(svg: out.output, warnings: warnings,
                              plotAreas: geoms.map { ($0.plot.x, $0.plot.y, $0.plot.w, $0.plot.h) })
    }

    private func cornerRect(_ c: LegendPlacement.Corner, in p: Rect) -> Rect {
        let inset = 3.0
        let w = legend.width, h = legend.height
        switch c {
        case .topRight: return Rect(x: p.maxX - inset - w, y: p.y + inset, w: w, h: h)
        case .topLeft: return Rect(x: p.x + inset, y: p.y + inset, w: w, h: h)
        case .bottomRight: return Rect(x: p.maxX - inset - w, y: p.maxY - inset - h, w: w, h: h)
        case .bottomLeft: return Rect(x: p.x + inset, y: p.maxY - inset - h, w: w, h: h)
        }
    }

    // MARK: layout

    struct Margins { var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0 }

    /// Places the panels in a grid, leaving `legendWidth` (plus a gap) on the right when non-zero.
    func layout(legendWidth: Double) -> [PanelGeometry] {
        let n = figure.panels.count
        let cols = max(1, min(figure.columns, n))
        let rows = (n + cols - 1) / cols
        let pad = FigureRenderer.outerPad
        let titleH = (figure.title?.isEmpty ?? true) ? 0 : FigureRenderer.figureTitleFont * 1.3
        let legendSpace = legendWidth > 0 ? legendWidth + 6 : 0
        let cellW = max(10, (figure.width - 2 * pad - legendSpace) / Double(cols))
        let cellH = max(10, (figure.height - 2 * pad - titleH) / Double(rows))

        // Two passes: axes depend on the plot size (tick count), margins on the tick labels.
        var m = Margins(left: 30, right: 8, top: 6, bottom: 24)
        var axes: [(Axis, Axis)] = []
        var perPanelRight: [Double] = Array(repeating: 0, count: n)
        for _ in 0..<2 {
            let pw = max(10, cellW - m.left - m.right), ph = max(10, cellH - m.top - m.bottom)
            axes = (0..<n).map { resolveAxes(i: $0, width: pw, height: ph) }
            var next = Margins()
            for i in 0..<n {
                let mi = margins(i: i, x: axes[i].0, y: axes[i].1, plotWidth: pw, plotHeight: ph)
                next.left = max(next.left, mi.left)
                next.right = max(next.right, mi.right - perPanelExtra(i, plotHeight: ph))
                next.top = max(next.top, mi.top)
                next.bottom = max(next.bottom, mi.bottom)
                perPanelRight[i] = perPanelExtra(i, plotHeight: ph)
            }
            m = next
        }
        var out: [PanelGeometry] = []
        for i in 0..<n {
            let r = i / cols, c = i % cols
            let x = pad + Double(c) * cellW + m.left
            let y = pad + titleH + Double(r) * cellH + m.top
            let w = max(10, cellW - m.left - m.right - perPanelRight[i])
            let h = max(10, cellH - m.top - m.bottom)
            let (ax, ay) = resolveAxes(i: i, width: w, height: h)
            var g = PanelGeometry(plot: Rect(x: x, y: y, w: w, h: h), x: ax, y: ay)
            if let hm = prepared[i].heatmap, !hm.isEmpty {
                g.heat = heatRect(hm, in: g.plot)
                if let hr = g.heat { g.plot = hr }   // axes hug the cells
            }
            g.rotateXLabels = rotateCategoryLabels(ax, plotWidth: w)
            out.append(g)
        }
        return out
    }

    /// Equal-aspect cells for small matrices and kernel grids; large matrices fill the area.
    private func heatRect(_ hm: HeatmapData, in p: Rect) -> Rect {
        let equal = !hm.showAxes || (hm.rows <= 64 && hm.cols <= 64)
        guard equal else { return p }
        let s = min(p.w / Double(hm.cols), p.h / Double(hm.rows))
        let h = s * Double(hm.rows)
        // Left-aligned (next to the row labels), centred vertically in the space available.
        return Rect(x: p.x, y: p.y + (p.h - h) / 2, w: s * Double(hm.cols), h: h)
    }

    /// Extra right space a panel needs of its own (the colour bar of a heatmap).
    private func perPanelExtra(_ i: Int, plotHeight: Double) -> Double {
        guard let hm = prepared[i].heatmap, !hm.isEmpty else { return 0 }
        if hm.isBinary { return HeatmapDrawing.binaryKeyWidth(fontSize: FigureRenderer.tickFont) }
        let (_, lo, hi) = hm.resolvedMap()
        return HeatmapDrawing.colorbarWidth(lo: lo, hi: hi, length: plotHeight, label: hm.colorbarLabel,
                                            fontSize: FigureRenderer.tickFont)
    }

    func resolveAxes(i: Int, width: Double, height: Double) -> (Axis, Axis) {
        let p = prepared[i], panel = figure.panels[i]
        if let hm = p.heatmap, !hm.isEmpty {
            var ax = Axis.index(count: hm.originalCols, length: width, spacing: FigureRenderer.xSpacing)
            var ay = Axis.index(count: hm.originalRows, length: height, spacing: FigureRenderer.ySpacing)
            ay.reversed = true
            if !hm.showAxes { ax.ticks = []; ay.ticks = [] }
            return (ax, ay)
        }
        var x = Axis.resolve(Axis.Request(scale: p.xScale, data: p.xExtent, limits: panel.xLimits,
                                          categories: p.categories, length: width, spacing: FigureRenderer.xSpacing,
                                          integerData: p.xIntegers))
        var y = Axis.resolve(Axis.Request(scale: p.yScale, data: p.yExtent, limits: panel.yLimits,
                                          length: height, spacing: FigureRenderer.ySpacing, hardLow: p.yHardLow,
                                          vertical: true, headroom: i == 0 ? headroom : 0))
        if p.isEmpty {
            x.ticks = []; x.minor = []; y.ticks = []; y.minor = []
        }
        return (x, y)
    }

    private func rotateCategoryLabels(_ ax: Axis, plotWidth: Double) -> Bool {
        guard ax.scale.kind == .category, !ax.ticks.isEmpty else { return false }
        let slot = plotWidth / Double(ax.ticks.count)
        let widest = ax.ticks.map { TextMetrics.width($0.label, size: FigureRenderer.tickFont) }.max() ?? 0
        return widest > slot - 4
    }

    func margins(i: Int, x: Axis, y: Axis, plotWidth: Double, plotHeight: Double) -> Margins {
        let panel = figure.panels[i], p = prepared[i]
        let tf = FigureRenderer.tickFont
        var m = Margins()
        let hidden = p.heatmap.map { !$0.showAxes && !$0.isEmpty } ?? false
        let yLabW = y.ticks.map { TextMetrics.width($0.label, size: tf) }.max() ?? 0
        let hasYTitle = !(panel.yLabel ?? "").isEmpty || !y.titleSuffix.isEmpty
        let hasXTitle = !(panel.xLabel ?? "").isEmpty || !x.titleSuffix.isEmpty
        m.left = hidden ? 2 : FigureRenderer.tickLength + FigureRenderer.tickPad + yLabW
            + (hasYTitle ? 3 + FigureRenderer.axisTitleFont * 1.0 : 0) + 1
        var labelH = x.ticks.isEmpty ? 0 : tf
        if rotateCategoryLabels(x, plotWidth: plotWidth) {
            let widest = x.ticks.map { TextMetrics.width($0.label, size: tf) }.max() ?? 0
            labelH = widest * sin(40 * Double.pi / 180) + tf * cos(40 * Double.pi / 180)
        }
        m.bottom = hidden ? 2 : FigureRenderer.tickLength + FigureRenderer.tickPad + labelH
            + (hasXTitle ? 3 + FigureRenderer.axisTitleFont * 1.05 : 0) + 1
        m.top = (panel.title?.isEmpty ?? true) ? tf * 0.7 : FigureRenderer.panelTitleFont * 1.5
        // The last x label is centred on its tick and may stick out past the frame.
        var right = 4.0
        if let last = x.ticks.last, x.scale.kind != .category {
            let over = TextMetrics.width(last.label, size: tf) / 2 - (1 - x.frac(last.t)) * plotWidth
            right = max(right, over + 1)
        }
        m.right = right + perPanelExtra(i, plotHeight: plotHeight)
        return m
    }
}

/// What data occupies in a panel, for choosing a legend corner that covers nothing.
enum Obstacles {
    static func hits(_ r: Rect, panel p: PreparedPanel, geometry g: PanelGeometry) -> Bool {
        for s in p.series {
            let pts = (0..<s.x.count).map { (g.px(s.x[$0]), g.py(s.y[$0])) }
            for q in pts where r.contains(q.0, q.1) { return true }
            let connected: Bool
            switch s.kind { case .scatter: connected = false; default: connected = true }
            if connected {
                for k in 1..<max(1, pts.count) where r.intersects(segment: pts[k - 1], pts[k]) { return true }
            }
            if case .band = s.kind {
                let lo = (0..<s.x.count).map { (g.px(s.x[$0]), g.py(s.lower[$0])) }
                let hi = (0..<s.x.count).map { (g.px(s.x[$0]), g.py(s.upper[$0])) }
                for k in 0..<lo.count {
                    if r.intersects(segment: lo[k], hi[k]) { return true }
                    if k > 0 && (r.intersects(segment: lo[k - 1], lo[k]) || r.intersects(segment: hi[k - 1], hi[k])) { return true }
                }
                // The band's interior under the rectangle: sample a few columns.
                for f in stride(from: 0.0, through: 1.0, by: 0.25) {
                    let xq = r.x + f * r.w
                    for k in 1..<max(1, lo.count) where lo[k - 1].0 <= xq && xq <= lo[k].0 && lo[k].0 > lo[k - 1].0 {
                        let u = (xq - lo[k - 1].0) / (lo[k].0 - lo[k - 1].0)
                        let yTop = hi[k - 1].1 + u * (hi[k].1 - hi[k - 1].1)
                        let yBot = lo[k - 1].1 + u * (lo[k].1 - lo[k - 1].1)
                        if min(yTop, yBot) < r.maxY && max(yTop, yBot) > r.y { return true }
                    }
                }
            }
        }
        for b in p.bars {
            let x0 = g.px(b.x0), x1 = g.px(b.x1), y0 = g.py(b.y0), y1 = g.py(b.y1)
            var br = Rect(x: min(x0, x1), y: min(y0, y1), w: abs(x1 - x0), h: abs(y1 - y0))
            if let e = b.err {
                let top = g.py(b.y1 + abs(e)), bot = g.py(b.y1 - abs(e))
                br = Rect(x: br.x, y: min(br.y, top, bot), w: br.w, h: max(br.maxY, top, bot) - min(br.y, top, bot))
            }
            if r.intersects(br) { return true }
        }
        for ref in p.references {
            let seg = ref.vertical ? ((g.px(ref.t), g.plot.y), (g.px(ref.t), g.plot.maxY))
                                   : ((g.plot.x, g.py(ref.t)), (g.plot.maxX, g.py(ref.t)))
            if r.intersects(segment: seg.0, seg.1) { return true }
        }
        for n in p.notes {
            let w = TextMetrics.width(n.text, size: FigureRenderer.tickFont)
            let x0 = g.px(n.x) - (n.anchor == .start ? 0 : n.anchor == .middle ? w / 2 : w)
            if r.intersects(Rect(x: x0, y: g.py(n.y) - 6, w: w, h: 10)) { return true }
        }
        return false
    }
}
