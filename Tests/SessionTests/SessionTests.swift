import Foundation
import Notebook
import PruneScript
@testable import Session
import Support
import TestSupport
import Testing

/// A figure handle, as the engine's `plot` returns.
private final class FakeFigure: ScriptHandle {
    var typeName: String { "figure" }
    var displayText: String { "<figure>" }
}

/// In-process tests of what `run` and the REPL share: outputs, figures, parameters, completion.
@Suite struct SessionTests {
    static let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30pt\" height=\"15pt\"><rect width=\"1\" height=\"1\"/></svg>"

    /// A session whose figures go to `<dir>/Plots` and transcript to `<dir>/out`, with a test
    /// builtin `fig(name:)` that warns, displays an SVG and returns a figure handle.
    static func session(in dir: String) -> NotebookSession {
        let figures = FigureWriter(folder: dir + "/Plots", notebookName: "demo", transcriptFolder: dir + "/out")
        let s = NotebookSession(figures: figures, cancellation: CancellationToken())
        s.interpreter.register(Builtin("fig", named: [Param("name", .string, default: .null)], doc: "test figure") { args in
            args.context.warn("drawing")
            args.context.display(.svg(svg, name: args.has("name") ? try args.string("name") : nil, alt: "Figure. x: step"))
            return .handle(FakeFigure())
        })
        return s
    }

    @Test func figuresAreWrittenNamedAndLinked() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Self.session(in: dir)
        var events: [String] = []
        s.onEvent = { e in if case .figure(let p, _) = e { events.append(p) } }
        s.append("print(1)")
        let r = s.append("fig(); fig(name: \"sub/named\"); fig()")
        #expect(r.error == nil)
        #expect(r.value != nil)   // the handle is the value, but not shown as text
        // every figure carries its PNG rendering at twice its CSS size (30 pt = 40 px)
        var outputs = s.notebook.cells[1].outputs
        for (i, o) in outputs.enumerated() {
            guard case let .displayData(svg, png, text, file) = o else { continue }
            #expect(png.flatMap(PNGInfo.init) == PNGInfo(width: 80, height: 40))
            outputs[i] = .displayData(svg: svg, text: text, file: file)
        }
        #expect(outputs == [
            .stream(name: .stderr, text: "warning: drawing\n"),
            .displayData(svg: Self.svg, text: "Figure. x: step", file: "../Plots/demo-2-1.svg"),
            .stream(name: .stderr, text: "warning: drawing\n"),
            .displayData(svg: Self.svg, text: "Figure. x: step", file: "../Plots/sub/named.svg"),
            .stream(name: .stderr, text: "warning: drawing\n"),
            .displayData(svg: Self.svg, text: "Figure. x: step", file: "../Plots/demo-2-2.svg"),
        ])
        #expect(events == ["demo-2-1.svg", "sub/named.svg", "demo-2-2.svg"].map { dir + "/Plots/" + $0 })
        for name in ["demo-2-1.svg", "sub/named.svg", "demo-2-2.svg"] {
            #expect(try AtomicFile.read(dir + "/Plots/" + name) == Self.svg)
        }
        let md = s.transcript.text(.markdown)
        #expect(md.contains("![Figure. x: step](../Plots/demo-2-1.svg)"))
    }

    @Test func resultsErrorsAndMetadata() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Self.session(in: dir)
        s.append("seed(7)\n1 + 1")
        s.append("nil")
        s.append("x = (")
        #expect(s.notebook.cells.map(\.executionCount) == [1, 2, 3])
        #expect(s.notebook.cells[0].outputs == [.executeResult(count: 1, text: "2")])
        #expect(s.notebook.cells[1].outputs.isEmpty)
        guard case let .error(ename, _, traceback)? = s.notebook.cells[2].outputs.last else {
            Issue.record("no error output"); return
        }
        #expect(ename == "SyntaxError")
        #expect(traceback.first?.contains("(cell 3, line 1,") == true)
        let meta = try #require(s.transcript.metadata.prunebook)
        #expect(meta.seed == 7)
        #expect(meta.version == PrunebookVersion.current)
        #expect(meta.blasCore?.isEmpty == false)
    }

    @Test func seedOptionSetsTheSessionSeed() {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Self.session(in: dir)
        s.append("#| seed: 42\nseed()")
        #expect(s.notebook.cells[0].outputs == [.executeResult(count: 1, text: "42")])
    }

    @Test func parameterCellNamesAndValues() throws {
        #expect(Parameters.assignedNames(in: "#| tags: [parameters]\nn = 3\nlet label = \"x\"\nxs[0] = 1\nn = 4\nprint(n)") == ["n", "label"])
        #expect(Parameters.parse("sparsity=99%") == .init(name: "sparsity", text: "99%"))
        #expect(Parameters.parse("a=b=c") == .init(name: "a", text: "b=c"))
        #expect(Parameters.parse("=1") == nil)
        #expect(Parameters.parse("x") == nil)
        let i = Interpreter()
        #expect(Parameters.json(try i.evaluate("99%")) == .double(0.99))
        #expect(Parameters.json(try i.evaluate("3")) == .int(3))
        #expect(Parameters.json(try i.evaluate("[1, \"a\", true, nil]")) == .array([.int(1), .string("a"), .bool(true), .null]))
        #expect(Parameters.json(try i.evaluate("{a: 1.5}")) == .object([("a", .double(1.5))]))
    }

    @Test func relativeLinksAndNames() {
        #expect(FigureWriter.relativePath(from: "Notebooks", to: "Plots/x.svg") == "../Plots/x.svg")
        #expect(FigureWriter.relativePath(from: ".", to: "Plots/x.svg") == "Plots/x.svg")
        #expect(FigureWriter.relativePath(from: "out/deep", to: "out/Plots/x.svg") == "../Plots/x.svg")
        #expect(FigureWriter.relativePath(from: "/a/b", to: "/a/b/c.svg") == "c.svg")
        let w = FigureWriter(folder: "Plots", notebookName: "nb", transcriptFolder: ".")
        #expect(w.fileName(named: nil, cell: 3, index: 2) == "nb-3-2.svg")
        #expect(w.fileName(named: "fig1", cell: 3, index: 0) == "fig1.svg")
        #expect(w.fileName(named: "a.b/fig1.png", cell: 3, index: 0) == "a.b/fig1.png")
        #expect(NotebookPaths.baseName("Notebooks/x.prune") == "x")
        #expect(NotebookPaths.folder("Notebooks/x.prune") == "Notebooks")
        #expect(NotebookPaths.folder("x.prune") == ".")
    }

    static var completion: Completion { Completion(
        builtins: { ["print", "prune", "round", "range", "len", "train"] },
        namedArguments: { $0 == "train" ? ["model", "epochs", "lr"] : $0 == "round" ? ["x", "digits"] : [] },
        variables: { ["net", "results", "prints"] },
        fields: { $0 == "results" ? ["accuracy", "loss"] : [] },
        stringChoices: { callee, _ in callee == "model" ? ["lenet5", "lenet300", "vgg11"] : callee == "dataset" ? ["mnist", "fashion-mnist", "cifar10"] : [] },
        commands: ["help", "save", "export", "run", "history", "time", "reset", "quit"],
        listFolder: { folder in folder == "" ? ["Plots/", "notes.prune", ".hidden"] : folder == "Plots/" ? ["a.svg", "b.svg"] : [] }) }

    @Test func completionByContext() {
        let c = Self.completion
        #expect(c.complete(word: "pri", line: "pri").matches == ["print", "prints"])
        #expect(c.complete(word: "he", line: ":he").matches == ["help"])
        #expect(c.complete(word: "h", line: ":h").matches == ["help", "history"])
        #expect(c.complete(word: "pr", line: ":help pr").matches == ["print", "prune"])
        #expect(c.complete(word: "no", line: ":run no").matches == ["notes.prune"])
        #expect(c.complete(word: "?pri", line: "?pri").matches == ["?print", "?prints"])
        // named arguments of the innermost open call, plus names
        #expect(c.complete(word: "ep", line: "train(net, ep").matches == ["epochs:"])
        #expect(c.complete(word: "d", line: "train(net, epochs: round(2.5, d").matches == ["digits:"])
        #expect(c.complete(word: "n", line: "train(n").matches == ["net", "nil", "not"])
        #expect(c.complete(word: "e", line: "train([1, e").matches == ["else"])
        // inside strings: models, data sets, paths; words split at '-' and '/'
        #expect(c.complete(word: "len", line: "m = model(\"len").matches == ["lenet300", "lenet5"])
        #expect(c.complete(word: "m", line: "d = dataset(\"fashion-m").matches == ["mnist"])
        #expect(c.complete(word: "Plots/", line: "load(\"Plots/").matches == ["Plots/a.svg", "Plots/b.svg"])
        #expect(c.complete(word: "", line: "load(\"").matches.contains("notes.prune"))
        #expect(!c.complete(word: "", line: "load(\"").matches.contains(".hidden"))
        #expect(c.complete(word: "", line: "load(\"").appendSpace == false)
        // fields
        #expect(c.complete(word: "results.a", line: "print(results.a").matches == ["results.accuracy"])
        #expect(c.complete(word: "zz", line: "zz").matches.isEmpty)
        // a comment: nothing special, names still complete
        #expect(Completion.scan("f(\"a\") # (x").openCalls.isEmpty)
    }

    /// Friction 5: results by number, as in IPython.
    @Test func outputHistory() {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Self.session(in: dir)
        s.append("1 + 1")
        s.append("print(3)")
        s.append("10")
        #expect(s.append("Out[1] + _3").resultText == "12")
        #expect(s.append("[__, ___]").resultText == "[10, 2]")
        #expect(s.append("Out[2]").resultText == nil, "cell 2 showed no result")
        #expect(s.append("_4").resultText == "12")
        #expect(s.append("Out[99]").error?.kind == .index)
    }

    /// Friction 5: completion offers what exists: fields reachable with a dot, string choices of
    /// the call being typed (from the builtin registry).
    @Test func completionFromTheRegistryAndRealFields() {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = Self.session(in: dir)
        s.append("r = {\"fc1.weight\": 1, count: 2}")
        let c = Completion(interpreter: s.interpreter, commands: [])
        #expect(c.complete(word: "r.", line: "r.").matches == ["r.count"])
        let methods = c.complete(word: "s", line: "prune(net, \"s").matches
        #expect(methods.contains("snip") && methods.contains("synflow"), "\(methods)")
        #expect(!methods.contains("force"))
        #expect(c.complete(word: "iter", line: "m = prune(net, \"iter").matches == ["iter_snip"])
        #expect(c.complete(word: "ex", line: "force(net, data, schedule: \"ex").matches == ["exp"])
        #expect(c.complete(word: "ex", line: "force(net, data, ties: \"ex").matches == ["exact"])
        #expect(c.complete(word: "ex", line: "force(net, data, sparsity: 0.9, ties: \"ex").matches == ["exact"])
        #expect(c.complete(word: "fashion-m", line: "dataset(\"fashion-m").matches.isEmpty == false)
    }
}
