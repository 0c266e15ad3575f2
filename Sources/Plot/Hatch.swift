/// Hatch patterns laid over bar fills, one per series index, so bars stay distinguishable in
/// greyscale (Okabe–Ito orange and sky blue have almost the same luminance). Series 0 is plain.
/// Pattern ids are `<prefix>-hatch-<style>`, declared once per figure.
enum Hatch {
    /// Pattern path in a 4 × 4 pt tile, nil for "no hatch".
    static func tile(_ style: Int) -> String? {
        switch style % 8 {
        case 0: return nil
        case 1: return "M-1 1L1 -1M0 4L4 0M3 5L5 3"           // ///
        case 2: return "M-1 3L1 5M0 0L4 4M3 -1L5 1"           // \\\
        case 3: return "M0 2L4 2"                             // horizontal
        case 4: return "M2 0L2 4"                             // vertical
        case 5: return "M-1 1L1 -1M0 4L4 0M3 5L5 3M-1 3L1 5M0 0L4 4M3 -1L5 1"  // crossed
        case 6: return "M0 2L4 2M2 0L2 4"                     // grid
        default: return "M0 1L4 1"                            // sparse horizontal
        }
    }

    static func id(prefix: String, style: Int) -> String? {
        tile(style) == nil ? nil : prefix + "-hatch-" + String(style)
    }

    /// `<defs>` with the patterns for the given style indices (in increasing order).
    static func defs(styles: [Int], prefix: String, into out: inout SVGWriter) {
        let used = Array(Set(styles)).sorted().filter { tile($0) != nil }
        guard !used.isEmpty else { return }
        out.open("defs")
        for s in used {
            guard let d = tile(s), let id = id(prefix: prefix, style: s) else { continue }
            out.open("pattern", [("id", id), ("patternUnits", "userSpaceOnUse"), ("width", "4"), ("height", "4")])
            out.element("path", [("d", d), ("fill", "none"), ("stroke", "#FFFFFF"), ("stroke-width", "1")])
            out.close("pattern")
        }
        out.close("defs")
    }

    /// A rectangle filled with the style's colour and, on top, its hatch.
    static func rect(x: Double, y: Double, w: Double, h: Double, style: Int, prefix: String, into out: inout SVGWriter) {
        let geo: [(String, String)] = [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(y)),
                                       ("width", NumberFormat.coord(w)), ("height", NumberFormat.coord(h))]
        out.element("rect", geo + [("fill", SeriesStyle.series(style).color)])
        if let id = id(prefix: prefix, style: style) {
            out.element("rect", geo + [("fill", "url(#" + id + ")")])
        }
    }
}
