/// The figure legend: one entry per labelled series (figure-wide, in order of first appearance),
/// each with a swatch in the series' colour, dash and marker.
struct Legend {
    enum Swatch { case line(markers: Bool), marker, band(markers: Bool), box, outlinedBox }
    struct Entry { var label: String; var style: Int; var swatch: Swatch }

    static let fontSize = 8.0
    static let rowHeight = 10.5
    static let swatchWidth = 18.0
    static let padding = 3.0

    var entries: [Entry]

    var width: Double {
        let text = entries.map { TextMetrics.width($0.label, size: Legend.fontSize) }.max() ?? 0
        return Legend.padding * 2 + Legend.swatchWidth + 4 + text
    }

    var height: Double { Legend.padding * 2 + Double(entries.count) * Legend.rowHeight }

    /// Draws the legend with its top-left corner at (x, y) on a white background.
    func draw(x: Double, y: Double, prefix: String, into out: inout SVGWriter) {
        out.open("g", [])
        out.element("rect", [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(y)),
                             ("width", NumberFormat.coord(width)), ("height", NumberFormat.coord(height)),
                             ("fill", "#FFFFFF"), ("fill-opacity", "0.9")])
        for (i, e) in entries.enumerated() {
            let cy = y + Legend.padding + (Double(i) + 0.5) * Legend.rowHeight
            let x0 = x + Legend.padding, x1 = x0 + Legend.swatchWidth
            let st = SeriesStyle.series(e.style)
            switch e.swatch {
            case .band(let markers):
                out.element("rect", [("x", NumberFormat.coord(x0)), ("y", NumberFormat.coord(cy - 3.5)),
                                     ("width", NumberFormat.coord(Legend.swatchWidth)), ("height", "7"),
                                     ("fill", st.color), ("fill-opacity", NumberFormat.fixed(MarkDrawing.bandOpacity))])
                MarkDrawing.strokeLine([(x0, cy), (x1, cy)], style: st, clip: nil, into: &out)
                if markers { MarkDrawing.markers([((x0 + x1) / 2, cy)], style: st, into: &out) }
            case .line(let markers):
                MarkDrawing.strokeLine([(x0, cy), (x1, cy)], style: st, clip: nil, into: &out)
                if markers { MarkDrawing.markers([((x0 + x1) / 2, cy)], style: st, into: &out) }
            case .marker:
                MarkDrawing.markers([((x0 + x1) / 2, cy)], style: st, into: &out)
            case .outlinedBox:
                out.element("rect", [("x", NumberFormat.coord(x0 + 4)), ("y", NumberFormat.coord(cy - 4)),
                                     ("width", "10"), ("height", "8"), ("fill", st.color),
                                     ("fill-opacity", NumberFormat.fixed(MarkDrawing.histogramOpacity)),
                                     ("stroke", st.color), ("stroke-width", "1")])
            case .box:
                Hatch.rect(x: x0 + 3, y: cy - 4, w: 12, h: 8, style: e.style, prefix: prefix, into: &out)
            }
            out.text(e.label, [("x", NumberFormat.coord(x1 + 4)), ("y", NumberFormat.coord(cy + Legend.fontSize * 0.35)),
                               ("font-size", NumberFormat.coord(Legend.fontSize))])
        }
        out.close("g")
    }
}
