/// How the spread of grouped samples (e.g. several seeds per x) is shown around their mean.
public enum ErrorKind: String, Sendable, CaseIterable {
    /// Sample standard deviation (n − 1 denominator).
    case standardDeviation = "sd"
    /// Standard error of the mean: sd / √n.
    case standardError = "se"
}

/// Horizontal anchor of a text annotation.
public enum TextAnchor: String, Sendable { case start, middle, end }

/// Colour maps for heatmaps.
public enum Colormap: String, Sendable {
    /// Greys for 0/1 masks, a diverging map for data of both signs, viridis otherwise.
    case auto
    /// Perceptually uniform sequential map (matplotlib's viridis).
    case viridis
    /// Blue–white–red, symmetric around zero (ColorBrewer RdBu), for signed saliencies.
    case diverging
    /// White (0) to black (1), for masks.
    case greys
}

/// Something drawn inside a panel. Build marks with the static constructors (`.line`, `.scatter`,
/// `.band`, `.bars`, `.histogram`, `.heatmap`, `.kernelGrid`, `.hline`, `.vline`, `.text`) and add
/// them with ``Panel/add(_:)`` or ``Figure/add(_:)``. Data is kept as given; non-finite values
/// are dropped when the figure is drawn and reported in ``Figure/warnings``.
public struct Mark: Sendable {
    enum Kind: Sendable {
        case line(x: [Double], y: [Double], markers: Bool)
        case scatter(x: [Double], y: [Double])
        case band(x: [Double], y: [Double], error: ErrorKind, markers: Bool)
        case bars(categories: [String], values: [Double], errors: [Double]?)
        case histogram(values: [Double], bins: Int, logBins: Bool, logCounts: Bool)
        case heatmap(HeatmapData)
        case hline(Double)
        case vline(Double)
        case text(String, x: Double, y: Double, anchor: TextAnchor)
    }

    let kind: Kind
    /// Legend label; unlabelled marks get a style but no legend entry.
    public let label: String?

    /// A line through (x[i], y[i]) with a marker at each point (`markers: false` for a bare line).
    public static func line(x: [Double], y: [Double], label: String? = nil, markers: Bool = true) -> Mark {
        Mark(kind: .line(x: x, y: y, markers: markers), label: label)
    }

    /// Unconnected markers.
    public static func scatter(x: [Double], y: [Double], label: String? = nil) -> Mark {
        Mark(kind: .scatter(x: x, y: y), label: label)
    }

    /// Mean ± spread of grouped samples: `x` may repeat (e.g. three seeds per sparsity); samples
    /// with equal x form one group. Draws the mean line with markers and a shaded band.
    public static func band(x: [Double], y: [Double], label: String? = nil,
                            error: ErrorKind = .standardDeviation, markers: Bool = true) -> Mark {
        Mark(kind: .band(x: x, y: y, error: error, markers: markers), label: label)
    }

    /// Mean ± spread where `samples[i]` are the samples (seeds) at `x[i]`.
    public static func band(x: [Double], samples: [[Double]], label: String? = nil,
                            error: ErrorKind = .standardDeviation, markers: Bool = true) -> Mark {
        var xs: [Double] = [], ys: [Double] = []
        for (i, group) in samples.enumerated() where i < x.count {
            for v in group { xs.append(x[i]); ys.append(v) }
        }
        return band(x: xs, y: ys, label: label, error: error, markers: markers)
    }

    /// One bar per category; several `bars` marks in a panel are grouped side by side.
    /// `errors` draws ± error bars.
    public static func bars(categories: [String], values: [Double], errors: [Double]? = nil,
                            label: String? = nil) -> Mark {
        Mark(kind: .bars(categories: categories, values: values, errors: errors), label: label)
    }

    /// Histogram of `values` with `bins` bins, equal width or (`logBins`) equal width in log10
    /// (positive values only; the x scale then defaults to log). `logCounts` makes the y scale
    /// default to log.
    public static func histogram(_ values: [Double], bins: Int = 20, logBins: Bool = false,
                                 logCounts: Bool = false, label: String? = nil) -> Mark {
        Mark(kind: .histogram(values: values, bins: max(1, bins), logBins: logBins, logCounts: logCounts), label: label)
    }

    /// A heatmap of a 2-D matrix (`matrix[row][column]`, row 0 at the top) with a colour bar.
    /// Large matrices are averaged down to at most 256 × 256 cells.
    public static func heatmap(_ matrix: [[Double]], colormap: Colormap = .auto,
                               colorbarLabel: String? = nil) -> Mark {
        Mark(kind: .heatmap(HeatmapData(matrix: matrix, colormap: colormap, colorbarLabel: colorbarLabel)), label: nil)
    }

    /// A grid of small heatmaps, one per conv kernel (`kernels[k][row][column]`), sharing one
    /// colour scale, laid out `columns` wide (default: about square), without axes.
    public static func kernelGrid(_ kernels: [[[Double]]], columns: Int? = nil, colormap: Colormap = .auto,
                                  colorbarLabel: String? = nil) -> Mark {
        Mark(kind: .heatmap(HeatmapData(kernels: kernels, columns: columns, colormap: colormap,
                                         colorbarLabel: colorbarLabel)), label: nil)
    }

    /// A horizontal reference line at `y`, optionally labelled at its right end.
    public static func hline(_ y: Double, label: String? = nil) -> Mark { Mark(kind: .hline(y), label: label) }

    /// A vertical reference line at `x`, optionally labelled at its top.
    public static func vline(_ x: Double, label: String? = nil) -> Mark { Mark(kind: .vline(x), label: label) }

    /// A text annotation at data coordinates (x, y).
    public static func text(_ text: String, x: Double, y: Double, anchor: TextAnchor = .start) -> Mark {
        Mark(kind: .text(text, x: x, y: y, anchor: anchor), label: nil)
    }

    /// Whether the mark is a data series that takes a style and may appear in the legend.
    var isSeries: Bool {
        switch kind {
        case .line, .scatter, .band, .bars, .histogram: return true
        case .heatmap, .hline, .vline, .text: return false
        }
    }
}
