import Foundation

/// A matrix prepared for drawing: row-major values, intentional gaps (between kernels), and how
/// many user values were not finite.
struct HeatmapData: Sendable {
    static let maxCells = 256

    var rows: Int
    var cols: Int
    /// Row-major; NaN marks a cell not drawn.
    var values: [Double]
    var colormap: Colormap
    var colorbarLabel: String?
    var showAxes: Bool
    var nonFinite: Int
    /// Size before downsampling, used for the index axes.
    var originalRows: Int = 0
    var originalCols: Int = 0
    /// Every value was 0 or 1 before downsampling (a pruning mask): greys over [0, 1].
    var isMask = false

    init(matrix: [[Double]], colormap: Colormap, colorbarLabel: String?) {
        let r = matrix.count
        let c = matrix.map(\.count).max() ?? 0
        var v = [Double](repeating: .nan, count: r * c)
        var bad = 0
        for (i, row) in matrix.enumerated() {
            for (j, x) in row.enumerated() {
                if x.isFinite { v[i * c + j] = x } else { bad += 1 }
            }
        }
        self.rows = r; self.cols = c; self.values = v
        self.colormap = colormap; self.colorbarLabel = colorbarLabel
        self.showAxes = true; self.nonFinite = bad
        downsample()
    }

    init(kernels: [[[Double]]], columns: Int?, colormap: Colormap, colorbarLabel: String?) {
        let kh = kernels.map(\.count).max() ?? 0
        let kw = kernels.flatMap { $0.map(\.count) }.max() ?? 0
        let k = kernels.count
        let gc = max(1, min(columns ?? Int(Double(k).squareRoot().rounded(.up)), max(k, 1)))
        let gr = k == 0 ? 0 : (k + gc - 1) / gc
        let r = gr == 0 ? 0 : gr * kh + (gr - 1)
        let c = gc * kw + (gc - 1)
        var v = [Double](repeating: .nan, count: max(0, r * c))
        var bad = 0
        for (n, kernel) in kernels.enumerated() {
            let r0 = (n / gc) * (kh + 1), c0 = (n % gc) * (kw + 1)
            for (i, row) in kernel.enumerated() {
                for (j, x) in row.enumerated() {
                    if x.isFinite { v[(r0 + i) * c + c0 + j] = x } else { bad += 1 }
                }
            }
        }
        self.rows = r; self.cols = kw == 0 ? 0 : c; self.values = kw == 0 ? [] : v
        self.colormap = colormap; self.colorbarLabel = colorbarLabel
        self.showAxes = false; self.nonFinite = bad
        downsample()
    }

    var isEmpty: Bool { rows == 0 || cols == 0 || !values.contains { !$0.isNaN } }

    /// A pruning mask drawn cell for cell (every value 0 or 1, none averaged away): two colours
    /// and a key, not a colour bar.
    var isBinary: Bool { isMask && values.allSatisfy { $0.isNaN || $0 == 0 || $0 == 1 } }

    /// Averages blocks so neither side exceeds `maxCells` (keeps the SVG small).
    private mutating func downsample() {
        originalRows = rows
        originalCols = cols
        isMask = values.contains { !$0.isNaN } && values.allSatisfy { $0.isNaN || $0 == 0 || $0 == 1 }
        let fr = (rows + HeatmapData.maxCells - 1) / HeatmapData.maxCells
        let fc = (cols + HeatmapData.maxCells - 1) / HeatmapData.maxCells
        guard fr > 1 || fc > 1 else { return }
        let nr = (rows + fr - 1) / fr, nc = (cols + fc - 1) / fc
        var out = [Double](repeating: .nan, count: nr * nc)
        for i in 0..<nr {
            for j in 0..<nc {
                var s = 0.0, n = 0
                for a in (i * fr)..<min(rows, (i + 1) * fr) {
                    for b in (j * fc)..<min(cols, (j + 1) * fc) where !values[a * cols + b].isNaN {
                        s += values[a * cols + b]; n += 1
                    }
                }
                if n > 0 { out[i * nc + j] = s / Double(n) }
            }
        }
        rows = nr; cols = nc; values = out
    }

    /// The colour map actually used and the value range it spans.
    func resolvedMap() -> (map: Colormap, lo: Double, hi: Double) {
        let finite = values.filter { !$0.isNaN }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        var map = colormap
        if map == .auto {
            if isMask { map = .greys }
            else if lo < 0 && hi > 0 { map = .diverging }
            else { map = .viridis }
        }
        switch map {
        case .greys where isMask || finite.allSatisfy({ $0 >= 0 && $0 <= 1 }): return (.greys, 0, 1)
        case .diverging:
            let m = max(abs(lo), abs(hi), 1e-300)
            return (.diverging, -m, m)
        default:
            if hi - lo <= 1e-12 * max(1, abs(hi)) { return (map, lo - 0.5, hi + 0.5) }
            return (map, lo, hi)
        }
    }
}

/// Colour stops of the maps, interpolated linearly in sRGB.
enum ColormapStops {
    static let viridis: [UInt32] = [
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ]
    static let diverging: [UInt32] = [
        0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B,
    ]
    static let greys: [UInt32] = [0xFFFFFF, 0x000000]

    static func stops(_ map: Colormap) -> [UInt32] {
        switch map {
        case .viridis, .auto: return viridis
        case .diverging: return diverging
        case .greys: return greys
        }
    }

    /// Colour at u ∈ [0, 1], quantised to 8 bits per channel, as `#RRGGBB`.
    static func color(_ map: Colormap, _ u: Double) -> String {
        let s = stops(map)
        let x = max(0, min(1, u.isFinite ? u : 0)) * Double(s.count - 1)
        let i = min(s.count - 2, Int(x))
        let f = x - Double(i)
        func ch(_ c: UInt32, _ shift: UInt32) -> Double { Double((c >> shift) & 0xFF) }
        var out = "#"
        for shift: UInt32 in [16, 8, 0] {
            let v = Int((ch(s[i], shift) * (1 - f) + ch(s[i + 1], shift) * f).rounded())
            out += hex2(v)
        }
        return out
    }

    static func hex2(_ v: Int) -> String {
        let digits = Array("0123456789ABCDEF")
        let c = max(0, min(255, v))
        return String(digits[c / 16]) + String(digits[c % 16])
    }
}

/// Drawing of heatmap cells and colour bars.
enum HeatmapDrawing {
    /// Cells of `data` in the rectangle (x, y, w, h); runs of equal colour in a row become one rect.
    static func cells(_ data: HeatmapData, x: Double, y: Double, w: Double, h: Double,
                      map: Colormap, lo: Double, hi: Double, into out: inout SVGWriter) {
        guard data.rows > 0, data.cols > 0 else { return }
        out.open("g", [("shape-rendering", "crispEdges")])
        let cw = w / Double(data.cols), chh = h / Double(data.rows)
        for i in 0..<data.rows {
            var j = 0
            while j < data.cols {
                let v = data.values[i * data.cols + j]
                if v.isNaN { j += 1; continue }
                let col = ColormapStops.color(map, (v - lo) / (hi - lo))
                var k = j + 1
                while k < data.cols {
                    let w2 = data.values[i * data.cols + k]
                    if w2.isNaN || ColormapStops.color(map, (w2 - lo) / (hi - lo)) != col { break }
                    k += 1
                }
                out.element("rect", [("x", NumberFormat.coord(x + Double(j) * cw)),
                                     ("y", NumberFormat.coord(y + Double(i) * chh)),
                                     ("width", NumberFormat.coord(Double(k - j) * cw)),
                                     ("height", NumberFormat.coord(chh)), ("fill", col)])
                j = k
            }
        }
        out.close("g")
    }

    /// A vertical colour bar with a gradient (id `<prefix>-grad-<n>`) and tick labels on its right.
    static func colorbar(map: Colormap, lo: Double, hi: Double, x: Double, y: Double, w: Double, h: Double,
                         gradientID: String, label: String?, fontSize: Double, into out: inout SVGWriter) {
        out.open("defs")
        out.open("linearGradient", [("id", gradientID), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")])
        let stops = ColormapStops.stops(map)
        for (i, _) in stops.enumerated() {
            let u = Double(i) / Double(stops.count - 1)
            out.element("stop", [("offset", NumberFormat.fixed(u, decimals: 4)), ("stop-color", ColormapStops.color(map, u))])
        }
        out.close("linearGradient")
        out.close("defs")
        out.element("rect", [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(y)), ("width", NumberFormat.coord(w)),
                             ("height", NumberFormat.coord(h)), ("fill", "url(#" + gradientID + ")"),
                             ("stroke", "#000000"), ("stroke-width", "1")])
        let (ticks, labels) = colorbarTicks(lo: lo, hi: hi, length: h)
        for (t, lab) in zip(ticks, labels) {
            let py = y + h - (t - lo) / (hi - lo) * h
            out.element("line", [("x1", NumberFormat.coord(x + w)), ("y1", NumberFormat.coord(py)),
                                 ("x2", NumberFormat.coord(x + w + 3)), ("y2", NumberFormat.coord(py)),
                                 ("stroke", "#000000"), ("stroke-width", "1")])
            out.text(lab, [("x", NumberFormat.coord(x + w + 5)), ("y", NumberFormat.coord(py + fontSize * 0.35)),
                           ("font-size", NumberFormat.coord(fontSize))])
        }
        if let label, !label.isEmpty {
            let lx = x + w + 7 + (labels.map { TextMetrics.width($0, size: fontSize) }.max() ?? 0) + fontSize * 0.9
            let ly = y + h / 2
            out.text(label, [("x", NumberFormat.coord(lx)), ("y", NumberFormat.coord(ly)),
                             ("font-size", NumberFormat.coord(fontSize + 1)), ("text-anchor", "middle"),
                             ("transform", "rotate(-90 " + NumberFormat.coord(lx) + " " + NumberFormat.coord(ly) + ")")])
        }
    }

    /// The key of a binary mask: a black swatch "kept" above a white one "pruned".
    static let binaryKey = [("kept", "#000000"), ("pruned", "#FFFFFF")]

    static func binaryKey(x: Double, y: Double, fontSize: Double, into out: inout SVGWriter) {
        for (k, (label, fill)) in binaryKey.enumerated() {
            let top = y + Double(k) * (fontSize + 6)
            out.element("rect", [("x", NumberFormat.coord(x)), ("y", NumberFormat.coord(top)), ("width", NumberFormat.coord(fontSize)),
                                 ("height", NumberFormat.coord(fontSize)), ("fill", fill), ("stroke", "#000000"), ("stroke-width", "1")])
            out.text(label, [("x", NumberFormat.coord(x + fontSize + 4)), ("y", NumberFormat.coord(top + fontSize * 0.85)),
                             ("font-size", NumberFormat.coord(fontSize))])
        }
    }

    static func binaryKeyWidth(fontSize: Double) -> Double {
        8 + fontSize + 4 + (binaryKey.map { TextMetrics.width($0.0, size: fontSize) }.max() ?? 0) + 2
    }

    static func colorbarTicks(lo: Double, hi: Double, length: Double) -> ([Double], [String]) {
        let m = max(2, min(6, Int(length / 28) + 1))
        let tol = (hi - lo) * 1e-9
        let ticks = TickGenerator.extended(dmin: lo, dmax: hi, m: m).filter { $0 >= lo - tol && $0 <= hi + tol }
        let (labels, suffix) = Axis.linearLabels(ticks)
        // Colour bars have no room for a separate exponent; append it to the top label instead.
        var ls = labels
        if !suffix.isEmpty, let last = ls.indices.last { ls[last] += suffix }
        return (ticks, ls)
    }

    /// Width the colour bar needs to the right of the plot area (bar, ticks, labels, title).
    static func colorbarWidth(lo: Double, hi: Double, length: Double, label: String?, fontSize: Double) -> Double {
        let (_, labels) = colorbarTicks(lo: lo, hi: hi, length: length)
        let lw = labels.map { TextMetrics.width($0, size: fontSize) }.max() ?? 0
        return 8 + 8 + 7 + lw + ((label?.isEmpty ?? true) ? 2 : fontSize * 1.4 + 2)
    }
}
