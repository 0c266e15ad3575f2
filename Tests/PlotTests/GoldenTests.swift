import Foundation
import Testing
@testable import Plot

/// Golden SVG tests: the bytes of each reference figure are checked in under `Golden/`.
/// Set `PRUNEBOOK_UPDATE_GOLDEN=1` to rewrite them after a reviewed change.
struct GoldenTests {
    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static var updating: Bool { ProcessInfo.processInfo.environment["PRUNEBOOK_UPDATE_GOLDEN"] == "1" }

    @Test(arguments: ReferenceFigures.all.map(\.name))
    func goldenBytes(name: String) throws {
        let fig = try #require(ReferenceFigures.all.first { $0.name == name }).figure
        let svg = fig.svg(idPrefix: name)
        let url = GoldenTests.goldenDir.appendingPathComponent(name + ".svg")
        if GoldenTests.updating {
            try FileManager.default.createDirectory(at: GoldenTests.goldenDir, withIntermediateDirectories: true)
            try Data(svg.utf8).write(to: url)
            return
        }
        let expected = try Data(contentsOf: url)
        #expect(Data(svg.utf8) == expected, "\(name).svg differs from the golden file; rerun with PRUNEBOOK_UPDATE_GOLDEN=1 after review")
    }
}
