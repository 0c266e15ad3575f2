/// Per-series style: colour, dash pattern and marker shape all change with the series index, so
/// series stay distinguishable in greyscale print and for colour-blind readers.
public struct SeriesStyle: Sendable, Equatable {
    /// `#RRGGBB` colour from the Okabe–Ito palette.
    public var color: String
    /// SVG `stroke-dasharray` value, nil for a solid line.
    public var dash: String?
    /// Marker shape drawn at each data point.
    public var marker: MarkerShape

    /// Style of the `index`-th series of a figure.
    public static func series(_ index: Int) -> SeriesStyle {
        let i = max(0, index)
        return SeriesStyle(color: Palette.seriesColor(i),
                           dash: SeriesStyle.dashes[i % SeriesStyle.dashes.count],
                           marker: MarkerShape.allCases[i % MarkerShape.allCases.count])
    }

    /// Dash patterns in pt for 1.5 pt lines; distinct in rhythm, not only in length.
    static let dashes: [String?] = [
        nil, "5 2", "1.5 1.5", "6 2 1.5 2", "2.5 2.5", "9 2.5", "1.5 1.5 1.5 4", "9 2 2 2 2 2",
    ]
}

/// Marker shapes, in the order series take them.
public enum MarkerShape: String, Sendable, CaseIterable {
    case circle, square, triangle, diamond, triangleDown, plus, cross, hollowCircle

    /// SVG path data for the marker centred at (x, y), about `size` pt across.
    func path(x: Double, y: Double, size: Double) -> String {
        let r = size / 2
        func p(_ dx: Double, _ dy: Double) -> String { NumberFormat.coord(x + dx) + " " + NumberFormat.coord(y + dy) }
        switch self {
        case .circle, .hollowCircle:
            return "M" + p(-r, 0) + "A" + NumberFormat.coord(r) + " " + NumberFormat.coord(r) + " 0 1 0 " + p(r, 0)
                + "A" + NumberFormat.coord(r) + " " + NumberFormat.coord(r) + " 0 1 0 " + p(-r, 0) + "Z"
        case .square:
            let s = r * 0.88
            return "M" + p(-s, -s) + "L" + p(s, -s) + "L" + p(s, s) + "L" + p(-s, s) + "Z"
        case .triangle:
            let s = r * 1.15
            return "M" + p(0, -s) + "L" + p(s, s * 0.75) + "L" + p(-s, s * 0.75) + "Z"
        case .triangleDown:
            let s = r * 1.15
            return "M" + p(0, s) + "L" + p(s, -s * 0.75) + "L" + p(-s, -s * 0.75) + "Z"
        case .diamond:
            let s = r * 1.2
            return "M" + p(0, -s) + "L" + p(s * 0.8, 0) + "L" + p(0, s) + "L" + p(-s * 0.8, 0) + "Z"
        case .plus:
            let s = r * 1.1
            return "M" + p(-s, 0) + "L" + p(s, 0) + "M" + p(0, -s) + "L" + p(0, s)
        case .cross:
            let s = r * 0.85
            return "M" + p(-s, -s) + "L" + p(s, s) + "M" + p(-s, s) + "L" + p(s, -s)
        }
    }

    /// Stroked shapes (plus, cross, hollow circle) are drawn with a stroke, the rest filled.
    var isStroked: Bool { self == .plus || self == .cross || self == .hollowCircle }
}

extension Palette {
    /// Series order: Okabe–Ito without the yellow (hard to see as a thin line on white) until
    /// seven series are in use; the yellow comes last.
    public static let seriesOrder: [String] = [
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442",
    ]

    /// Colour of the `index`-th series of a figure (cycling through ``seriesOrder``).
    public static func seriesColor(_ index: Int) -> String {
        seriesOrder[((index % seriesOrder.count) + seriesOrder.count) % seriesOrder.count]
    }
}
