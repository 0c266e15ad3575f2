import Testing
@testable import Notebook

@Test func cellKindsUseNbformatNames() {
    #expect(Cell.Kind.markdown.rawValue == "markdown")
    #expect(Cell.Kind.code.rawValue == "code")
    #expect(Cell.Kind.raw.rawValue == "raw")
}

@Test func optionsComeFromLeadingOptionLines() {
    let cell = Cell.code("#| label: fig-acc\n#| fig-cap: Accuracy [%] vs sparsity\n#|seed:7\n#| tags: [parameters, \"slow run\"]\nx = 1\n#| not: an option")
    #expect(cell.options.map(\.key) == ["label", "fig-cap", "seed", "tags"])
    #expect(cell.label == "fig-acc")
    #expect(cell.figureCaption == "Accuracy [%] vs sparsity")
    #expect(cell.seed == 7)
    #expect(cell.tags == ["parameters", "slow run"])
    #expect(cell.option("not") == nil)
    #expect(Cell.markdown("#| label: x").options.isEmpty)
}

@Test func tagListsAcceptSeveralSpellings() throws {
    #expect(try CellOptions.tagList("parameters") == ["parameters"])
    #expect(try CellOptions.tagList("a, b") == ["a", "b"])
    #expect(try CellOptions.tagList("[a, 'b', a]") == ["a", "b"])
    #expect(try CellOptions.tagList("[]") == [])
    #expect(throws: CellOptions.TagError.self) { try CellOptions.tagList("[a,]") }
    #expect(throws: CellOptions.TagError.self) { try CellOptions.tagList("[\"a,b\"]") }
    #expect(throws: CellOptions.TagError.self) { try CellOptions.tagList("[a") }
}

@Test func appendingStreamTextJoinsTheLastStreamOutput() {
    var cell = Cell.code("print(1)")
    cell.append(.stream(name: .stdout, text: "1\n"))
    cell.append(.stream(name: .stdout, text: "2\n"))
    cell.append(.stream(name: .stderr, text: "warning\n"))
    cell.append(.stream(name: .stdout, text: "3\n"))
    #expect(cell.outputs == [
        .stream(name: .stdout, text: "1\n2\n"),
        .stream(name: .stderr, text: "warning\n"),
        .stream(name: .stdout, text: "3\n"),
    ])
    cell.executionCount = 4
    cell.clearOutputs()
    #expect(cell.outputs.isEmpty && cell.executionCount == nil)
}

@Test func equalityIgnoresScriptLayout() throws {
    let read = try PercentScript.read("# %%   Title  \nx = 1\n")
    #expect(read.cells[0] == Cell.code("x = 1", title: "Title"))
}
