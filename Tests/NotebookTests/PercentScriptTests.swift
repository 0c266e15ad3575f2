import Testing
import JSON
@testable import Notebook

/// Scripts that must come back byte for byte.
let scriptShapes: [String] = [
    "",
    "\n",
    "\n\n",
    "x = 1",
    "x = 1\n",
    "x = 1\n\n\n",
    "\n\nx = 1\ny = 2\n",
    "# just a comment\nx = 1\n",
    "# %%\nx = 1\n",
    "# %%\nx = 1",
    "# %%\n",
    "# %%\n# %%\n# %%\n",
    "# %%\n\n\n# %%\n",
    "# %% Setup\nx = 1\n\n# %% [markdown]\n# # Title\n#\n# Some *text*.\n\n# %% Plot [markdown]\n# hi\n# %%\ny = 2\n",
    "# %% [raw]\n# raw text\n",
    "x = 0\n\n# %%\nx = 1\n",
    "\n\n# %%\nx = 1\n",
    "# %%\n#| label: setup\n#| tags: [parameters]\n#|seed:   3\nsparsity = 99%\n\n# %% Results [v2]\nreport(m)\n",
    "# %%\n\n\nx = 1\n\n",
    "# ---\n# title: Demo\n# jupyter:\n#   kernelspec:\n#     name: prunescript\n# ---\n\n# %%\nx = 1\n",
    "# ---\n# title: Demo\n# ---\nx = 1\n",
    "# %%\r\nx = 1\r\n\r\n# %% [markdown]\r\n# text\r\n",
    "# %%\r\nx = 1\r\n\r\n# %% [markdown]\r\n# text",
    "# %%\nx = 1\r\ny = 2\n",
    "# %%\n    indented\n\t tabs \n# %% [markdown]\n# café ☕ 𝔘\n# \u{2028}sep\n",
    "# %% ünïcode títle [markdown]\n#\n#\n# x\n",
]

/// Layouts the writer would not produce itself: exact through Notebook, normalized through .ipynb.
let unusualScriptShapes: [String] = [
    "# %%   odd   spacing   \nx = 1\n\n\n\n# %% [md]\n#no space\n\n# between\n",
    "# %%  Two spaces\nx = 1\n",
]

@Test(arguments: scriptShapes + unusualScriptShapes)
func readingThenWritingGivesTheSameBytes(script: String) throws {
    let nb = try PercentScript.read(script, file: "t.prune")
    #expect(Array(PercentScript.write(nb).utf8) == Array(script.utf8))
}

@Test(arguments: scriptShapes)
func scriptSurvivesIPYNB(script: String) throws {
    let nb = try PercentScript.read(script)
    let ipynb = NotebookWriter.ipynb(nb)
    let back = try NotebookReader.ipynb(ipynb)
    #expect(back == nb)
    #expect(Array(PercentScript.write(back).utf8) == Array(script.utf8))
    #expect(NotebookWriter.ipynb(back) == ipynb)
}

@Test(arguments: unusualScriptShapes)
func unusualLayoutsAreNormalizedThroughIPYNB(script: String) throws {
    let nb = try PercentScript.read(script)
    let back = try NotebookReader.ipynb(NotebookWriter.ipynb(nb))
    #expect(back == nb)
    let normalized = PercentScript.write(back)
    #expect(normalized != script)
    #expect(PercentScript.write(try PercentScript.read(normalized)) == normalized)
}

@Test func cellsAndTheirParts() throws {
    let nb = try PercentScript.read("""
    # %% Setup
    #| label: setup
    x = 1


    # %% [markdown]
    # # Title
    #
    # text

    # %% Plot [markdown]
    # hi
    # %%
    y = 2

    """)
    #expect(nb.cells.map(\.kind) == [.code, .markdown, .markdown, .code])
    #expect(nb.cells[0] == Cell(kind: .code, source: "#| label: setup\nx = 1", title: "Setup", linesToNextCell: 2))
    #expect(nb.cells[1] == Cell.markdown("# Title\n\ntext"))
    #expect(nb.cells[2] == Cell(kind: .markdown, source: "hi", title: "Plot", linesToNextCell: 0))
    #expect(nb.cells[3] == Cell.code("y = 2"))
    #expect(nb.cells[0].label == "setup")
    #expect(!nb.script.unmarkedFirstCell)
}

@Test func aFileWithoutMarkersIsOneCodeCell() throws {
    let nb = try PercentScript.read("# load\nnet = lenet5(seed: 1)\n\nreport(net)\n")
    #expect(nb.cells == [Cell.code("# load\nnet = lenet5(seed: 1)\n\nreport(net)")])
    #expect(nb.script.unmarkedFirstCell)
}

@Test func headerGivesNotebookMetadata() throws {
    let nb = try PercentScript.read("""
    # ---
    # title: "Figure 1: accuracy"
    # authors:
    # - Ada
    # - 'Bob O''Neil'
    # seeds: [1, 2, 3]
    # jupyter:
    #   kernelspec:
    #     name: python3
    #   widgets: {"state": {}}
    #   rank: 2.5   # a comment
    # ---

    # %%
    x = 1

    """)
    let header = try #require(nb.header)
    #expect(header["title"] == .string("Figure 1: accuracy"))
    #expect(header["authors"] == .array([.string("Ada"), .string("Bob O'Neil")]))
    #expect(header["seeds"] == .array([.int(1), .int(2), .int(3)]))
    #expect(nb.metadata.extra["widgets"] == .object([("state", .object([]))]))
    #expect(nb.metadata.extra["rank"] == .double(2.5))
    #expect(nb.metadata.extra["kernelspec"] == nil)  // PruneScript's own kernelspec wins
    #expect(nb.script.preamble.hasPrefix("# ---\n# title:"))
    #expect(nb.script.preamble.hasSuffix("# ---\n\n"))
}

@Test func editedCellsAreWrittenCanonically() throws {
    var nb = try PercentScript.read("# %%    a   \nx = 1\n\n# %%  [markdown]\n#hello\n")
    nb.cells[0].source = "x = 2"
    nb.cells[1].title = "Notes"
    nb.appendCode("y = 3")
    nb.appendMarkdown("line\n\nline")
    #expect(PercentScript.write(nb) == "# %%    a   \nx = 2\n\n# %% Notes [markdown]\n#hello\n\n# %%\ny = 3\n\n# %% [markdown]\n# line\n#\n# line\n")
}

@Test func newNotebooksUseTheCanonicalLayout() {
    var nb = Notebook()
    nb.appendMarkdown("# Pruning")
    nb.appendCode("#| seed: 1\nnet = lenet5()", title: "Model")
    nb.cells.append(Cell(kind: .raw, source: "raw\n"))
    #expect(PercentScript.write(nb) == "# %% [markdown]\n# # Pruning\n\n# %% Model\n#| seed: 1\nnet = lenet5()\n\n# %% [raw]\n# raw\n#\n")
}

@Test func crlfScriptsKeepTheirLineEndings() throws {
    let nb = try PercentScript.read("# %%\r\nx = 1\r\n")
    #expect(nb.script.lineEnding == .crlf)
    #expect(nb.cells[0].source == "x = 1")
}

struct BadScript: Sendable, CustomTestStringConvertible {
    var text: String
    var line: Int
    var fragment: String
    var testDescription: String { fragment }
}

@Test(arguments: [
    BadScript(text: "# ---\n# title: x\nx = 1\n", line: 1, fragment: "not closed"),
    BadScript(text: "# ---\n#title: x\n# ---\n", line: 2, fragment: "must start with '# '"),
    BadScript(text: "# ---\n# title\n# ---\n", line: 2, fragment: "expected 'key: value'"),
    BadScript(text: "# ---\n# a: 1\n# a: 2\n# ---\n", line: 3, fragment: "given twice"),
    BadScript(text: "# ---\n# a: 1\n#     b: 2\n# ---\n", line: 3, fragment: "unexpected indentation"),
    BadScript(text: "x = 1\n\n# %% [markdwn]\n# hi\n", line: 3, fragment: "unknown cell type '[markdwn]'"),
    BadScript(text: "# %%\nx = 1\n# %% [markdown]\n# ok\nnot a comment\n", line: 5, fragment: "must start with '# '"),
    BadScript(text: "# %%\n#| label setup\n", line: 2, fragment: "expected a cell option"),
    BadScript(text: "# %%\n#| label: a\n#| label: b\n", line: 3, fragment: "given twice"),
    BadScript(text: "# %%\n#| seed: one\n", line: 2, fragment: "must be an integer"),
    BadScript(text: "\n\n#| tags: [a,,b]\n", line: 3, fragment: "empty tag"),
    BadScript(text: "# %%\n#| fig cap: x\n", line: 2, fragment: "option name"),
])
func scriptErrorsCarryLineNumbers(bad: BadScript) {
    do {
        _ = try PercentScript.read(bad.text, file: "bad.prune")
        Issue.record("expected an error for \(bad.fragment)")
    } catch {
        #expect(error.file == "bad.prune")
        #expect(error.line == bad.line)
        #expect(error.description.contains(bad.fragment), "\(error)")
        #expect(error.description.hasPrefix("bad.prune:\(bad.line): "))
    }
}
