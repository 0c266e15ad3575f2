/// One plot area with its own axes: the unit of small multiples.
///
/// Scales left nil are chosen from the marks: `category` for bars, `log` for log-binned
/// histograms on x or log-count histograms on y, `linear` otherwise.
public struct Panel: Sendable {
    /// Scale of the x axis; nil chooses from the marks.
    public var xScale: Scale?
    /// Scale of the y axis; nil chooses from the marks.
    public var yScale: Scale?
    /// Axis titles (units in parentheses by convention, e.g. "Test accuracy (%)").
    public var xLabel: String?
    public var yLabel: String?
    /// Optional panel title (small multiples); figure titles usually belong in the caption.
    public var title: String?
    /// Axis limits in data units; nil fits the data (with nice ticks and a little padding).
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    /// Text shown in the middle of the frame when there is nothing to draw.
    public var emptyNote: String = "No data"
    /// The marks, in drawing order.
    public private(set) var marks: [Mark] = []

    /// An empty panel with optional scales and titles.
    public init(xScale: Scale? = nil, yScale: Scale? = nil, xLabel: String? = nil, yLabel: String? = nil,
                title: String? = nil) {
        self.xScale = xScale
        self.yScale = yScale
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.title = title
    }

    /// Adds a mark; marks are drawn in the order added.
    public mutating func add(_ mark: Mark) { marks.append(mark) }
}

/// Where the legend goes.
public enum LegendPlacement: Sendable, Equatable {
    /// Inside the first panel in a corner that covers no data, else to the right of the panels.
    case auto
    /// To the right of the panels.
    case right
    /// Inside the first panel at the given corner, even if it covers data.
    case inside(Corner)
    /// No legend.
    case none

    public enum Corner: String, Sendable, CaseIterable { case topRight, topLeft, bottomRight, bottomLeft }
}
