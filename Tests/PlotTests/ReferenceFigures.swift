import Plot

/// The reference figures used by the golden, XML, rendering and determinism tests.
/// Data is synthetic and deterministic (a fixed linear congruential generator), never random.
enum ReferenceFigures {
    /// Deterministic pseudo-noise in [-1, 1].
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    static let methods = ["Dense", "Random", "Magnitude", "SNIP", "GraSP", "SynFlow", "IMP"]
    static let sparsities = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]

    /// 7 methods × 6 sparsities × 3 seeds: mean ± sd bands on a sparsity axis with a legend.
    static func sparsityBands(methods: Int = 7) -> Figure {
        var fig = Figure()
        fig.panels[0].xScale = .sparsity
        fig.panels[0].xLabel = "Sparsity"
        fig.panels[0].yLabel = "Test accuracy (%)"
        var noise = Noise(state: 42)
        for (mi, name) in ReferenceFigures.methods.prefix(methods).enumerated() {
            var xs: [Double] = [], ys: [Double] = []
            for s in sparsities {
                let t = -log10(1 - s)
                let drop = mi == 0 ? 0 : Double(mi) * 0.9 * t * t
                for _ in 0..<3 {
                    xs.append(s)
                    ys.append(92 - drop + noise.next() * (0.4 + 0.3 * t))
                }
            }
            fig.add(.band(x: xs, y: ys, label: name))
        }
        return fig
    }

    /// Lines with markers and a legend, a reference line and an annotation.
    static func lineWithLegend() -> Figure {
        var fig = Figure()
        fig.panels[0].xLabel = "Epoch"
        fig.panels[0].yLabel = "Training loss"
        fig.panels[0].yScale = .log
        let epochs = (0...10).map(Double.init)
        fig.add(.line(x: epochs, y: epochs.map { 2.3 * pow(0.55, $0) + 0.02 }, label: "Dense"))
        fig.add(.line(x: epochs, y: epochs.map { 2.3 * pow(0.62, $0) + 0.04 }, label: "SNIP 90%"))
        fig.add(.line(x: epochs, y: epochs.map { 2.3 * pow(0.75, $0) + 0.08 }, label: "Random 90%"))
        fig.add(.hline(0.1, label: "target"))
        fig.add(.text("lr warm-up ends", x: 3.3, y: 1.6))
        return fig
    }

    /// Histogram of weight magnitudes with log bins and log counts.
    static func histogram() -> Figure {
        var fig = Figure()
        fig.panels[0].xLabel = "|weight|"
        fig.panels[0].yLabel = "Count"
        var noise = Noise(state: 7)
        var values: [Double] = []
        for _ in 0..<4000 {
            // Roughly log-normal magnitudes.
            let g = (noise.next() + noise.next() + noise.next()) * 1.2
            values.append(0.01 * pow(10, g))
        }
        fig.add(.histogram(values, bins: 30, logBins: true, logCounts: true, label: "layer 3"))
        return fig
    }

    /// A saliency heatmap (signed values, diverging map) next to a 3×3 conv kernel grid.
    static func heatmaps() -> Figure {
        var fig = Figure(size: .twoColumn, panelCount: 2, columns: 2)
        var noise = Noise(state: 3)
        let matrix = (0..<24).map { i in (0..<32).map { j in sin(Double(i) / 4) * cos(Double(j) / 5) + 0.2 * noise.next() } }
        fig.panels[0].add(.heatmap(matrix, colorbarLabel: "Saliency"))
        fig.panels[0].xLabel = "Input unit"
        fig.panels[0].yLabel = "Output unit"
        fig.panels[0].title = "fc1 saliency"
        let kernels = (0..<16).map { k in (0..<3).map { i in (0..<3).map { j in noise.next() * (1 + Double((k + i + j) % 3)) / 3 } } }
        fig.panels[1].add(.kernelGrid(kernels, colorbarLabel: "Weight"))
        fig.panels[1].title = "conv1 kernels"
        return fig
    }

    /// Grouped bars with error bars across categories.
    static func groupedBars() -> Figure {
        var fig = Figure()
        fig.panels[0].yLabel = "Accuracy at 99% sparsity (%)"
        let cats = ["MNIST", "CIFAR-10", "CIFAR-100"]
        fig.add(.bars(categories: cats, values: [97.1, 80.2, 45.3], errors: [0.3, 0.9, 1.2], label: "SNIP"))
        fig.add(.bars(categories: cats, values: [97.4, 82.9, 49.8], errors: [0.2, 0.7, 1.0], label: "GraSP"))
        fig.add(.bars(categories: cats, values: [97.9, 85.1, 53.2], errors: [0.2, 0.5, 0.8], label: "SynFlow"))
        return fig
    }

    static let all: [(name: String, figure: Figure)] = [
        ("line-legend", lineWithLegend()),
        ("sparsity-bands", sparsityBands()),
        ("histogram", histogram()),
        ("heatmaps", heatmaps()),
        ("grouped-bars", groupedBars()),
    ]
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
