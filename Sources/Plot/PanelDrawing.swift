import Foundation

/// Draws one panel: data marks (clipped to the plot area), axes, ticks, titles, annotations.
struct PanelDrawing {
    let panel: Panel
    let prepared: PreparedPanel
    let geometry: PanelGeometry
    let clipID: String
    let gradientID: String
    /// Figure id prefix (for the shared hatch patterns).
    let prefix: String

    mutating func draw(into out: inout SVGWriter) {
        let g = geometry, p = prepared
        let plot = g.plot
        out.open("g", [])
        out.open("defs")
        out.open("clipPath", [("id", clipID)])
        out.element("rect", [("x", NumberFormat.coord(plot.x)), ("y", NumberFormat.coord(plot.y)),
                             ("width", NumberFormat.coord(plot.w)), ("height", NumberFormat.coord(plot.h))])
        out.close("clipPath")
        out.close("defs")

        if let hm = p.heatmap, !hm.isEmpty, let hr = g.heat {
            let (map, lo, hi) = hm.resolvedMap()
            HeatmapDrawing.cells(hm, x: hr.x, y: hr.y, w: hr.w, h: hr.h, map: map, lo: lo, hi: hi, into: &out)
            if hm.isBinary {
                HeatmapDrawing.binaryKey(x: hr.maxX + 8, y: hr.y, fontSize: FigureRenderer.tickFont, into: &out)
            } else {
                HeatmapDrawing.colorbar(map: map, lo: lo, hi: hi, x: hr.maxX + 8, y: hr.y, w: 8, h: hr.h,
                                    gradientID: gradientID, label: hm.colorbarLabel,
                                    fontSize: FigureRenderer.tickFont, into: &out)
            }
        }
        drawBars(into: &out)
        // Bands first, so every line sits on top of every band.
        for s in p.series {
            guard case .band = s.kind else { continue }
            MarkDrawing.band(x: s.x.map(g.px), lower: s.lower.map(g.py), upper: s.upper.map(g.py),
                             style: SeriesStyle.series(s.style), clip: clipID, into: &out)
        }
        drawReferences(into: &out)
        for s in p.series {
            let st = SeriesStyle.series(s.style)
            let pts = (0..<s.x.count).map { (g.px(s.x[$0]), g.py(s.y[$0])) }
            var showMarkers = true
            switch s.kind {
            case .line(let mk), .band(let mk):
                MarkDrawing.strokeLine(pts, style: st, clip: clipID, into: &out)
                showMarkers = mk || pts.count == 1
            case .scatter: break
            }
            if showMarkers {
                let inside = plot.inset(-1)
                MarkDrawing.markers(pts.filter { inside.contains($0.0, $0.1) }, style: st, into: &out)
            }
        }
        drawAxes(into: &out)
        drawNotes(into: &out)
        if p.isEmpty {
            out.text(panel.emptyNote, [("x", NumberFormat.coord(plot.x + plot.w / 2)),
                                       ("y", NumberFormat.coord(plot.y + plot.h / 2 + 3)),
                                       ("font-size", "9"), ("text-anchor", "middle"), ("fill", "#555555")])
        }
        out.close("g")
    }

    private func drawBars(into out: inout SVGWriter) {
        let g = geometry
        guard !prepared.bars.isEmpty else { return }
        var errD = ""
        out.open("g", [("clip-path", "url(#" + clipID + ")")])
        for b in prepared.bars where b.histogram == nil {
            let x0 = g.px(b.x0), x1 = g.px(b.x1)
            let y0 = b.y0.isFinite ? g.py(b.y0) : g.plot.maxY
            let y1 = g.py(b.y1)
            Hatch.rect(x: min(x0, x1), y: min(y0, y1), w: abs(x1 - x0), h: abs(y1 - y0), style: b.style,
                       prefix: prefix, into: &out)
            if let e = b.err {
                let cx = (x0 + x1) / 2, top = g.py(b.y1 + abs(e)), bot = g.py(b.y1 - abs(e))
                let cap = min(3, abs(x1 - x0) / 3)
                errD += SVGWriter.polyline([(cx, bot), (cx, top)]) + SVGWriter.polyline([(cx - cap, top), (cx + cap, top)])
                    + SVGWriter.polyline([(cx - cap, bot), (cx + cap, bot)])
            }
        }
        drawHistograms(into: &out)
        out.close("g")
        if !errD.isEmpty {
            out.element("path", [("d", errD), ("fill", "none"), ("stroke", "#000000"), ("stroke-width", "1")])
        }
    }

    /// Each histogram as one step-shaped area: translucent fill (overlaid histograms stay
    /// readable) and a 1 pt outline, without seams between bins.
    private func drawHistograms(into out: inout SVGWriter) {
        let g = geometry
        var groups: [Int: [PreparedPanel.Bar]] = [:]
        var order: [Int] = []
        for b in prepared.bars {
            guard let h = b.histogram else { continue }
            if groups[h] == nil { order.append(h) }
            groups[h, default: []].append(b)
        }
        for h in order {
            guard let bins = groups[h], let first = bins.first, let last = bins.last else { continue }
            let base = g.plot.maxY
            var pts: [(Double, Double)] = [(g.px(first.x0), base)]
            for b in bins {
                let y = b.y1.isFinite ? g.py(b.y1) : base
                pts.append((g.px(b.x0), y))
                pts.append((g.px(b.x1), y))
            }
            pts.append((g.px(last.x1), base))
            let st = SeriesStyle.series(first.style)
            out.element("path", [("d", SVGWriter.polyline(pts) + "Z"), ("fill", st.color),
                                 ("fill-opacity", NumberFormat.fixed(MarkDrawing.histogramOpacity)),
                                 ("stroke", st.color), ("stroke-width", "1"), ("stroke-linejoin", "miter")])
        }
    }

    private func drawReferences(into out: inout SVGWriter) {
        let g = geometry, plot = g.plot
        let f = FigureRenderer.tickFont
        for r in prepared.references {
            let pts: [(Double, Double)] = r.vertical ? [(g.px(r.t), plot.y), (g.px(r.t), plot.maxY)]
                                                     : [(plot.x, g.py(r.t)), (plot.maxX, g.py(r.t))]
            out.element("path", [("d", SVGWriter.polyline(pts)), ("fill", "none"), ("stroke", "#777777"),
                                 ("stroke-width", "1"), ("stroke-dasharray", "4 3")])
            guard let label = r.label, !label.isEmpty else { continue }
            if r.vertical {
                out.text(label, [("x", NumberFormat.coord(g.px(r.t) + 2.5)), ("y", NumberFormat.coord(plot.y + f)),
                                 ("font-size", NumberFormat.coord(f)), ("fill", "#444444")])
            } else {
                out.text(label, [("x", NumberFormat.coord(plot.maxX - 2)), ("y", NumberFormat.coord(g.py(r.t) - 2.5)),
                                 ("font-size", NumberFormat.coord(f)), ("text-anchor", "end"), ("fill", "#444444")])
            }
        }
    }

    private func drawNotes(into out: inout SVGWriter) {
        let g = geometry
        let f = FigureRenderer.tickFont
        for n in prepared.notes {
            out.text(n.text, [("x", NumberFormat.coord(g.px(n.x))), ("y", NumberFormat.coord(g.py(n.y) + f * 0.35)),
                              ("font-size", NumberFormat.coord(f)), ("text-anchor", n.anchor.rawValue)])
        }
    }

    private func drawAxes(into out: inout SVGWriter) {
        let g = geometry, plot = g.plot
        let tf = FigureRenderer.tickFont, tl = FigureRenderer.tickLength, tp = FigureRenderer.tickPad
        let hidden = prepared.heatmap.map { !$0.showAxes && !$0.isEmpty } ?? false
        if !hidden {
            // Left and bottom spines as one path so the corner joins cleanly.
            out.element("path", [("d", SVGWriter.polyline([(plot.x, plot.y), (plot.x, plot.maxY), (plot.maxX, plot.maxY)])),
                                 ("fill", "none"), ("stroke", "#000000"), ("stroke-width", "1"), ("stroke-linecap", "square")])
        }
        var d = ""
        for t in g.x.ticks { let x = g.px(t.t); d += SVGWriter.polyline([(x, plot.maxY), (x, plot.maxY + tl)]) }
        for t in g.y.ticks { let y = g.py(t.t); d += SVGWriter.polyline([(plot.x, y), (plot.x - tl, y)]) }
        for t in g.x.minor { let x = g.px(t); d += SVGWriter.polyline([(x, plot.maxY), (x, plot.maxY + tl * 0.6)]) }
        for t in g.y.minor { let y = g.py(t); d += SVGWriter.polyline([(plot.x, y), (plot.x - tl * 0.6, y)]) }
        if !d.isEmpty {
            out.element("path", [("d", d), ("fill", "none"), ("stroke", "#000000"), ("stroke-width", "1")])
        }
        let labelTop = plot.maxY + tl + tp
        for t in g.x.ticks {
            let x = g.px(t.t)
            if g.rotateXLabels {
                let y = labelTop + tf * 0.35
                out.text(t.label, [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(y)), ("font-size", NumberFormat.coord(tf)),
                                   ("text-anchor", "end"),
                                   ("transform", "rotate(-40 " + NumberFormat.coord(x) + " " + NumberFormat.coord(y) + ")")])
            } else {
                out.text(t.label, [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(labelTop + tf * 0.75)),
                                   ("font-size", NumberFormat.coord(tf)), ("text-anchor", "middle")])
            }
        }
        var yLabW = 0.0
        for t in g.y.ticks {
            yLabW = max(yLabW, TextMetrics.width(t.label, size: tf))
            out.text(t.label, [("x", NumberFormat.coord(plot.x - tl - tp)), ("y", NumberFormat.coord(g.py(t.t) + tf * 0.35)),
                               ("font-size", NumberFormat.coord(tf)), ("text-anchor", "end")])
        }
        let af = FigureRenderer.axisTitleFont
        let xTitle = (panel.xLabel ?? "") + g.x.titleSuffix
        if !xTitle.trimmingCharacters(in: .whitespaces).isEmpty {
            var labelH = g.x.ticks.isEmpty ? 0 : tf
            if g.rotateXLabels {
                let widest = g.x.ticks.map { TextMetrics.width($0.label, size: tf) }.max() ?? 0
                labelH = widest * sin(40 * Double.pi / 180) + tf * cos(40 * Double.pi / 180)
            }
            out.text(xTitle.trimmingCharacters(in: .whitespaces),
                     [("x", NumberFormat.coord(plot.x + plot.w / 2)), ("y", NumberFormat.coord(labelTop + labelH + 3 + af * 0.78)),
                      ("font-size", NumberFormat.coord(af)), ("text-anchor", "middle")])
        }
        let yTitle = (panel.yLabel ?? "") + g.y.titleSuffix
        if !yTitle.trimmingCharacters(in: .whitespaces).isEmpty {
            let x = plot.x - tl - tp - yLabW - 3 - af * 0.22
            let y = plot.y + plot.h / 2
            out.text(yTitle.trimmingCharacters(in: .whitespaces),
                     [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(y)), ("font-size", NumberFormat.coord(af)),
                      ("text-anchor", "middle"),
                      ("transform", "rotate(-90 " + NumberFormat.coord(x) + " " + NumberFormat.coord(y) + ")")])
        }
        if let t = panel.title, !t.isEmpty {
            out.text(t, [("x", NumberFormat.coord(plot.x + plot.w / 2)), ("y", NumberFormat.coord(plot.y - 4)),
                         ("font-size", NumberFormat.coord(FigureRenderer.panelTitleFont)), ("text-anchor", "middle")])
        }
    }
}
