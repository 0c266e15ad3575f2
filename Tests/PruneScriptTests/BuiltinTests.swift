import Testing
@testable import PruneScript

/// A pretend engine object, as the lead's model/mask handles will be.
final class FakeModel: ScriptHandle {
    var width = 1.0
    var typeName: String { "model" }
    var displayText: String { "<model fake: width \(formatNumber(width))>" }
    var fieldNames: [String] { ["width", "params"] }
    func field(_ name: String) throws -> Value? {
        switch name {
        case "width": return .number(width)
        case "params": return .number(61706)
        default: return nil
        }
    }
    func setField(_ name: String, to value: Value) throws {
        guard name == "width", case .number(let x) = value else { throw ScriptError(.type, "width: expected number") }
        width = x
    }
}

/// Engine builtins are registered from other files like this.
extension BuiltinRegistry {
    mutating func registerFakeEngine() {
        register("fake_model", named: [Param("width", .number, default: .number(1), range: .greaterThan(0), unit: "multiplier")],
                 doc: "A fake model.") { args in
            let m = FakeModel(); m.width = try args.number("width"); return .handle(m)
        }
        register(Builtin("fake_prune",
                         positional: [Param("net", .handle("model")), Param("method", .string, choices: ["snip", "force"])],
                         named: [Param("sparsity", .number, default: .number(0.9), range: ParamRange(0..<1), unit: "fraction removed"),
                                 Param("steps", .integer, default: .number(60), range: .atLeast(1)),
                                 Param("seed", .integer, default: .null, defaultText: "session seed")],
                         doc: "Prune a fake model.", reference: "de Jorge et al., Progressive Skeletonization, ICLR 2021") { args in
            let seed = args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed
            return .record([("method", .string(try args.string("method"))), ("sparsity", args["sparsity"]),
                            ("steps", args["steps"]), ("seed", .number(Double(seed)))])
        })
        register("fake_plot", doc: "Emits a figure.") { args in
            args.context.display(.svg("<svg/>", name: "fig.svg"))
            args.context.warn("careful")
            return .null
        }
    }
}

private func engineSession() -> Interpreter {
    var registry = BuiltinRegistry.core
    registry.registerFakeEngine()
    return Interpreter(builtins: registry)
}

@Test func namedArgumentsAreChecked() {
    let s = engineSession()
    #expect(s.run("net = fake_model(width: 2)", cell: 1).error == nil)
    #expect(s.run("fake_prune(net, \"force\", sparsity: 99%, steps: 10)", cell: 2).resultText
            == "{method: \"force\", sparsity: 0.99, steps: 10, seed: 0}")
    #expect(s.run("seed(7); fake_prune(net, \"snip\").seed", cell: 3).resultText == "7")
    #expect(s.run("fake_prune(net, \"snip\", seed: 3).seed", cell: 3).resultText == "3")
    #expect(s.run("fake_prune(net: net, method: \"snip\").steps", cell: 3).resultText == "60")

    let unknown = s.run("fake_prune(net, \"force\", spasity: 0.9)", cell: 4).error!
    #expect(unknown.kind == .argument)
    #expect(unknown.message == "unknown argument 'spasity' for fake_prune")
    #expect(unknown.hint == "did you mean 'sparsity'?")
    #expect(unknown.location?.column == 26)

    let wrongType = s.run("fake_prune(net, \"force\", sparsity: \"high\")", cell: 5).error!
    #expect(wrongType.kind == .type)
    #expect(wrongType.message == "argument 'sparsity' of fake_prune: expected number, got string")

    let range = s.run("fake_prune(net, \"force\", sparsity: 1)", cell: 6).error!
    #expect(range.kind == .value)
    #expect(range.message == "argument 'sparsity' of fake_prune must be in [0, 1), got 1")
    #expect(s.run("fake_model(width: 0)", cell: 6).error?.message == "argument 'width' of fake_model must be > 0, got 0")
    #expect(s.run("fake_prune(net, \"force\", steps: 2.5)", cell: 6).error?.message
            == "argument 'steps' of fake_prune: expected integer, got 2.5")

    let choice = s.run("fake_prune(net, \"forse\")", cell: 7).error!
    #expect(choice.message == "argument 'method' of fake_prune must be one of \"snip\", \"force\", got \"forse\"")
    #expect(choice.hint == "did you mean \"force\"?")

    let handleType = s.run("fake_prune([1], \"snip\")", cell: 8).error!
    #expect(handleType.message == "argument 'net' of fake_prune: expected model, got list")
    #expect(s.run("fake_prune(net)", cell: 9).error?.message == "missing argument 'method' for fake_prune")
    #expect(s.run("fake_prune(net, \"snip\", sparsity: 0.5, sparsity: 0.6)", cell: 9).error?.kind == .syntax)
}

@Test func handlesExposeFields() {
    let s = engineSession()
    _ = s.run("net = fake_model()", cell: 1)
    #expect(s.run("net", cell: 2).resultText == "<model fake: width 1>")
    #expect(s.run("net.params", cell: 3).resultText == "61706")
    #expect(s.run("type(net)", cell: 3).resultText == "\"model\"")
    #expect(s.run("keys(net)", cell: 3).resultText == "[\"width\", \"params\"]")
    #expect(s.run("net.width = 3; net.width", cell: 4).resultText == "3")
    #expect(s.run("alias = net; alias.width = 5; net.width", cell: 4).resultText == "5")
    #expect(s.run("net[\"params\"]", cell: 4).resultText == "61706")
    let e = s.run("net.parms", cell: 5).error!
    #expect(e.kind == .key && e.message == "a model has no field 'parms'" && e.hint == "did you mean 'params'?")
    #expect(s.run("net.width = \"x\"", cell: 6).error?.kind == .type)
    #expect(s.run("print(net)", cell: 7).stdout == "<model fake: width 5>\n")
    #expect(s.run("net == net", cell: 7).resultText == "true")
}

@Test func displayItemsAndWarningsAreCollected() {
    let s = engineSession()
    let r = s.run("fake_plot(); print(\"done\")", cell: 1)
    #expect(r.displays == [.svg("<svg/>", name: "fig.svg")])
    #expect(r.warnings == ["careful"])
    #expect(r.outputs == [.display(.svg("<svg/>", name: "fig.svg")), .warning("careful"), .stdout("done\n")])
}

@Test func helpIsGeneratedFromTheRegistry() {
    let s = engineSession()
    let index = s.run("help()", cell: 1).stdout
    for name in s.builtins.names { #expect(index.contains("\n  \(name) "), "\(name)") }
    let text = s.run("help(\"fake_prune\")", cell: 2).stdout
    #expect(text == """
    fake_prune(net, method, sparsity: 0.9, steps: 60, seed: session seed)
      Prune a fake model.
      Arguments:
        net       model; required
        method    string, one of "snip", "force"; required
        sparsity  number in [0, 1) (fraction removed); default 0.9
        steps     integer >= 1; default 60
        seed      integer; default session seed
      Reference: de Jorge et al., Progressive Skeletonization, ICLR 2021

    """)
    #expect(s.run("help(fake_prune)", cell: 3).stdout == text)
    #expect(s.run("fn mine(a, b: 1) { a }\nhelp(mine)", cell: 4).stdout.hasPrefix("mine(a, b: …)"))
}

@Test func registryServesCompletion() {
    let r = BuiltinRegistry.core
    #expect(r.completions(prefix: "lo") == ["log", "log10", "logspace"])
    #expect(r.namedArguments(of: "round") == ["x", "digits"])
    #expect(r.namedArguments(of: "nope") == [])
    let core = ["print", "str", "len", "push", "range", "linspace", "logspace", "mean", "std", "min", "max", "sum",
                "round", "abs", "sqrt", "log", "log10", "exp", "floor", "ceil", "keys", "table", "group", "sort",
                "seed", "help", "type", "time"]
    for name in core { #expect(r[name] != nil, "\(name)") }
    var replaced = r
    replaced.register("len", positional: [Param("value")], doc: "replaced") { _ in .number(-1) }
    #expect(replaced.names.count == r.names.count)
    #expect(Interpreter(builtins: replaced).run("len([])").resultText == "-1")
}

@Test func builtinsCanCallBackIntoScripts() {
    let s = Interpreter()
    s.register(Builtin("apply_twice", positional: [Param("f", .function), Param("x")], doc: "f(f(x))") { args in
        try args.context.call(args["f"], [try args.context.call(args["f"], [args["x"]])])
    })
    #expect(s.run("apply_twice(fn (v) { v * 3 }, 2)").resultText == "18")
    #expect(s.run("apply_twice(fn (v) { v + \"a\" }, 2)").error?.kind == .type)
}

@Test func lazyArgumentsForTime() {
    let r = runCell("x = time(1 + 2); x")
    #expect(r.resultText == "3")
    #expect(r.stdout.hasPrefix("time: ") && r.stdout.hasSuffix(" s\n"))
    #expect(runCell("time(nope)").error?.kind == .name)
    #expect(runCell("fn f() { time(undefined_thing) }; f()").error?.location?.column == 15)
}

/// The DESIGN.md example, with stand-in engine builtins, parses and runs.
@Test func designExampleRunsWithStandInEngine() {
    var registry = BuiltinRegistry.core
    registry.register("lenet5", named: [Param("seed", .integer, default: .number(0))], doc: "stand-in") { _ in .handle(FakeModel()) }
    registry.register("dataset", positional: [Param("name", .string)], named: [Param("limit", .integer, default: .null)],
                      doc: "stand-in") { args in .record([("name", args["name"])]) }
    registry.register("force", positional: [Param("net", .handle("model")), Param("data")],
                      named: [Param("sparsity", .number, range: ParamRange(0..<1)), Param("steps", .integer, default: .number(60))],
                      doc: "stand-in") { args in .record([("sparsity", args["sparsity"])]) }
    registry.register("prune", positional: [Param("net", .handle("model")), Param("method", .string), Param("data")],
                      named: [Param("sparsity", .number, range: ParamRange(0..<1))], doc: "stand-in") { args in
        .record([("sparsity", args["sparsity"])])
    }
    registry.register("report", positional: [Param("mask", .record)], doc: "stand-in") { args in
        args.context.print("sparsity \(args["mask"].text)"); return .null
    }
    registry.register("train", positional: [Param("net"), Param("data")],
                      named: [Param("mask", .record), Param("epochs", .integer, default: .number(1)), Param("lr", .number, default: .number(0.1))],
                      doc: "stand-in") { args in
        guard case .record(let m) = args["mask"], case .number(let s)? = m["sparsity"] else { return .null }
        return .record([("accuracy", .number(1 - s / 2))])
    }
    registry.register("plot", positional: [Param("data", .oneOf([.list, .table]))],
                      named: [Param("x", .string), Param("y", .string), Param("by", .string, default: .null),
                              Param("xscale", .string, default: .string("linear"), choices: ["linear", "log", "sparsity"]),
                              Param("file", .string, default: .null)], doc: "stand-in") { args in
        args.context.display(.svg("<svg/>", name: args.has("file") ? try args.string("file") : nil)); return .null
    }
    let s = Interpreter(builtins: registry)
    let script = """
    # comments start with #
    net  = lenet5(seed: 1)
    data = dataset("mnist", limit: 10000)
    m    = force(net, data, sparsity: 99.5%, steps: 60)   # 99.5% is 0.995
    report(m)
    r = train(net, data, mask: m, epochs: 2, lr: 0.1)
    r.accuracy
    """
    let r1 = s.run(script, cell: 1)
    #expect(r1.error == nil)
    #expect(r1.stdout == "sparsity {sparsity: 0.995}\n")
    #expect(r1.resultText == "0.5025")
    let loop = """
    results = []
    for method in ["random", "snip", "iter_snip", "force"] {
      for s in [90%, 99%, 99.5%, 99.9%] {
        mask = prune(net, method, data, sparsity: s)
        push(results, {method: method, sparsity: s, acc: train(net, data, mask: mask, epochs: 1).accuracy})
      }
    }
    plot(results, x: "sparsity", y: "acc", by: "method", xscale: "sparsity", file: "fig1.svg")
    fn twice(x) { x * 2 }
    len(results)
    """
    let r2 = s.run(loop, cell: 2)
    #expect(r2.error == nil)
    #expect(r2.resultText == "16")
    #expect(r2.displays == [.svg("<svg/>", name: "fig1.svg")])
    let bad = s.run("plot(results, x: \"sparsity\", y: \"acc\", xscale: \"logg\")", cell: 3).error
    #expect(bad?.hint == "did you mean \"log\"?")
}
