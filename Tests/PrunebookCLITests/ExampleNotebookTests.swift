import Foundation
import JSON
import TestSupport
import Testing

/// The example notebooks of `Notebooks/`: the quickstart replays into the checked-in bytes (where
/// the recorded BLAS core is this machine's), the others replay at their default budget; every
/// produced notebook passes the strict validator and every figure renders.
@Suite(.serialized) struct ExampleNotebookTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs `Notebooks/NAME.prune` into a fresh folder laid out like the repository; returns the folder.
    static func replay(_ name: String, _ extra: [String] = []) throws -> String {
        let dir = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: dir + "/Notebooks", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(root)/Notebooks/\(name).prune", toPath: "\(dir)/Notebooks/\(name).prune")
        // a sweep's summary notebook reads the sweep's checked-in results
        if FileManager.default.fileExists(atPath: "\(root)/Sweeps") {
            try FileManager.default.copyItem(atPath: "\(root)/Sweeps", toPath: "\(dir)/Sweeps")
        }
        let r = try CLI.run(["run", "Notebooks/\(name).prune"] + extra, environment: ["PRUNEBOOK_DATA": Golden.dataFolder], cwd: dir)
        #expect(r.status == 0, "\(name): \(r.stderr)")
        return dir
    }

    static func blasCore(_ ipynb: String) -> String? {
        (try? JSONParser.parse(ipynb))?["metadata"]?["prunebook"]?["blas_core"]?.stringValue
    }

    /// Every number in a text, in order.
    static func numbers(_ text: String) -> [Double] {
        text.split(whereSeparator: { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "e") }).compactMap { Double($0) }
    }

    static func checkFiguresRender(_ dir: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") else {
            print("skipped rendering: rsvg-convert not found")
            return
        }
        // a notebook without figures (a sweep's point) has no Plots folder
        let figures = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/Plots")) ?? []
        for svg in figures where svg.hasSuffix(".svg") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
            p.arguments = ["\(dir)/Plots/\(svg)", "-o", "\(dir)/\(svg).png"]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(svg) does not render")
        }
    }

    static func validate(_ files: [String]) throws {
        guard let python = NbValidator.python(), let validator = NbValidator.script() else {
            try NbValidator.unavailable()
            return
        }
        let r = try NbValidator.run(python, [validator, "--canonical"] + files)
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func quickstartReplaysIntoTheCheckedInNotebook() throws {
        let dir = try Self.replay("quickstart")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = try String(contentsOfFile: "\(dir)/Notebooks/quickstart.ipynb", encoding: .utf8)
        let theirs = try String(contentsOfFile: "\(Self.root)/Notebooks/quickstart.ipynb", encoding: .utf8)
        if Self.blasCore(ours) == Self.blasCore(theirs) {
            // byte for byte but for the PNG renderings, which depend on the fonts and librsvg
            // installed (decoded and checked by JupyterPeerTests); on this machine they are equal too
            #expect(NotebookCommandTests.withoutBlasCore(ours) == NotebookCommandTests.withoutBlasCore(theirs),
                    "quickstart.ipynb differs from the checked-in one")
            for file in ["Notebooks/quickstart.md"] + (try FileManager.default.contentsOfDirectory(atPath: dir + "/Plots")).map({ "Plots/" + $0 }) {
                #expect(try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8)
                        == String(contentsOfFile: "\(Self.root)/\(file)", encoding: .utf8), "\(file) differs")
            }
        } else {
            // another CPU kernel: the same numbers within a tolerance
            let a = Self.numbers(try String(contentsOfFile: "\(dir)/Notebooks/quickstart.md", encoding: .utf8))
            let b = Self.numbers(try String(contentsOfFile: "\(Self.root)/Notebooks/quickstart.md", encoding: .utf8))
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 0.05 * max(1, abs(y)), "\(x) vs \(y)") }
        }
        try Self.validate(["\(dir)/Notebooks/quickstart.ipynb"])
        try Self.checkFiguresRender(dir)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "../shared/data not found"),
          arguments: ["force-anatomy", "force-vs-snip", "force-vs-snip-point", "lottery-rewinding", "conv-sparsity"])
    func notebookReplaysAtItsDefaultBudget(name: String) throws {
        let dir = try Self.replay(name)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.validate(["\(dir)/Notebooks/\(name).ipynb"])
        try Self.checkFiguresRender(dir)
        // the checked-in transcript is valid too
        try Self.validate(["\(Self.root)/Notebooks/\(name).ipynb"])
    }

    /// The force-vs-snip summary reads a sweep's results.csv (a small one checked in with the
    /// tests: 2 data sets × 2 seeds × 2 methods × 2 sparsities, SNIP under both losses): its
    /// mean ± sd table equals the one computed here from the file.
    @Test func forceVsSnipSummaryTabulatesASweepsResults() throws {
        let dir = try Self.replay("force-vs-snip", ["-p", "results_file=\"\(Self.root)/Tests/PrunebookCLITests/Fixtures/force-vs-snip-results.csv\""])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let md = try String(contentsOfFile: "\(dir)/Notebooks/force-vs-snip.md", encoding: .utf8)
        let csv = try String(contentsOfFile: "\(Self.root)/Tests/PrunebookCLITests/Fixtures/force-vs-snip-results.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        #expect(rows.count == 24)
        func cell(_ xs: [Double]) -> String {
            let mean = xs.reduce(0, +) / Double(xs.count)
            let sd = xs.count < 2 ? 0 : (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
            func f(_ v: Double) -> String {   // round(100 * v, digits: 1), as the notebook shows it
                let r = Double(String(format: "%.1f", 100 * v)) ?? .nan
                return r == r.rounded() ? String(Int(r)) : String(r)
            }
            return "\(f(mean)) ± \(f(sd))"
        }
        for (dataset, method, loss) in [("mnist", "random", "none"), ("fashion-mnist", "snip", "ce"), ("mnist", "snip", "target_logit")] {
            var cells: [String] = []
            for sparsity in ["0.98", "0.999"] {
                let accs = rows.filter { $0["dataset_name"] == dataset && $0["method"] == method && $0["loss"] == loss && $0["sparsity"] == sparsity }
                    .compactMap { $0["accuracy"].flatMap(Double.init) }
                #expect(accs.count == 2)
                cells.append(cell(accs))
            }
            // a table row: the names, then both sparsities' cells (column widths vary)
            let found = md.split(separator: "\n").contains { line in
                let words = line.split(separator: " ").joined(separator: " ")
                return words.hasPrefix("\(dataset) \(method)\(method == "random" ? "" : " " + loss)")
                    && words.hasSuffix(cells.map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: " "))
            }
            #expect(found, "no row \(dataset) \(method) \(loss) with \(cells) in:\n\(md)")
        }
        #expect(md.contains("24 trainings of 2 methods on mnist, fashion-mnist"))
        try Self.validate(["\(dir)/Notebooks/force-vs-snip.ipynb"])
    }

    /// The convolutional sweep's point at a test budget (its default, five one-epoch trainings, is
    /// replayed by check-notebooks): one FORCE mask at 99% of Conv-6 ×0.25 on Fashion-MNIST, trained
    /// a few steps; the row it publishes names the data set, the network and the reference loss.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/fashion-mnist"), "../shared/data not found"))
    func convSparsityPointRunsAtATestBudget() throws {
        let dir = try Self.replay("conv-sparsity-point", ["-p", "steps=3", "-p", "sparsities=[99%]"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let md = try String(contentsOfFile: "\(dir)/Notebooks/conv-sparsity-point.md", encoding: .utf8)
        #expect(md.contains("force (loss target_logit): 99.0006% sparse, 1,131 of 113,168 weights kept after 60 steps"), "\(md)")
        #expect(md.contains("fashion-mnist  conv6 ×0.25       99%  target_logit"), "\(md)")
        try Self.validate(["\(dir)/Notebooks/conv-sparsity-point.ipynb"])
    }

    /// The convolutional summary reads a sweep's results.csv (a small one checked in with the tests:
    /// 2 seeds × dense, random, SNIP, GraSP, FORCE × 90% and 99.9%, 40 steps each, one GraSP training
    /// diverged): its mean ± sd table, the iterative-against-one-shot verdicts and the failed
    /// trainings follow from the file.
    @Test func convSparsitySummaryTabulatesASweepsResults() throws {
        let fixture = "\(Self.root)/Tests/PrunebookCLITests/Fixtures/conv-sparsity-results.csv"
        let dir = try Self.replay("conv-sparsity", ["-p", "results_file=\"\(fixture)\""])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let md = try String(contentsOfFile: "\(dir)/Notebooks/conv-sparsity.md", encoding: .utf8)
        let lines = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        func accs(_ method: String, _ sparsity: String) -> [Double] {
            rows.filter { $0["method"] == method && $0["sparsity"] == sparsity }.compactMap { $0["accuracy"].flatMap(Double.init) }
        }
        func r1(_ v: Double) -> String {   // round(100 * v, digits: 1), as the notebook shows it
            let r = Double(String(format: "%.1f", 100 * v)) ?? .nan
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
        func sd(_ xs: [Double]) -> Double {
            let m = xs.reduce(0, +) / Double(xs.count)
            return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
        }
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        #expect(md.contains("conv6 ×0.25 on fashion-mnist: 18 trainings, 4 methods, 2 seeds"), "\(md)")
        #expect(md.contains("dense network: \(r1(mean(accs("dense", "0")))) ± \(r1(sd(accs("dense", "0")))) % test accuracy"), "\(md)")
        let table = md.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        for method in ["random", "snip", "grasp", "force"] {
            let cells = ["0.9", "0.999"].map { "\(r1(mean(accs(method, $0)))) ± \(r1(sd(accs(method, $0))))" }
            #expect(table.contains("\(method) \(cells.joined(separator: " "))"), "no row \(method) \(cells) in:\n\(md)")
        }
        // the verdict at 99.9%: FORCE's mean against the best of SNIP and random, and the seeds' spread
        let best = ["snip", "grasp", "random"].map { (m: $0, a: accs($0, "0.999")) }.max { mean($0.a) < mean($1.a) }!
        let gap = mean(accs("force", "0.999")) - mean(best.a)
        let spread = sd(accs("force", "0.999")) + sd(best.a)
        let verdict = gap > spread ? "ahead" : gap < -spread ? "behind" : "within the seeds' spread"
        let claim = "99.9% \(best.m) \(r1(mean(best.a))) \(r1(mean(accs("force", "0.999")))) (\(gap >= 0 ? "+" : "")\(r1(gap)), \(verdict))"
        #expect(table.contains(claim), "no line \(claim) in:\n\(md)")
        // failures: random at 99.9% cuts all ten classes for both seeds; one GraSP training diverged
        #expect(table.contains("random 99.9% 2 0 20 3 seed 0: 0 1 2 3 4 5 6 7 8 9; seed 1: 0 1 2 3 4 5 6 7 8 9"), "\(md)")
        #expect(table.contains("grasp 90% 2 1 0 0"), "\(md)")
        try Self.validate(["\(dir)/Notebooks/conv-sparsity.ipynb"])
    }
}
