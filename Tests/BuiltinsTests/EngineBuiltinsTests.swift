@testable import Builtins
import Foundation
import NeuralNet
import PruneScript
import Pruning
import Tensor
import TestSupport
import Testing

/// The engine builtins through the interpreter: the issue's acceptance script against the PyTorch
/// fixtures, training, figures, files, and the errors a newcomer meets first.
@Suite struct EngineBuiltinsTests {
    final class Session {
        let interpreter: Interpreter
        var cell = 0
        init() { interpreter = Interpreter(builtins: .prunebook(settings: EngineSettings())) }

        /// Runs a cell; records an issue when it fails.
        @discardableResult
        func run(_ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CellResult {
            cell += 1
            let r = interpreter.run(source, cell: cell)
            if let e = r.error { Issue.record("cell \(cell) failed: \(interpreter.render(e))", sourceLocation: sourceLocation) }
            return r
        }

        func fails(_ source: String) -> ScriptError? {
            cell += 1
            return interpreter.run(source, cell: cell).error
        }

        func number(_ expression: String) throws -> Double {
            guard case .number(let x) = try interpreter.evaluate(expression) else { throw FixtureError("\(expression) is not a number") }
            return x
        }
    }

    static func temporaryFolder() -> String {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("pb-engine-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }

    static func fixtureMask(_ f: GoldenFixture, _ key: String, for net: Network<Float>) throws -> Mask {
        Mask(entries: try net.prunable.map { p in
            Mask.Entry(name: p.name, shape: p.parameter.shape, bits: try f.file.integers("\(key).\(p.name)").map { UInt8($0) })
        })
    }

    /// The acceptance script of the language issue: FORCE at 90% on lenet5_mnist and SNIP scores, saved and
    /// compared (the fixture's FORCE masks were made with cross-entropy, so the script names it).
    @Test(.enabled(if: Golden.available, "golden fixtures not found at ../shared/golden"))
    func acceptanceScriptAgreesWithTheFixture() throws {
        let dir = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixture = Golden.path("lenet5_mnist")
        let s = Session()
        s.run("""
        net = model("lenet5", input: [1, 28, 28], classes: 10)
        load_weights(net, "\(fixture)", prefix: "param.")
        b = load_batches("\(fixture)")
        m = prune(net, "force", b, sparsity: 90%, steps: 10, loss: "ce")
        save(m, "\(dir)/out/force-mask.safetensors")
        save(scores(net, "snip", b), "\(dir)/out/snip.safetensors")
        """)
        let f = try GoldenFixture("lenet5_mnist")
        let net = try ModelZoo.build(ModelSpec(name: "lenet5"))
        let ours = try MaskFile.loadMask("\(dir)/out/force-mask.safetensors", for: net)
        let ref = try Self.fixtureMask(f, "mask.force.0.9", for: net)
        #expect(ours.kept == ref.kept)
        #expect(try ours.agreement(with: ref) >= 0.99)
        let scores = try SafetensorsFile(path: "\(dir)/out/snip.safetensors")
        var num = 0.0, den = 0.0
        for (name, _) in net.prunable {
            for (a, b) in zip(try scores.tensor(name).scalars, try f.tensor("score.snip.\(name)").scalars) {
                num += Double(a - b) * Double(a - b)
                den += Double(b) * Double(b)
            }
        }
        #expect((num / den).squareRoot() <= 1e-4)
        // the mask knows how it was made
        #expect(try s.number("m.sparsity") == 1 - Double(ref.kept) / 61_470)
        #expect(try s.number("len(m.steps)") == 10)
    }

    @Test func pruneTrainAndReportOnTheDigits() throws {
        let s = Session()
        let r = s.run("""
        seed(3)
        net = lenet300(input: [1, 8, 8])
        data = digits(batch: 64)
        m = force(net, data, sparsity: 95%, steps: 5)
        run = train(net, data, mask: m, epochs: 10, lr: 0.1, batch: 32)
        report(m)
        run.accuracy
        """)
        guard case .number(let acc) = r.value else { Issue.record("no accuracy"); return }
        #expect(acc > 0.5)
        #expect(r.stdout.contains("fc1.weight") && r.stdout.contains("remaining multiply-accumulates"))
        // train never changes net; the trained copy honours the mask
        #expect(try s.number("evaluate(net, data).accuracy") < acc)
        #expect(try s.number("evaluate(run.net, data, mask: m).accuracy") == acc)
        #expect(try s.number("len(run.epochs)") == 10)
        // the same seed gives the same mask; overlap of a mask with itself is 1
        #expect(try s.number("overlap(m, force(net, data, sparsity: 95%, steps: 5))") == 1)
        // aliases resolve to the same density and are echoed
        let d = s.run("m2 = magnitude(net, density: 0.05)\nm3 = magnitude(net, sparsity: 95%)\noverlap(m2, m3)")
        #expect(d.stdout.contains("density 0.05 = sparsity 95.00%"))
        #expect(d.resultText == "1")
    }

    /// `kernels:` on train and evaluate: every choice trains the pruned network to about the same
    /// accuracy (the products' rounding differs), evaluation agrees, and a bad choice names the choices.
    @Test func kernelsOption() throws {
        let s = Session()
        s.run("""
        seed(5)
        net = lenet300(input: [1, 8, 8])
        data = digits(batch: 64)
        m = magnitude(net, sparsity: 99%)
        d = train(net, data, mask: m, epochs: 5, lr: 0.1, batch: 32, kernels: "dense")
        sp = train(net, data, mask: m, epochs: 5, lr: 0.1, batch: 32, kernels: "sparse")
        a = train(net, data, mask: m, epochs: 5, lr: 0.1, batch: 32)
        """)
        let (dense, sparse, auto) = (try s.number("d.accuracy"), try s.number("sp.accuracy"), try s.number("a.accuracy"))
        #expect(abs(dense - sparse) <= 0.02 && abs(dense - auto) <= 0.02, "dense \(dense), sparse \(sparse), auto \(auto)")
        #expect(try s.number("evaluate(sp.net, data, kernels: \"sparse\").accuracy") == sparse)
        #expect(abs(try s.number("evaluate(sp.net, data, kernels: \"dense\").accuracy") - sparse) <= 0.01)
        let e = s.fails("train(net, data, mask: m, kernels: \"fast\")")
        let message = e.map { s.interpreter.render($0) } ?? ""
        #expect(message.contains("auto") && message.contains("dense") && message.contains("sparse"), "\(message)")
    }

    @Test func figuresAreShownAndNamed() throws {
        let s = Session()
        let r = s.run("""
        t = table([{method: "snip", s: 0.9, acc: 0.95}, {method: "snip", s: 0.99, acc: 0.9}, {method: "force", s: 0.9, acc: 0.96}, {method: "force", s: 0.99, acc: 0.93}])
        f = plot(t, x: "s", y: "acc", by: "method", xscale: "sparsity", file: "acc.svg")
        hist([1, 2, 2, 3, 3, 3])
        f.file
        """)
        #expect(r.displays.count == 2)
        guard case .svg(let svg, let name, _)? = r.displays.first else { Issue.record("no figure"); return }
        #expect(name == "acc.svg")
        #expect(svg.hasPrefix("<svg") && svg.contains("snip") && svg.contains("force"))
        guard case .svg(_, let unnamed, _)? = r.displays.last else { return }
        #expect(unnamed == nil)
        #expect(r.resultText == "\"acc.svg\"")
        #expect(s.fails("plot(t, x: \"s\", y: \"accuracy\")")?.message.contains("no column 'accuracy'") == true)
        #expect(s.fails("plot(t, x: \"s\", y: \"acc\", file: \"../x.svg\")")?.kind == .value)
    }

    /// `precision:` on the methods that compute gradients, checked and documented by the registry.
    @Test func precisionOption() throws {
        let s = Session()
        s.run("net = lenet300(input: [1, 8, 8])\ndata = digits(batch: 32)")
        let both = "overlap(force(net, data, sparsity: 0.9, steps: 3, precision: \"double\"), force(net, data, sparsity: 0.9, steps: 3, precision: \"single\"))"
        #expect(try s.number(both) >= 0.99)
        s.run("m = prune(net, \"iter_snip\", data, sparsity: 0.8, steps: 2, precision: \"auto\")\nsc = scores(net, \"snip\", data, precision: \"double\")")
        let wrong = s.fails("force(net, data, sparsity: 0.9, precision: \"quad\")")
        #expect(wrong?.kind == .value && wrong?.message.contains("'precision' of force must be one of \"auto\", \"single\", \"double\"") == true)
        #expect(s.fails("magnitude(net, sparsity: 0.9, precision: \"double\")")?.kind == .argument)
        let registry = BuiltinRegistry.prunebook(settings: EngineSettings())
        for name in ["force", "iter_snip", "prune", "snip", "synflow", "scores"] {
            #expect(registry.help(for: name)?.contains("precision") == true, "help(\"\(name)\") shows precision")
        }
    }

    @Test func helpfulErrors() throws {
        let s = Session()
        s.run("net = lenet300(input: [1, 8, 8])\ndata = digits()")
        let unknown = s.fails("prune(net, \"forse\", data, sparsity: 0.9)")
        #expect(unknown?.message.contains("forse") == true, "\(String(describing: unknown))")
        #expect(unknown?.hint?.contains("force") == true || unknown?.message.contains("force") == true)
        #expect(s.fails("force(net, data, sparsity: 1.5)")?.kind == .argument || s.fails("force(net, data, sparsity: 1.5)")?.kind == .value)
        #expect(s.fails("snip(net)")?.message.contains("data") == true)
        #expect(s.fails("snip(net, data)")?.message.contains("sparsity") == true)
        #expect(s.fails("snip(net, data, sparsity: 0.9, density: 0.1)")?.message.contains("not sparsity and density") == true)
        let shape = s.fails("train(lenet5(), data)")
        #expect(shape?.message.contains("1×28×28") == true && shape?.message.contains("1×8×8") == true)
        #expect(s.fails("dataset(\"mnist\", root: \"/nonexistent\")")?.kind == .engine)
        #expect(s.fails("model(\"lenet5\", input: [1, 8, 8])")?.kind == .engine)
        #expect(s.fails("force(net, data, sparsty: 0.9)")?.hint?.contains("sparsity") == true)
    }

    @Test func filesRoundTrip() throws {
        let dir = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Session()
        s.run("""
        net = lenet300(input: [1, 8, 8])
        m = random(net, sparsity: 0.5)
        save(m, "\(dir)/m.safetensors")
        back = load("\(dir)/m.safetensors", net: net)
        t = table([{a: 1, b: "x, y"}, {a: 2.5, b: "q\\"z"}])
        save(t, "\(dir)/sub/t.csv")
        save(t, "\(dir)/t.json")
        save(net, "\(dir)/w.safetensors")
        """)
        #expect(try s.number("overlap(m, back)") == 1)
        #expect(try String(contentsOfFile: "\(dir)/sub/t.csv", encoding: .utf8) == "a,b\n1,\"x, y\"\n2.5,\"q\"\"z\"\n")
        #expect(s.run("u = load(\"\(dir)/sub/t.csv\")\nu[1].b").resultText == "\"q\\\"z\"")
        #expect(s.run("len(load(\"\(dir)/t.json\"))").resultText == "2")
        // booleans and nil come back as they were saved
        s.run("save(table([{ok: true, n: nil}, {ok: false, n: 3}]), \"\(dir)/b.csv\")")
        #expect(try String(contentsOfFile: "\(dir)/b.csv", encoding: .utf8) == "ok,n\ntrue,\nfalse,3\n")
        #expect(s.run("b = load(\"\(dir)/b.csv\")\n[b[0].ok, b[1].ok, b[0].n, b[1].n]").resultText == "[true, false, nil, 3]")
        let w = try SafetensorsFile(path: "\(dir)/w.safetensors")
        #expect(w.names.contains("fc1.weight") && w.names.contains("fc3.bias"))
        #expect(s.fails("save(m, \"\(dir)/m.csv\")")?.message.contains(".safetensors") == true)
    }

    @Test func impAndStabilityFromTheLanguage() throws {
        let s = Session()
        let r = s.run("""
        net = lenet300(input: [1, 8, 8])
        data = digits(batch: 32)
        r = imp(net, data, rounds: 2, fraction: 0.5, steps: 30, lr: 0.05, batch: 32)
        st = stability(net, r.masks[2], data, steps: 30, lr: 0.05, batch: 32)
        path = interpolate(st.nets[0], st.nets[1], data, points: 4)
        [len(r.rounds), r.rounds[2].kept, len(path.path)]
        """)
        #expect(r.resultText == "[3, \(Int((Double(Int(50_200 * 0.5)) * 0.5).rounded(.down))), 4]")
        #expect(try s.number("st.data_order.l2") > 0)
        #expect(try s.number("path.barrier") >= 0)
    }

    @Test func helpCoversTheEngine() throws {
        let registry = BuiltinRegistry.prunebook(settings: EngineSettings())
        let help = try #require(registry.help(for: "force"))
        #expect(help.contains("sparsity") && help.contains("de Jorge") && help.contains("60"))
        for name in ["model", "dataset", "digits", "load_batches", "prune", "scores", "train", "evaluate", "imp", "stability",
                     "interpolate", "report", "overlap", "plot", "hist", "bars", "heatmap", "layers", "save", "load",
                     "snip", "grasp", "synflow", "iter_snip", "magnitude", "random", "lenet5", "resnet20"] {
            #expect(registry.index.contains(name), "help() lists \(name)")
        }
    }
}

/// Friction 4: values display as numpy and pandas users expect.
@Test func displayLikeNumpy() throws {
    let i = Interpreter(builtins: .prunebook(settings: EngineSettings()))
    // numbers: bare ones exact, inside records and tables 6 significant digits
    #expect(i.run("0.1 * 7.03", cell: 1).resultText == "0.7030000000000001")
    #expect(i.run("{acc: 0.1 * 7.03, n: 266200}", cell: 2).resultText == "{acc: 0.703, n: 266200}")
    // sparsity and density as percentages in records and tables; the value stays exact
    #expect(i.run("{sparsity: 99.5%, density: 0.5%}", cell: 3).resultText == "{sparsity: 99.5%, density: 0.5%}")
    #expect(i.run("table([{method: \"snip\", sparsity: 99.9%}])", cell: 4).resultText == "method  sparsity\n------  --------\nsnip       99.9%")
    #expect(i.run("{sparsity: 99.5%}.sparsity", cell: 5).resultText == "0.995")
    // a table inside a record: one summary line
    #expect(i.run("{epochs: table([{epoch: 1, loss: 0.5}, {epoch: 2, loss: 0.25}])}", cell: 6).resultText
            == "{epochs: <table 2×2: epoch, loss>}")
    // a score set's layer is a summarised tensor, not 19,200 numbers
    _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)\ns = scores(net, \"magnitude\")", cell: 7)
    let t = try #require(i.run("s[\"fc1.weight\"]", cell: 8).resultText)
    #expect(t.hasPrefix("<tensor fc1.weight 300×64 float32: min "), "\(t)")
    #expect(t.count < 200, "\(t)")
    #expect(i.run("len(s[\"fc1.weight\"].values)", cell: 9).resultText == "19200")
}
