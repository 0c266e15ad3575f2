import Foundation
import Testing
@testable import Plot

/// Every reference and edge-case figure is well-formed XML and follows the SVG hygiene rules.
struct SVGHygieneTests {
    static var edgeCases: [(name: String, figure: Figure)] {
        var empty = Figure()
        empty.panels[0].xLabel = "x"
        var emptySeries = Figure()
        emptySeries.add(.line(x: [], y: [], label: "nothing"))
        var nonFinite = Figure()
        nonFinite.add(.line(x: [0, 1, 2, 3, 4], y: [1, .nan, 3, .infinity, 5], label: "a"))
        var flat = Figure()
        flat.add(.line(x: [1, 2, 3], y: [7, 7, 7]))
        var huge = Figure()
        huge.panels[0].yLabel = "Parameters"
        huge.add(.scatter(x: [1, 2, 3], y: [1.2e9, 3.4e9, 2.2e9]))
        var tiny = Figure()
        tiny.panels[0].xLabel = "Learning rate"
        tiny.add(.line(x: [1e-9, 2e-9, 3e-9], y: [-5, -2, -9], label: "neg"))
        var escaped = Figure()
        escaped.title = "a < b & \"c\" 'd'"
        escaped.panels[0].xLabel = "<x> & y"
        escaped.add(.line(x: [0, 1], y: [0, 1], label: "α & β <γ>"))
        var grid = Figure(size: .twoColumn, panelCount: 4, columns: 2)
        for i in 0..<4 {
            grid.panels[i].title = "Panel \(i + 1)"
            grid.panels[i].xScale = .sparsity
            grid.panels[i].add(.band(x: [0.5, 0.5, 0.9, 0.9, 0.99, 0.99], y: [90, 91, 88, 89, 70, 75], label: "SNIP"))
            grid.panels[i].add(.line(x: [0.5, 0.9, 0.99], y: [91, 90, 85], label: "Dense"))
        }
        var mask = Figure()
        mask.add(.heatmap((0..<300).map { i in (0..<100).map { j in Double((i * 7 + j * 3) % 5 == 0 ? 1 : 0) } }))
        var refs = Figure()
        refs.add(.scatter(x: [1, 2, 3], y: [3, 1, 2], label: "pts"))
        refs.add(.vline(2, label: "cut"))
        refs.add(.hline(2))
        return [("empty", empty), ("empty-series", emptySeries), ("non-finite", nonFinite), ("flat", flat),
                ("huge", huge), ("tiny", tiny), ("escaped", escaped), ("grid", grid), ("mask", mask), ("refs", refs),
                ("seven-methods", ReferenceFigures.sparsityBands())]
    }

    static var allFigures: [(name: String, figure: Figure)] { ReferenceFigures.all + edgeCases }

    @Test(arguments: SVGHygieneTests.allFigures.map(\.name))
    func wellFormedAndHygienic(name: String) throws {
        let fig = try #require(SVGHygieneTests.allFigures.first { $0.name == name }).figure
        let svg = fig.svg(idPrefix: "p-" + name)
        let check = try #require(SVGCheck.parse(svg), "\(name) is not well-formed XML")
        #expect(check.elements.first == "svg")
        // Size in pt with a viewBox in the same units.
        let root = check.attributes.filter { $0.element == "svg" }
        #expect(root.contains { $0.name == "width" && $0.value.hasSuffix("pt") })
        #expect(root.contains { $0.name == "viewBox" })
        // Presentation attributes only.
        #expect(!check.elements.contains("style"))
        #expect(!check.attributes.contains { $0.name == "style" || $0.name == "class" })
        // Every id carries the figure prefix; every reference points at one of them.
        let ids = Set(check.values(of: "id"))
        #expect(ids.allSatisfy { $0.hasPrefix("p-" + name + "-") })
        for v in check.attributes.map(\.value) where v.hasPrefix("url(#") {
            #expect(ids.contains(String(v.dropFirst(5).dropLast())))
        }
        // Fixed number formatting: no exponents, no negative zero, at most 2 decimals in coordinates.
        let numeric = ["x", "y", "x1", "x2", "y1", "y2", "width", "height", "d", "font-size", "stroke-width"]
        for a in check.attributes where numeric.contains(a.name) {
            #expect(!a.value.contains("e") && !a.value.contains("E"), "\(a.name)=\(a.value)")
            #expect(!a.value.contains("-0 ") && !a.value.hasSuffix("-0") && !a.value.contains("-0L"), "\(a.name)=\(a.value)")
            #expect(a.value.range(of: #"\.\d{3}"#, options: .regularExpression) == nil, "\(a.name)=\(a.value)")
        }
        // 8–10 pt text and lines of at least 1 pt.
        for s in check.values(of: "font-size") {
            let v = try #require(Double(s))
            #expect(v >= 8 && v <= 10)
        }
        for s in check.values(of: "stroke-width") {
            #expect(try #require(Double(s)) >= 1)
        }
        #expect(check.values(of: "font-family").first == "Helvetica, Arial, sans-serif")
    }

    @Test func nonFiniteValuesAreDroppedWithAWarning() {
        let fig = SVGHygieneTests.edgeCases.first { $0.name == "non-finite" }!.figure
        let r = fig.render()
        #expect(r.warnings.count == 1)
        #expect(r.warnings.first?.contains("dropped 2 values") == true)
        #expect(fig.warnings == r.warnings)
    }

    @Test func logScaleDropsNonPositiveWithAWarning() {
        var fig = Figure()
        fig.panels[0].yScale = .log
        fig.add(.line(x: [1, 2, 3], y: [1, 0, -2], label: "loss"))
        #expect(fig.warnings.first?.contains("log scale") == true)
        #expect(SVGCheck.parse(fig.svg()) != nil)
    }

    @Test func emptyDataGivesAFrameWithANote() throws {
        for name in ["empty", "empty-series"] {
            let fig = SVGHygieneTests.edgeCases.first { $0.name == name }!.figure
            let check = try #require(SVGCheck.parse(fig.svg()))
            #expect(check.texts.contains("No data"))
        }
    }

    @Test func textIsEscaped() throws {
        let fig = SVGHygieneTests.edgeCases.first { $0.name == "escaped" }!.figure
        let svg = fig.svg()
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot; &apos;d&apos;"))
        let check = try #require(SVGCheck.parse(svg))
        #expect(check.texts.contains("α & β <γ>"))
    }

    @Test func hugeValuesShareAnExponentInTheTitle() throws {
        let fig = SVGHygieneTests.edgeCases.first { $0.name == "huge" }!.figure
        let check = try #require(SVGCheck.parse(fig.svg()))
        #expect(check.texts.contains("Parameters (×10⁹)"))
    }

    @Test func idPrefixesAreSanitisedAndSeparateFigures() {
        let fig = ReferenceFigures.lineWithLegend()
        #expect(fig.svg(idPrefix: "a").contains("id=\"a-clip-1\""))
        #expect(fig.svg(idPrefix: "1 bad<id>").contains("id=\"f1_bad_id_-clip-1\""))
        #expect(fig.svg(idPrefix: "a") != fig.svg(idPrefix: "b"))
    }

    @Test func gridPanelsAlign() {
        let fig = SVGHygieneTests.edgeCases.first { $0.name == "grid" }!.figure
        let areas = fig.render().plotAreas
        #expect(areas.count == 4)
        #expect(areas[0].x < areas[1].x && areas[0].x == areas[2].x && areas[1].x == areas[3].x)
        #expect(areas[0].y == areas[1].y && areas[2].y == areas[3].y && areas[0].width == areas[3].width)
    }

    @Test func sameFigureSameBytes() {
        for (_, fig) in SVGHygieneTests.allFigures {
            #expect(fig.svg(idPrefix: "d") == fig.svg(idPrefix: "d"))
        }
        #expect(ReferenceFigures.sparsityBands().svg() == ReferenceFigures.sparsityBands().svg())
    }

    @Test func legendInsideAvoidsData() throws {
        // The line figure has a free corner: the legend goes inside and the plot keeps its width.
        let inside = ReferenceFigures.lineWithLegend().render().plotAreas[0]
        var right = ReferenceFigures.lineWithLegend()
        right.legend = .right
        let narrowed = right.render().plotAreas[0]
        #expect(narrowed.width < inside.width - 40)
    }
}
