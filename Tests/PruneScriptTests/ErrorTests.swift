import Testing
@testable import PruneScript

@Test func renderingShowsTheLineAndACaret() {
    let s = Interpreter()
    _ = s.run("force = 1", cell: 1)
    let r = s.run("m = forse(net, data)", cell: 2)
    let e = r.error!
    #expect(e.kind == .name)
    #expect(e.location == SourceLocation(cell: 2, line: 1, column: 5))
    #expect(s.render(e) == """
    NameError: unknown name 'forse' (cell 2, line 1, column 5)
      m = forse(net, data)
          ^~~~~
    did you mean 'force'?
    """)
}

@Test func renderingPointsIntoEarlierCellsAndLaterLines() {
    let s = Interpreter()
    _ = s.run("fn f(x) {\n  x + \"a\"\n}", cell: 1)
    let e = s.run("f(1)", cell: 2).error!
    #expect(e.location == SourceLocation(cell: 1, line: 2, column: 5))
    #expect(s.render(e) == """
    TypeError: '+': expected numbers, strings or lists, got number and string (cell 1, line 2, column 5)
        x + "a"
          ^
    use interpolation "...{x}" or str(x) to join text and values
    """)
}

@Test func headlineWithoutCell() {
    let e = ScriptError(.value, "bad", at: SourceLocation(line: 3, column: 2))
    #expect(e.headline == "ValueError: bad (line 3, column 2)")
    #expect(e.render(source: nil) == "ValueError: bad (line 3, column 2)")
    #expect(ScriptError(.engine, "boom").description == "EngineError: boom")
}

@Test func everyErrorKindHasItsName() {
    #expect(ScriptError.Kind.allCases.map(\.name) == ["SyntaxError", "NameError", "TypeError", "ValueError", "IndexError",
        "KeyError", "ArgumentError", "RuntimeError", "EngineError", "IOError", "Interrupted", "RecursionError"])
}

@Test func eachErrorKindFromScripts() {
    let cases: [(String, ScriptError.Kind, String, Int, Int)] = [
        ("x = (1", .syntax, "expected ')', got end of input", 1, 7),
        ("y = nope + 1", .name, "unknown name 'nope'", 1, 5),
        ("1 + true", .type, "'+': expected numbers, strings or lists, got number and bool", 1, 3),
        ("round(1, digits: 16)", .value, "argument 'digits' of round must be in [-15, 15], got 16", 1, 10),
        ("xs = [1]\nxs[3]", .index, "index 3 out of range for a list of length 1", 2, 4),
        ("r = {a: 1}\nr.b", .key, "no field 'b' in the record", 2, 3),
        ("sqrt(1, base: 2)", .argument, "unknown argument 'base' for sqrt", 1, 9),
        ("fn f() { f() }\nf()", .recursion, "maximum recursion depth (200) exceeded calling 'f'", 1, 10),
    ]
    for (src, kind, message, line, column) in cases {
        let e = errorOf(src)
        #expect(e?.kind == kind, "\(src)")
        #expect(e?.message == message, "\(src)")
        #expect(e?.location?.line == line && e?.location?.column == column, "\(src): \(String(describing: e?.location))")
    }
}

@Test func engineErrorsSurfaceWithTheirMessage() {
    struct Boom: Error, CustomStringConvertible { var description: String { "weights file has 3 tensors, expected 10" } }
    let s = Interpreter()
    s.register(Builtin("explode", doc: "fails") { _ in throw Boom() })
    s.register(Builtin("io_fail", positional: [Param("path", .string)], doc: "fails") { args in
        throw args.error(.io, "cannot open \(try args.string("path"))", argument: "path")
    })
    let e = s.run("x = explode()", cell: 1).error!
    #expect(e.kind == .engine)
    #expect(e.message == "weights file has 3 tensors, expected 10")
    #expect(e.location == SourceLocation(cell: 1, line: 1, column: 5))
    #expect(s.render(e).contains("    ^~~~~~~"))
    let io = s.run("io_fail(\"a.bin\")", cell: 2).error!
    #expect(io.kind == .io && io.location?.column == 9)
}

@Test func suggestions() {
    #expect(Suggest.distance("forse", "force") == 1)
    #expect(Suggest.distance("ab", "ba") == 1)
    #expect(Suggest.distance("", "abc") == 3)
    #expect(Suggest.closest(to: "forse", in: ["force", "snip", "for"]) == "force")
    #expect(Suggest.closest(to: "spasity", in: ["sparsity", "steps"]) == "sparsity")
    #expect(Suggest.closest(to: "Mean", in: ["mean", "max"]) == "mean")
    #expect(Suggest.closest(to: "x", in: ["y", "z"]) == nil)
    #expect(Suggest.closest(to: "completely", in: ["different"]) == nil)
    #expect(errorOf("lenn([1])")?.hint == "did you mean 'len'?")
    #expect(errorOf("x = 1\nprint(y)")?.hint == nil)
    #expect(errorOf("accuracy = 1\naccuracyy")?.hint == "did you mean 'accuracy'?")
    #expect(errorOf("round(1, digts: 2)")?.hint == "did you mean 'digits'?")
    #expect(errorOf("round(1, zzz: 2)")?.hint == "round takes: x, digits")
}

@Test func runtimeErrorLocationsPointAtTheCulprit() {
    #expect(errorOf("if 1 { }")?.location?.column == 4)
    #expect(errorOf("xs = [1]\nxs[\"a\"]")?.location?.column == 4)
    #expect(errorOf("for x in 5 { }")?.location?.column == 10)
    #expect(errorOf("a = 1\na.b")?.location?.column == 3)
    #expect(errorOf("f = 1\nf(2)")?.hint == "'f' is a number here")
}
