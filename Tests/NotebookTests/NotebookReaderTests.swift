import Testing
import JSON
@testable import Notebook

@Test func writtenNotebooksReadBackEqual() throws {
    let nb = sampleNotebook()
    #expect(try NotebookReader.ipynb(NotebookWriter.ipynb(nb)) == nb)
}

@Test func readsJupyterNotebooksWithStringOrListText() throws {
    let text = #"""
    {"nbformat": 4, "nbformat_minor": 2,
     "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}, "title": "T"},
     "cells": [
      {"cell_type": "markdown", "metadata": {}, "source": "# Hi\nthere"},
      {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["parameters"], "collapsed": false},
       "source": ["s = 0.9\n", "s"],
       "outputs": [
        {"output_type": "stream", "name": "stderr", "text": ["warn\n"]},
        {"output_type": "execute_result", "execution_count": 3, "metadata": {}, "data": {"text/plain": "0.9", "text/html": "<b>0.9</b>"}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR"}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR", "text/plain": ["<Figure>"]}},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t1", "t2"]}
       ]},
      {"cell_type": "raw", "metadata": {}, "source": []}
     ]}
    """#
    let nb = try NotebookReader.ipynb(text, file: "j.ipynb")
    #expect(nb.cells == [
        Cell.markdown("# Hi\nthere"),
        Cell(kind: .code, source: "#| tags: [parameters]\ns = 0.9\ns", executionCount: 3, outputs: [
            .stream(name: .stderr, text: "warn\n"),
            .executeResult(count: 3, text: "0.9", html: "<b>0.9</b>"),
            .displayData(svg: nil, text: "<Figure>", file: nil),
            .error(ename: "E", evalue: "v", traceback: ["t1", "t2"]),
        ]),
        Cell(kind: .raw, source: ""),
    ])
    #expect(nb.metadata.extra["title"] == .string("T"))
    #expect(nb.metadata.extra["kernelspec"] == nil)
    #expect(nb.metadata.prunebook == nil)
    #expect(PercentScript.write(nb) == "# %% [markdown]\n# # Hi\n# there\n\n# %%\n#| tags: [parameters]\ns = 0.9\ns\n\n# %% [raw]\n")
}

@Test func readsPrunebookMetadata() throws {
    let nb = try NotebookReader.ipynb(NotebookWriter.ipynb(sampleNotebook()))
    #expect(nb.metadata.prunebook == PrunebookMetadata(version: "0.1.0", seed: 42, parameters: ["s": .double(0.995)], blasCore: "Haswell"))
}

struct BadNotebook: Sendable, CustomTestStringConvertible {
    var text: String
    var fragment: String
    var testDescription: String { fragment }
}

let minimalCell = #"{"cell_type": "code", "metadata": {}, "source": "", "execution_count": null, "outputs": []}"#

@Test(arguments: [
    BadNotebook(text: "{\"cells\": [\n  1,]}", fragment: "j.ipynb: line 2, column 5: not valid JSON"),
    BadNotebook(text: "[]", fragment: "expected an object, got a list"),
    BadNotebook(text: #"{"cells": []}"#, fragment: "nbformat: missing: not a Jupyter notebook"),
    BadNotebook(text: #"{"nbformat": 3, "cells": []}"#, fragment: "nbformat: expected nbformat 4, got 3"),
    BadNotebook(text: #"{"nbformat": 4}"#, fragment: "cells: missing"),
    BadNotebook(text: #"{"nbformat": 4, "cells": {}}"#, fragment: "cells: expected a list, got an object"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "heading", "source": ""}]}"#,
                fragment: #"cells[0].cell_type: expected "code", "markdown" or "raw", got "heading""#),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": 5}]}"#,
                fragment: "cells[0].source: expected a string or a list of strings, got a number"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": ["a", null]}]}"#,
                fragment: "cells[0].source[1]: expected a string, got null"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "execution_count": null}]}"#,
                fragment: "cells[0].outputs: missing in a code cell"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "execution_count": 1.5, "outputs": []}]}"#,
                fragment: "cells[0].execution_count: expected an integer or null, got a number"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [\#(minimalCell), {"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "name": "stdin", "text": ""}]}]}"#,
                fragment: #"cells[1].outputs[0].name: expected "stdout" or "stderr", got "stdin""#),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "pyout"}]}]}"#,
                fragment: #"cells[0].outputs[0].output_type: expected stream, execute_result, display_data or error, got "pyout""#),
    BadNotebook(text: #"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "error", "ename": "E"}]}]}"#,
                fragment: "cells[0].outputs[0].evalue: missing"),
    BadNotebook(text: #"{"nbformat": 4, "cells": [], "metadata": {"prunebook": {"seed": "x"}}}"#,
                fragment: "metadata.prunebook.seed: expected an integer or null, got a string"),
])
func readerErrorsSayWhereAndWhat(bad: BadNotebook) {
    do {
        _ = try NotebookReader.ipynb(bad.text, file: "j.ipynb")
        Issue.record("expected an error containing \(bad.fragment)")
    } catch {
        #expect(error.file == "j.ipynb")
        #expect(error.description.hasPrefix("j.ipynb:"))
        #expect(error.description.contains(bad.fragment), "\(error)")
    }
}
