/// A figure: a grid of panels, an optional title and a shared legend, rendered to SVG.
///
/// ```swift
/// var fig = Figure()                                  // one column: 3.5 × 2.4 in
/// fig.panels[0].xScale = .sparsity
/// fig.panels[0].xLabel = "Sparsity"
/// fig.panels[0].yLabel = "Test accuracy (%)"
/// fig.add(.band(x: s, y: acc, label: "SNIP"))
/// let svg = fig.svg(idPrefix: "fig1")
/// ```
/// Sizes are in pt (1/72 in) and the SVG is drawn at its final size, so 8–10 pt text stays
/// 8–10 pt in the paper. Rendering is deterministic: the same figure gives the same bytes.
public struct Figure: Sendable {
    /// Standard sizes in pt.
    public struct Size: Sendable, Equatable {
        public var width: Double
        public var height: Double
        /// A size in pt.
        public init(width: Double, height: Double) { self.width = width; self.height = height }
        /// One column of a two-column paper: 3.5 × 2.4 in.
        public static let oneColumn = Size(width: 252, height: 172.8)
        /// Full text width of a two-column paper: 7 × 2.6 in.
        public static let twoColumn = Size(width: 504, height: 187.2)
    }

    /// Size in pt; the SVG is written at exactly this size.
    public var width: Double
    public var height: Double
    /// Optional title above the panels (papers usually put it in the caption instead).
    public var title: String?
    /// Panels in row-major order, `columns` per row.
    public var panels: [Panel]
    /// Panels per row of the grid.
    public var columns: Int
    /// Where the shared legend goes (labelled series of all panels, each label once).
    public var legend: LegendPlacement = .auto
    /// CSS-free font list written as the `font-family` presentation attribute.
    public var fontFamily: String = "Helvetica, Arial, sans-serif"

    /// A figure of the given size in pt with `panelCount` empty panels laid out `columns` wide.
    public init(width: Double = Size.oneColumn.width, height: Double = Size.oneColumn.height,
                panelCount: Int = 1, columns: Int? = nil) {
        self.width = width
        self.height = height
        let n = max(1, panelCount)
        self.panels = Array(repeating: Panel(), count: n)
        self.columns = max(1, min(columns ?? n, n))
    }

    /// A figure of a standard size.
    public init(size: Size, panelCount: Int = 1, columns: Int? = nil) {
        self.init(width: size.width, height: size.height, panelCount: panelCount, columns: columns)
    }

    /// Adds a mark to the first panel.
    public mutating func add(_ mark: Mark) {
        if panels.isEmpty { panels.append(Panel()) }
        panels[0].add(mark)
    }

    /// What the figure shows, in one line, for alt text: its title, then each panel's title and
    /// axis titles, e.g. `Figure: SNIP scores. x: log10 |score|; y: count`.
    public var altText: String {
        var parts: [String] = []
        for (n, panel) in panels.enumerated() {
            var axes: [String] = []
            if let x = panel.xLabel, !x.isEmpty { axes.append("x: " + x) }
            if let y = panel.yLabel, !y.isEmpty { axes.append("y: " + y) }
            var text = axes.joined(separator: "; ")
            if let t = panel.title, !t.isEmpty {
                text = t + (text.isEmpty ? "" : " (" + text + ")")
            } else if panels.count > 1, !text.isEmpty {
                text = "panel \(n + 1) (" + text + ")"
            }
            if !text.isEmpty { parts.append(text) }
        }
        let head = title.map { $0.isEmpty ? "Figure" : "Figure: " + $0 } ?? "Figure"
        let body = parts.joined(separator: " | ")
        return (body.isEmpty ? head : head + ". " + body).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Problems met while preparing the data (dropped non-finite or out-of-scale values, …).
    public var warnings: [String] { render(idPrefix: "w").warnings }

    /// The SVG document. `idPrefix` starts every id in it, so several figures can share a page.
    public func svg(idPrefix: String = "fig") -> String { render(idPrefix: idPrefix).svg }

    /// The SVG document together with the warnings collected while drawing it.
    public func render(idPrefix: String = "fig") -> RenderedFigure {
        var r = FigureRenderer(figure: self, idPrefix: FigureRenderer.sanitize(idPrefix))
        return r.run()
    }
}

/// Output of ``Figure/render(idPrefix:)``.
public struct RenderedFigure: Sendable {
    /// The SVG document.
    public let svg: String
    /// Problems met while preparing the data, e.g. dropped non-finite values.
    public let warnings: [String]
    /// Plot areas of the panels in SVG user units (pt): x, y, width, height. Useful for tests.
    public let plotAreas: [(x: Double, y: Double, width: Double, height: Double)]
}
