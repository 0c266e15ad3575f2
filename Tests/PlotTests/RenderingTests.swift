import Foundation
import Testing
@testable import Plot

/// Renders figures with rsvg-convert and inspects the pixels.
///
/// How: each figure is rendered twice at 1 px/pt (enough for these checks, and the pure-Python
/// PNG decoder below stays fast). (1) As is: the plot area (known from the
/// layout, `RenderedFigure.plotAreas`) must contain ink. (2) With the viewBox widened by a
/// 20 pt band on every side: the figure's white background covers only the original canvas, so
/// any ink in the band is something drawn outside the canvas, e.g. a clipped label. That makes
/// the check independent of our own text-width estimates: it measures the real font.
/// PNG decoding: Foundation on Linux has no inflate API, so a short python3 standard-library
/// script (zlib + PNG unfiltering) counts non-white pixels in given rectangles. The test is
/// skipped, with the reason printed, when rsvg-convert or python3 is missing.
struct RenderingTests {
    static let rsvg = "/usr/bin/rsvg-convert"
    static let scale = 1.0
    static let band = 20.0

    static let inkCounter = #"""
    import sys, zlib, struct, json
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w, h, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10]); assert depth == 8 and ctype in (2, 6)
        elif kind == b'IDAT': idat += body
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat); stride = w * bpp; rows = []; prev = bytearray(stride); i = 0
    for y in range(h):
        f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        if f == 2: line = bytearray((u + v) & 255 for u, v in zip(line, prev))
        elif f in (1, 3, 4):
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                else:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line); prev = line
    def ink(x0, y0, x1, y1):
        n = 0
        x0, x1 = max(0, x0), min(w, x1)
        for y in range(max(0, y0), min(h, y1)):
            r = rows[y][x0 * bpp:x1 * bpp]
            alpha = r[3::4] if bpp == 4 else [255] * (x1 - x0)
            n += sum(1 for R, G, B, A in zip(r[0::bpp], r[1::bpp], r[2::bpp], alpha) if A > 40 and min(R, G, B) < 200)
        return n
    rects = [tuple(map(int, s.split(','))) for s in sys.argv[2:]]
    print(json.dumps({"width": w, "height": h, "ink": [ink(*r) for r in rects]}))
    """#

    struct Ink: Decodable { let width: Int; let height: Int; let ink: [Int] }

    static func toolsMissing() -> String? {
        if !FileManager.default.isExecutableFile(atPath: rsvg) { return "rsvg-convert not found at \(rsvg)" }
        if run("/usr/bin/env", ["python3", "-c", "import zlib"]) == nil { return "python3 with zlib not found" }
        return nil
    }

    @discardableResult
    static func run(_ exe: String, _ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: out, as: UTF8.self) : nil
    }

    /// Renders `svg` and counts ink in the given rectangles (in px).
    static func ink(svg: String, rects: [(Int, Int, Int, Int)], name: String) throws -> Ink? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-render-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let svgURL = dir.appendingPathComponent(name + ".svg"), png = dir.appendingPathComponent(name + ".png")
        // one script per figure: the parameterised cases run at once, and a shared file being
        // rewritten while another case runs it reads as empty (a flaky "not valid JSON")
        let script = dir.appendingPathComponent("ink-\(name).py")
        try Data(svg.utf8).write(to: svgURL)
        try Data(inkCounter.utf8).write(to: script)
        let dpi = String(Int(72 * scale))
        guard run(rsvg, ["-d", dpi, "-p", dpi, svgURL.path, "-o", png.path]) != nil else { return nil }
        guard let json = run("/usr/bin/env", ["python3", script.path, png.path] + rects.map { "\($0.0),\($0.1),\($0.2),\($0.3)" })
        else { return nil }
        return try JSONDecoder().decode(Ink.self, from: Data(json.utf8))
    }

    /// The same SVG with the viewBox (and size) widened by `band` pt on every side.
    static func widened(_ svg: String, width: Double, height: Double) -> String {
        let w = NumberFormat.coord(width), h = NumberFormat.coord(height)
        let W = NumberFormat.coord(width + 2 * band), H = NumberFormat.coord(height + 2 * band)
        return svg
            .replacingOccurrences(of: "width=\"\(w)pt\" height=\"\(h)pt\" viewBox=\"0 0 \(w) \(h)\"",
                                  with: "width=\"\(W)pt\" height=\"\(H)pt\" viewBox=\"-\(NumberFormat.coord(band)) -\(NumberFormat.coord(band)) \(W) \(H)\"")
    }

    @Test(arguments: SVGHygieneTests.allFigures.map(\.name))
    func rendersWithInkInsideTheCanvas(name: String) throws {
        if let reason = RenderingTests.toolsMissing() {
            print("skipping rendering test for \(name): \(reason)")
            return
        }
        let fig = try #require(SVGHygieneTests.allFigures.first { $0.name == name }).figure
        let rendered = fig.render(idPrefix: name)
        // PRUNEBOOK_PLOT_DUMP=<dir> keeps a copy of every test figure for looking at.
        if let dump = ProcessInfo.processInfo.environment["PRUNEBOOK_PLOT_DUMP"] {
            try Data(rendered.svg.utf8).write(to: URL(fileURLWithPath: dump).appendingPathComponent(name + ".svg"))
        }
        let s = RenderingTests.scale
        // (1) Ink in every non-empty plot area.
        // Inset by 2 px so the axis lines themselves do not count as ink.
        let rects = rendered.plotAreas.map { a in (Int(a.x * s) + 2, Int(a.y * s) + 2, Int((a.x + a.width) * s) - 2, Int((a.y + a.height) * s) - 2) }
        let plain = try #require(try RenderingTests.ink(svg: rendered.svg, rects: rects, name: name), "rsvg-convert failed on \(name)")
        #expect(plain.width == Int((fig.width * s).rounded()))
        let empty = name.hasPrefix("empty")
        for (i, n) in plain.ink.enumerated() {
            if empty { continue }
            let a = rects[i]
            // Three 4.5 pt markers are about 45 px at 1 px/pt: demand at least 25 px of ink.
            #expect(n >= 25 && a.2 > a.0, "panel \(i + 1) of \(name) has almost no ink")
        }
        // (2) Nothing outside the canvas: ink in the widened image equals ink inside the canvas.
        let wide = RenderingTests.widened(rendered.svg, width: fig.width, height: fig.height)
        #expect(wide != rendered.svg)
        let b = Int(RenderingTests.band * s)
        let inner = (b, b, b + Int((fig.width * s).rounded()), b + Int((fig.height * s).rounded()))
        let w = try #require(try RenderingTests.ink(svg: wide, rects: [(0, 0, 100_000, 100_000), inner], name: name + "-wide"))
        #expect(w.ink[0] == w.ink[1], "\(name): \(w.ink[0] - w.ink[1]) ink pixels outside the canvas")
    }
}
