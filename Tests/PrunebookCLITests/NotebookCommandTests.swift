import Foundation
import JSON
import Tensor
import TestSupport
import Testing

/// `prunebook run`, `check`, `convert` and `--version`, end to end on the built binary.
/// Fixtures (scripts and expected transcripts) are in `Fixtures/`; set
/// `PRUNEBOOK_UPDATE_GOLDEN=1` to rewrite the expected transcripts.
@Suite struct NotebookCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// A temporary folder holding a copy of the fixture `name`.
    static func folder(with names: String...) throws -> String {
        let dir = CLI.temporaryFolder()
        for name in names {
            try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }

    static func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    /// The transcript with the recorded BLAS core and the figures' PNG renderings replaced by
    /// fixed text: the core depends on the CPU, the PNGs on the installed fonts and librsvg (the
    /// kernel tests decode them), the rest of a core-builtins transcript on neither.
    static func withoutBlasCore(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            for (field, stand) in [("\"blas_core\": \"", "<core>"), ("\"image/png\": \"", "<png>")] {
                if let key = line.range(of: field), let end = line[key.upperBound...].firstIndex(of: "\"") {
                    return line[..<key.upperBound] + stand + line[end...]
                }
            }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test func replayMatchesTheCheckedInTranscripts() throws {
        let dir = try Self.folder(with: "sample.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["run", "sample.prune"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "wrote sample.ipynb\nwrote sample.md\n")
        let update = ProcessInfo.processInfo.environment["PRUNEBOOK_UPDATE_GOLDEN"] == "1"
        for ext in ["ipynb", "md"] {
            let produced = Self.withoutBlasCore(try Self.read("\(dir)/sample.\(ext)"))
            let expectedPath = "\(Self.fixtures)/sample.expected.\(ext)"
            if update { try produced.write(toFile: expectedPath, atomically: true, encoding: .utf8) }
            let expected = try Self.read(expectedPath)
            #expect(produced == expected, "sample.\(ext) differs from Fixtures/sample.expected.\(ext) (PRUNEBOOK_UPDATE_GOLDEN=1 rewrites it)")
        }
        let nb = try JSONParser.parse(try Self.read("\(dir)/sample.ipynb"))
        let meta = try #require(nb["metadata"]?["prunebook"])
        #expect(meta["version"]?.stringValue == "0.1.0")
        #expect(meta["blas_core"]?.stringValue?.isEmpty == false)
        #expect(meta["seed"]?.intValue == 0)
        #expect(meta["parameters"]?.objectValue?.isEmpty == true)
    }

    @Test func figuresAreWrittenLinkedAndReproducible() throws {
        let dir = try Self.folder(with: "figures.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let update = ProcessInfo.processInfo.environment["PRUNEBOOK_UPDATE_GOLDEN"] == "1"
        for plots in ["Plots", "Again"] {
            let r = try CLI.run(["run", "figures.prune", "--out", "out", "--plots", plots], cwd: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        for name in ["figures-1-1.svg", "named/sq.svg"] {
            let svg = try Self.read("\(dir)/Plots/\(name)")
            #expect(svg.hasPrefix("<svg"), "\(name)")
            #expect(svg == (try Self.read("\(dir)/Again/\(name)")), "\(name) differs between replays")
            let expectedPath = "\(Self.fixtures)/figures.expected/\(name)"
            if update {
                try FileManager.default.createDirectory(atPath: (expectedPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try svg.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            }
            #expect(svg == (try? Self.read(expectedPath)), "\(name) differs from Fixtures/figures.expected (PRUNEBOOK_UPDATE_GOLDEN=1 rewrites it)")
        }
        let md = try Self.read("\(dir)/out/figures.md")
        #expect(md.contains("![Figure: squares](../Again/figures-1-1.svg)"), "\(md)")
        #expect(md.contains("![Squares again](../Again/named/sq.svg)"), "\(md)")
        let nb = try JSONParser.parse(try Self.read("\(dir)/out/figures.ipynb"))
        let outputs = try #require(nb["cells"]?.arrayValue?[1]["outputs"]?.arrayValue)
        // the figure handle is the cell's value, but only its display is recorded
        #expect(outputs.map { $0["output_type"]?.stringValue } == ["display_data"])
        #expect(outputs[0]["data"]?["image/svg+xml"].map(NbValidator.text)?.hasPrefix("<svg") == true)
        #expect(outputs[0]["metadata"]?["prunebook"]?["file"]?.stringValue == "../Again/figures-1-1.svg")
    }

    @Test func replayingTwiceGivesIdenticalBytes() throws {
        let dir = try Self.folder(with: "sample.prune", "failing.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for script in ["sample", "failing"] {
            _ = try CLI.run(["run", "\(script).prune", "--out", "first"], cwd: dir)
            _ = try CLI.run(["run", "\(script).prune", "--out", "second"], cwd: dir)
            for ext in ["ipynb", "md"] {
                let a = try Self.read("\(dir)/first/\(script).\(ext)"), b = try Self.read("\(dir)/second/\(script).\(ext)")
                #expect(a == b, "\(script).\(ext)")
                #expect(!a.contains(dir), "absolute path in \(script).\(ext)")
            }
        }
    }

    @Test func aFailingCellStopsTheReplayWithExitOne() throws {
        let dir = try Self.folder(with: "failing.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["run", "failing.prune", "--out", "out"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cell 2 failed:\nNameError: unknown name 'lenn' (cell 2, line 2, column 5)"), "\(r.stderr)")
        let nb = try JSONParser.parse(try Self.read("\(dir)/out/failing.ipynb"))
        let cells = try #require(nb["cells"]?.arrayValue)
        #expect(cells.count == 3)
        #expect(cells[0]["execution_count"]?.intValue == 1)
        #expect(cells[1]["execution_count"]?.intValue == 2)
        #expect(cells[2]["execution_count"] == .null)
        #expect(cells[2]["outputs"]?.arrayValue?.isEmpty == true)
        let error = try #require(cells[1]["outputs"]?.arrayValue?.last)
        #expect(error["output_type"]?.stringValue == "error")
        #expect(error["ename"]?.stringValue == "NameError")
        #expect(error["evalue"]?.stringValue == "unknown name 'lenn'")
        let traceback = error["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(traceback.prefix(3) == ["NameError: unknown name 'lenn' (cell 2, line 2, column 5)", "  c = lenn([b])", "      ^~~~"])
        #expect(traceback.last == "did you mean 'len'?")
        let md = try Self.read("\(dir)/out/failing.md")
        #expect(md.hasSuffix("```\nNameError: unknown name 'lenn' (cell 2, line 2, column 5)\n  c = lenn([b])\n      ^~~~\ndid you mean 'len'?\n```\n\n```prune\nprint(\"never runs\")\n```\n"), "\(md)")
    }

    @Test func parametersOverrideAndAreRecorded() throws {
        let dir = try Self.folder(with: "sample.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["run", "sample.prune", "-p", "n=2", "-p", "label=\"trials\"", "--formats", "ipynb"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sample.md"))
        let nb = try JSONParser.parse(try Self.read("\(dir)/sample.ipynb"))
        let parameters = try #require(nb["metadata"]?["prunebook"]?["parameters"])
        #expect(parameters["n"]?.intValue == 2)
        #expect(parameters["label"]?.stringValue == "trials")
        let cells = try #require(nb["cells"]?.arrayValue)
        // friction 1: papermill's injected-parameters cell right after the parameters cell
        #expect(cells[2]["metadata"]?["tags"]?.arrayValue?.compactMap(\.stringValue) == ["injected-parameters"])
        #expect(cells[2]["source"].map(NbValidator.text) == "#| tags: [injected-parameters]\n# Parameters given with -p\nn = 2\nlabel = \"trials\"")
        #expect(cells[2]["execution_count"]?.intValue == 2)
        let loop = cells[3]["outputs"]?.arrayValue ?? []
        #expect(loop.first?["text"]?.arrayValue?.compactMap(\.stringValue) == ["trials: x = 0\n", "trials: x = 1\n"])
        #expect(loop.last?["data"]?["text/plain"].map(NbValidator.text) == "2")
        // the parameters cell itself is recorded as written
        #expect(cells[1]["source"]?.arrayValue?.compactMap(\.stringValue).last == "label = \"runs\"")
        // the transcript replays: run again from it with new values, the old injected cell is replaced
        let again = try CLI.run(["run", "sample.ipynb", "--out", "again", "-p", "n=3"], cwd: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let nb2 = try JSONParser.parse(try Self.read("\(dir)/again/sample.ipynb"))
        let cells2 = try #require(nb2["cells"]?.arrayValue)
        #expect(cells2.count == cells.count)
        #expect(cells2[2]["source"].map(NbValidator.text) == "#| tags: [injected-parameters]\n# Parameters given with -p\nn = 3")
    }

    @Test func parameterUsageErrorsExitWith64() throws {
        let dir = try Self.folder(with: "sample.prune", "failing.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let unknown = try CLI.run(["run", "sample.prune", "-p", "epochs=3"], cwd: dir)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown parameter 'epochs'; the parameters cell assigns: n, label"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sample.ipynb"))
        let bare = try CLI.run(["run", "sample.prune", "-p", "label=trials"], cwd: dir)
        #expect(bare.status == 64)
        #expect(bare.stderr.contains("-p label=trials: NameError: unknown name 'trials'"), "\(bare.stderr)")
        let noCell = try CLI.run(["run", "failing.prune", "-p", "a=2"], cwd: dir)
        #expect(noCell.status == 64)
        #expect(noCell.stderr.contains("needs a code cell tagged 'parameters'"))
        let malformed = try CLI.run(["run", "sample.prune", "-p", "n"], cwd: dir)
        #expect(malformed.status == 64)
        let formats = try CLI.run(["run", "sample.prune", "--formats", "pdf"], cwd: dir)
        #expect(formats.status == 64)
        #expect(formats.stderr.contains("unknown format 'pdf'"))
    }

    /// Friction 10: `run x.ipynb` no longer overwrites its input without a word.
    @Test func runRefusesToOverwriteItsInputUnlessInPlace() throws {
        let dir = try Self.folder(with: "sample.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try CLI.run(["run", "sample.prune", "--formats", "ipynb"], cwd: dir).status == 0)
        let before = try Self.read(dir + "/sample.ipynb")
        try FileManager.default.removeItem(atPath: dir + "/sample.prune")
        let refused = try CLI.run(["run", "sample.ipynb"], cwd: dir)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("run would overwrite its input sample.ipynb"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--in-place"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sample.md"), "nothing is written when refused")
        // the same file through another spelling of its path is still the input
        #expect(try CLI.run(["run", "./sample.ipynb", "--formats", "ipynb"], cwd: dir).status == 64)
        // --out elsewhere, or --in-place, run it
        let elsewhere = try CLI.run(["run", "sample.ipynb", "--out", "out"], cwd: dir)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(try Self.read(dir + "/out/sample.ipynb") == before)
        try "stale".write(toFile: dir + "/sample.md", atomically: true, encoding: .utf8)
        let inPlace = try CLI.run(["run", "sample.ipynb", "--in-place"], cwd: dir)
        #expect(inPlace.status == 0, "\(inPlace.stderr)")
        #expect(try Self.read(dir + "/sample.ipynb") == before)
        #expect(try Self.read(dir + "/sample.md") != "stale")
    }

    /// Friction 10: `run` piped to a log shows progress as plain lines (no terminal escapes), and
    /// the transcript stays free of it.
    @Test func runPipedToALogPrintsPlainProgress() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "r = train(lenet300(input: [1, 8, 8]), digits(), epochs: 2, batch: 64)\nr.steps\n"
            .write(toFile: dir + "/t.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "t.prune"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("trained 2 epochs (44 steps)"), "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}"), "no terminal escapes in a log: \(r.stderr)")
        #expect(!(try Self.read(dir + "/t.ipynb")).contains("trained 2 epochs"), "progress never enters the transcript")
    }

    /// Friction 7 through the CLI: an nn.Sequential state dict fails with the rename that loads it.
    @Test func loadWeightsErrorsNameTheFix() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shapes = [[300, 64], [300], [100, 300], [100], [10, 100], [10]]
        let names = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
        try SafetensorsWriter.write(zip(names, shapes).map { .f32($0, Tensor<Float>(zeros: $1)) }, to: dir + "/seq.safetensors")
        try "net = lenet300(input: [1, 8, 8])\nload_weights(net, \"seq.safetensors\")\n"
            .write(toFile: dir + "/w.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "w.prune"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("seq.safetensors does not fit lenet300"), "\(r.stderr)")
        #expect(r.stderr.contains(#"rename: {"0.weight": "fc1.weight""#), "\(r.stderr)")
    }

    /// Friction 9 through the CLI: val: reports a validation accuracy beside the test accuracy,
    /// wd_exclude: a typo is a clear error.
    @Test func trainingWithAValidationSplit() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        # %%
        r = train(lenet300(input: [1, 8, 8]), digits(), epochs: 1, val: 0.2, wd_exclude: ["bias"])
        [r.val_accuracy > 0.1, r.accuracy > 0.1, keys(r.epochs)]

        # %%
        train(lenet300(input: [1, 8, 8]), digits(), wd_exclude: ["biases"])
        """.write(toFile: dir + "/v.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "v.prune"], cwd: dir)
        #expect(r.status == 1)
        let md = try Self.read(dir + "/v.md")
        #expect(md.contains(#"[true, true, ["epoch", "loss", "train_accuracy", "val_accuracy", "test_accuracy", "lr"]]"#), "\(md)")
        #expect(r.stderr.contains("wd_exclude: 'biases' matches no parameter of lenet300"), "\(r.stderr)")
    }

    /// Frictions 4, 8 and 10 through the CLI: what a transcript shows.
    @Test func transcriptsShowValuesAsNumpyWould() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        # %%
        net = lenet300(input: [1, 8, 8], seed: 0)
        data = digits()
        s = scores(net, "magnitude")
        s["fc1.weight"]

        # %%
        m = prune(net, "magnitude", sparsity: 99%)
        r = train(net, data, mask: m, epochs: 1)
        {sparsity: m.sparsity, acc: 0.1 * 7.03, epochs: r.epochs}

        # %%
        heatmap(m, layer: "fc3.weight", file: "mask.svg");

        # %%
        help("for")
        """.write(toFile: dir + "/d.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "d.prune"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let md = try Self.read(dir + "/d.md")
        #expect(md.contains("<tensor fc1.weight 300×64 float32: min "), "\(md)")
        #expect(md.components(separatedBy: "\n").allSatisfy { $0.count < 400 }, "no dump of 19,200 numbers")
        #expect(md.contains("{sparsity: 99%, acc: 0.703, epochs: <table 1×5: epoch, loss, train_accuracy, …>}"), "\(md)")
        #expect(md.contains("magnitude: 99% sparse, 502 of 50,200 weights kept"), "\(md)")
        #expect(md.contains("train: 1 epoch (11 steps), loss "), "\(md)")
        #expect(md.contains("for x in xs { ... } iterates"), "\(md)")
        let svg = try Self.read(dir + "/Plots/mask.svg")
        #expect(svg.contains(">kept<") && svg.contains(">pruned<"), "a binary mask gets a two-colour key")
        #expect(!svg.contains("linearGradient"), "not a colour bar")
    }

    /// #23's memory guard through the CLI: an absurd model is refused at once with what it needs
    /// and what there is; --memory sets the budget; a bad one is a usage error.
    @Test func absurdModelsAreRefusedAtOnce() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "net = model(\"resnet110\", width: 1000)\n".write(toFile: dir + "/big.prune", atomically: true, encoding: .utf8)
        let start = Date()
        let big = try CLI.run(["run", "big.prune"], cwd: dir)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(big.status == 1)
        #expect(big.stderr.contains("resnet110 at width 1000 needs about ") && big.stderr.contains("TB for its parameters alone"), "\(big.stderr)")
        try "net = lenet300()\n".write(toFile: dir + "/small.prune", atomically: true, encoding: .utf8)
        let limited = try CLI.run(["run", "small.prune", "--memory", "100K"], cwd: dir)
        #expect(limited.status == 1)
        #expect(limited.stderr.contains("lenet300 needs about 1.1 MB for its parameters alone; 102 kB available (the PRUNEBOOK_MEMORY limit)"),
                "\(limited.stderr)")
        #expect(try CLI.run(["run", "small.prune", "--memory", "-5"], cwd: dir).status == 64)
        #expect(try CLI.run(["run", "small.prune"], cwd: dir).status == 0)
    }

    /// #23: a batch larger than the data set is the whole set (as PyTorch's DataLoader); a training
    /// step that cannot fit the budget is refused before it starts, saying what it needs and why.
    @Test func trainingThatCannotFitIsRefusedBeforeItStarts() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "seed(0)\nnet = lenet300(input: [1, 8, 8])\nrun = train(net, digits(), steps: 2, batch: 1000000000)\nprint(run.steps)\n"
        try script.write(toFile: dir + "/t.prune", atomically: true, encoding: .utf8)
        let whole = try CLI.run(["run", "t.prune"], cwd: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        // under a 45 MB budget: training at that batch, a FORCE pass (two copies of the weights) and
        // a SNIP scoring pass are each refused, naming what, how much, of what, and what there is
        let refused = [
            ("train(net, digits(), steps: 2, batch: 1000000000)", ["training lenet300 at batch 1397 needs about ", "47.2 MB available (the PRUNEBOOK_MEMORY limit)"]),
            ("prune(net, \"force\", digits(batch: 100000), sparsity: 90%)", ["force on lenet300 at batch 1397 needs about ", "the program 41.9 MB"]),
            ("scores(net, \"snip\", digits(batch: 100000))", ["snip on lenet300 at batch 1397 needs about "]),
        ]
        for (call, fragments) in refused {
            try "net = lenet300(input: [1, 8, 8])\nx = \(call)\n".write(toFile: dir + "/r.prune", atomically: true, encoding: .utf8)
            let r = try CLI.run(["run", "r.prune", "--memory", "45M"], cwd: dir)
            #expect(r.status == 1)
            for f in fragments { #expect(r.stderr.contains(f), "\(call): \(r.stderr)") }
        }
    }

    @Test func convertRoundTripsAScriptThroughIpynb() throws {
        let dir = try Self.folder(with: "sample.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try CLI.run(["convert", "sample.prune", "nb/sample.ipynb"], cwd: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["convert", "nb/sample.ipynb", "back.prune"], cwd: dir)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try Self.read(dir + "/back.prune") == (try Self.read(dir + "/sample.prune")))
        let nb = try JSONParser.parse(try Self.read(dir + "/nb/sample.ipynb"))
        #expect(nb["cells"]?.arrayValue?.allSatisfy { $0["cell_type"]?.stringValue != "code" || $0["execution_count"] == .null } == true)
        let md = try CLI.run(["convert", "sample.prune", "sample.md"], cwd: dir)
        #expect(md.status == 0)
        #expect(try Self.read(dir + "/sample.md").hasPrefix("# Sample\nCore builtins only"))
        let bad = try CLI.run(["convert", "sample.prune", "sample.pdf"], cwd: dir)
        #expect(bad.status == 64)
    }

    @Test func checkReportsEverySyntaxErrorWithItsLocation() throws {
        let dir = try Self.folder(with: "broken.prune", "sample.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["check", "broken.prune"], cwd: dir)
        #expect(r.status == 1)
        // GNU-style file:line:column of the script itself, so editors jump to them (friction 6)
        #expect(r.stdout.contains("broken.prune:3:1: SyntaxError: expected ')', got name 'y'\n  y = 3\n  ^\n"), "\(r.stdout)")
        #expect(r.stdout.contains("broken.prune:9:8: SyntaxError: ") && r.stdout.contains("\n  w = 1 +* 2\n         ^\n"), "\(r.stdout)")
        #expect(r.stdout.contains("broken.prune:10:11: SyntaxError: "), "\(r.stdout)")
        #expect(!r.stdout.contains("broken.prune:5:"))
        #expect(r.stdout.hasSuffix("broken.prune: 3 errors in 2 of 3 code cells\n"), "\(r.stdout)")
        let ok = try CLI.run(["check", "sample.prune"], cwd: dir)
        #expect(ok.status == 0)
        #expect(ok.stdout == "sample.prune: 6 code cells, no errors\n")
    }

    /// Friction 6: check finds more than syntax: unknown names and builtins, arguments, literal
    /// values, fields; in an .ipynb (tags in its metadata) the lines are the file's.
    @Test func checkFindsWhatWouldFailBeforeRunning() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        # %%
        #| tags: [parameters]
        s = 99%

        # %%
        net = lenet300(input: [1, 8, 8])
        data = digits()
        m = froce(net, data, sparsity: s)
        r = train(net, data, epochs: 1, lr: 0.1)
        r.acuracy
        prune(net, "snip", data, sparsity: 1.5, schedul: "exp")
        force(net, data, sparsity: s, schedule: "cos")

        """.write(toFile: dir + "/c.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "c.prune"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("c.prune:8:5: NameError: unknown name 'froce'\n  m = froce(net, data, sparsity: s)\n      ^~~~~\ndid you mean 'force'?"), "\(r.stdout)")
        #expect(r.stdout.contains("c.prune:10:3: KeyError: no field 'acuracy' in the result of train(…)"), "\(r.stdout)")
        #expect(r.stdout.contains("did you mean 'accuracy'?"), "\(r.stdout)")
        #expect(r.stdout.contains("c.prune:11:"), "\(r.stdout)")
        #expect(r.stdout.contains("ValueError: argument 'sparsity' of prune must be in [0, 1), got 1.5"), "\(r.stdout)")
        #expect(r.stdout.contains("c.prune:12:") && r.stdout.contains("must be one of \"exp\", \"linear\", got \"cos\""), "\(r.stdout)")
        #expect(r.stdout.hasSuffix("c.prune: 4 errors in 1 of 2 code cells\n"), "\(r.stdout)")
        // an .ipynb whose parameters tag is in the cell metadata (as Jupyter stores it): lines of the .ipynb
        try """
        {
         "cells": [
          {
           "cell_type": "code",
           "execution_count": null,
           "metadata": {"tags": ["parameters"]},
           "outputs": [],
           "source": [
            "s = 99%\\n",
            "t = froce"
           ]
          }
         ],
         "metadata": {},
         "nbformat": 4,
         "nbformat_minor": 5
        }
        """.write(toFile: dir + "/n.ipynb", atomically: true, encoding: .utf8)
        let n = try CLI.run(["check", "n.ipynb"], cwd: dir)
        #expect(n.stdout.contains("n.ipynb:10:5: NameError: unknown name 'froce'"), "\(n.stdout)")
        // every script of the notebooks and of the tests checks clean
        for script in try FileManager.default.contentsOfDirectory(atPath: ExampleNotebookTests.root + "/Notebooks") where script.hasSuffix(".prune") {
            let c = try CLI.run(["check", ExampleNotebookTests.root + "/Notebooks/" + script])
            #expect(c.status == 0, "\(script): \(c.stdout)")
        }
    }

    @Test func versionAndMissingScript() throws {
        let v = try CLI.run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout == "0.1.0\n")
        let missing = try CLI.run(["run", "/nonexistent/x.prune"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/x.prune"))
    }

    @Test func pipedInputPrintsOnlyResults() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "x = 2\nfor i in range(2) {\n  print(i)\n}\nx * 21\n:time\n:export s.ipynb\nnope\n"
        let r = try CLI.run([], input: script, environment: ["HOME": dir], cwd: dir)
        #expect(r.stdout.hasPrefix("0\n1\n42\ntiming on\n"), "\(r.stdout)")
        #expect(r.stdout.contains("wrote s.ipynb\n"))
        #expect(r.stderr.contains("NameError: unknown name 'nope' (cell 4, line 1, column 1)"), "\(r.stderr)")
        #expect(r.status == 1)
        let nb = try JSONParser.parse(try Self.read(dir + "/s.ipynb"))
        #expect(nb["cells"]?.arrayValue?.count == 3)
        let empty = try CLI.run([], input: "", environment: ["HOME": dir], cwd: dir)
        #expect(empty.status == 0)
        #expect(empty.stdout.isEmpty)
    }

    @Test func producedNotebooksPassTheStrictValidator() throws {
        guard let python = NbValidator.python() else {
            try NbValidator.unavailable()
            return
        }
        guard let validator = NbValidator.script() else {
            try NbValidator.unavailable()
            return
        }
        let dir = try Self.folder(with: "sample.prune", "failing.prune", "figures.prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try CLI.run(["run", "figures.prune"], cwd: dir)
        _ = try CLI.run(["run", "sample.prune", "-p", "n=1"], cwd: dir)
        _ = try CLI.run(["run", "failing.prune"], cwd: dir)
        _ = try CLI.run(["convert", "sample.prune", "converted.ipynb"], cwd: dir)
        let files = ["sample", "failing", "converted", "figures"].map { "\(dir)/\($0).ipynb" }
        let r = try NbValidator.run(python, [validator, "--canonical"] + files)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.components(separatedBy: "\n").filter { $0.hasPrefix("valid ") }.count == files.count, "\(r.output)")
    }
}
