/// Drawing primitives for series: stroked lines, markers, bands, bars.
enum MarkDrawing {
    static let lineWidth = 1.5
    static let markerSize = 4.5
    static let bandOpacity = 0.2
    static let histogramOpacity = 0.35

    /// A polyline in the series' colour and dash pattern.
    static func strokeLine(_ pts: [(Double, Double)], style: SeriesStyle, clip: String?, into out: inout SVGWriter) {
        guard pts.count >= 2 else { return }
        var a: [(String, String)] = [("d", SVGWriter.polyline(pts)), ("fill", "none"), ("stroke", style.color),
                                     ("stroke-width", NumberFormat.coord(lineWidth)), ("stroke-linejoin", "round")]
        if let d = style.dash { a.append(("stroke-dasharray", d)) }
        if let clip { a.append(("clip-path", "url(#" + clip + ")")) }
        out.element("path", a)
    }

    /// All markers of a series as one path element.
    static func markers(_ pts: [(Double, Double)], style: SeriesStyle, into out: inout SVGWriter) {
        guard !pts.isEmpty else { return }
        var d = ""
        d.reserveCapacity(pts.count * 60)
        for p in pts { d += style.marker.path(x: p.0, y: p.1, size: markerSize) }
        if style.marker.isStroked {
            out.element("path", [("d", d), ("fill", style.marker == .hollowCircle ? "#FFFFFF" : "none"),
                                 ("stroke", style.color), ("stroke-width", "1.2")])
        } else {
            out.element("path", [("d", d), ("fill", style.color)])
        }
    }

    /// The shaded region between `lower` and `upper` (already in pixels).
    static func band(x: [Double], lower: [Double], upper: [Double], style: SeriesStyle, clip: String?,
                     into out: inout SVGWriter) {
        guard x.count >= 2 else {
            // A single group: draw its spread as a vertical error bar instead of an area.
            if x.count == 1 {
                out.element("path", [("d", SVGWriter.polyline([(x[0], lower[0]), (x[0], upper[0])])),
                                     ("stroke", style.color), ("stroke-width", "1")])
            }
            return
        }
        var pts: [(Double, Double)] = []
        pts.reserveCapacity(x.count * 2)
        for i in 0..<x.count { pts.append((x[i], upper[i])) }
        for i in stride(from: x.count - 1, through: 0, by: -1) { pts.append((x[i], lower[i])) }
        var a: [(String, String)] = [("d", SVGWriter.polyline(pts) + "Z"), ("fill", style.color),
                                     ("fill-opacity", NumberFormat.fixed(bandOpacity)), ("stroke", "none")]
        if let clip { a.append(("clip-path", "url(#" + clip + ")")) }
        out.element("path", a)
    }
}
