import Foundation
import Testing
@testable import Plot

struct ScaleTests {
    @Test func namesParse() {
        #expect(Scale(name: "linear")?.kind == .linear)
        #expect(Scale(name: "log")?.kind == .log)
        #expect(Scale(name: "sparsity")?.kind == .sparsity)
        #expect(Scale(name: "category")?.kind == .category)
        #expect(Scale(name: "compression")?.sparsityLabels == .compression)
        #expect(Scale(name: "cubic") == nil)
        #expect(Scale.sparsity.name == "sparsity")
    }

    @Test func sparsityNinesAreEvenlySpaced() throws {
        let s = Scale.sparsity
        let t = try [0.9, 0.99, 0.999, 0.9999].map { try #require(s.transform($0)) }
        for i in 1..<t.count { #expect(abs((t[i] - t[i - 1]) - 1) < 1e-9) }
        #expect(s.transform(1) == nil)
        #expect(s.transform(-0.1) == nil)
        #expect(abs(s.inverse(2) - 0.99) < 1e-12)
    }

    func axis(_ scale: Scale, _ lo: Double, _ hi: Double, length: Double = 200) -> Axis {
        Axis.resolve(Axis.Request(scale: scale, data: (scale.transform(lo) ?? 0, scale.transform(hi) ?? 1),
                                  length: length, spacing: 50))
    }

    @Test func sparsityLabels() {
        #expect(axis(.sparsity, 0.9, 0.9999).ticks.map(\.label) == ["90%", "99%", "99.9%", "99.99%"])
        #expect(axis(.sparsity(labels: .compression), 0.9, 0.9999).ticks.map(\.label) == ["10×", "100×", "1000×", "10000×"])
        // The axis starts at the data's nice lower end (50%), not at 0%.
        #expect(axis(.sparsity, 0.5, 0.999).ticks.map(\.label) == ["50%", "90%", "99%", "99.9%"])
    }

    @Test func logLabels() {
        #expect(axis(.log, 0.01, 100, length: 300).ticks.map(\.label) == ["10⁻²", "10⁻¹", "10⁰", "10¹", "10²"])
        #expect(axis(.log(labels: .plain), 0.01, 100, length: 300).ticks.map(\.label) == ["0.01", "0.1", "1", "10", "100"])
        // A short axis labels every other decade; the others become minor ticks.
        #expect(axis(.log, 0.01, 100, length: 150).ticks.map(\.label) == ["10⁻²", "10⁰", "10²"])
        let a = axis(.log, 1, 1000)
        #expect(a.minor.count == 3 * 8)   // 2…9 in each of three decades
    }

    @Test func linearLabelsUseSharedExponentForHugeAndTiny() {
        let huge = axis(.linear, 0, 3e9)
        #expect(huge.titleSuffix == " (×10⁹)")
        #expect(huge.ticks.allSatisfy { !$0.label.contains("e") })
        let tiny = axis(.linear, 1e-9, 4e-9)
        #expect(tiny.titleSuffix == " (×10⁻⁹)")
        #expect(axis(.linear, -3.2, 7.9).ticks.first?.label == "\u{2212}2.5")   // typographic minus
    }

    @Test func integerDataGetsIntegerTicks() {
        let a = Axis.resolve(Axis.Request(scale: .linear, data: (0, 10), length: 200, spacing: 50, integerData: true))
        #expect(a.ticks.allSatisfy { $0.t == $0.t.rounded() })
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.fixed(-0.001) == "0")
        #expect(NumberFormat.fixed(-0.0) == "0")
        #expect(NumberFormat.fixed(2.5) == "2.5")
        #expect(NumberFormat.fixed(-3.14159) == "-3.14")
        #expect(NumberFormat.fixed(1e20).contains("e") == false)
        #expect(NumberFormat.fixed(1.0000001) == "1")
        #expect(NumberFormat.fixed(.nan) == "0")
        #expect(NumberFormat.superscript(-12) == "⁻¹²")
    }

    @Test func groupedSamplesGiveMeanAndSpread() {
        let g = Stats.group(x: [1, 2, 1, 2, 1, 2], y: [1, 10, 2, 20, 3, 30], error: .standardDeviation)
        #expect(g.map(\.x) == [1, 2])
        #expect(g.map(\.mean) == [2, 20])
        #expect(abs(g[0].spread - 1) < 1e-12 && abs(g[1].spread - 10) < 1e-12)
        let se = Stats.group(x: [1, 1, 1], y: [1, 2, 3], error: .standardError)
        #expect(abs(se[0].spread - 1 / 3.0.squareRoot()) < 1e-12)
    }

    @Test func histogramBins() throws {
        let h = try #require(Stats.histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], bins: 5, logBins: false))
        #expect(h.counts == [2, 2, 2, 2, 3])
        let lh = try #require(Stats.histogram([0.01, 0.1, 1, 10, -1], bins: 3, logBins: true))
        #expect(lh.counts.reduce(0, +) == 4)
        #expect(abs(lh.edges[0] - 0.01) < 1e-12 && abs((lh.edges.last ?? 0) - 10) < 1e-9)
    }

    @Test func seriesStylesAreDistinct() {
        let styles = (0..<8).map(SeriesStyle.series)
        #expect(Set(styles.map(\.color)).count == 8)
        #expect(Set(styles.map { $0.dash ?? "solid" }).count == 8)
        #expect(Set(styles.map(\.marker)).count == 8)
    }
}
