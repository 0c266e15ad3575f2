import Foundation
import JSON
import Support
import TestSupport
import Testing
@testable import Notebook

/// Notebooks that exercise every output kind, unicode, empty cells, options and metadata.
func validationNotebooks() throws -> [String: Notebook] {
    var out: [String: Notebook] = ["sample": sampleNotebook(), "empty": Notebook()]
    for (n, script) in (scriptShapes + unusualScriptShapes).enumerated() {
        out["script-\(n)"] = try PercentScript.read(script)
    }
    var odd = Notebook()
    odd.appendMarkdown("")
    let c = odd.appendCode("#| tags: [b, a, \"x y\"]\n#| fig-cap: ünï \"cöde\"\ns = \"\\t\u{01}\u{7F}\u{85}\u{2028}\u{2029}\"\r\nt = 1\u{0B}2\u{0C}3\u{1C}4", title: "Ödd")
    odd.cells[c].executionCount = 12
    odd.cells[c].append(.stream(name: .stderr, text: "warning: ☕\r\nsecond\rthird"))
    odd.cells[c].append(.executeResult(count: nil, text: ""))
    odd.cells[c].append(.displayData(svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>é &amp; 😀</text></svg>", text: "", file: "Plots/odd-1-1.svg"))
    odd.cells[c].append(.error(ename: "ValueError", evalue: "", traceback: []))
    odd.appendCode("\n\n")
    odd.cells.append(Cell(kind: .raw, source: "raw\n\n", title: "r"))
    odd.metadata.prunebook = PrunebookMetadata(version: "0.1.0-dev+ü", seed: -1, parameters: [
        "z": .int(1), "a": .double(1e-5), "Z": .double(1e16), "é": .string("ü"), "😀": .bool(true),
        "ｚ": .null, "list": .array([.int(1), .double(0.5), .object([])]), "m": .number(1e3, text: "1E3"),
    ], blasCore: "")
    odd.metadata.extra = ["title": .string("Ödd"), "widgets": .object([("b", .int(2)), ("a", .array([]))])]
    odd.script = ScriptLayout(preamble: "# ---\n# title: Ödd\n# ---\n\n", unmarkedFirstCell: true, finalNewline: false, lineEnding: .crlf)
    out["odd"] = odd
    return out
}

@Test func notebooksPassTheStrictNbformatValidator() throws {
    guard let python = NbValidator.python() else {
        try NbValidator.unavailable()
        return
    }
    guard let validator = NbValidator.script() else {
        try NbValidator.unavailable()
        return
    }
    let dir = temporaryFolder("nbtests")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var files: [String] = []
    for (name, nb) in try validationNotebooks().sorted(by: { $0.key < $1.key }) {
        let path = "\(dir)/\(name).ipynb"
        try nb.write(to: path)
        files.append(path)
        // What we read back writes the same bytes.
        #expect(NotebookWriter.ipynb(try Notebook.read(path: path)) == (try AtomicFile.read(path)), "\(name)")
    }
    let result = try NbValidator.run(python, [validator, "--canonical"] + files)
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.components(separatedBy: "\n").filter { $0.hasPrefix("valid ") }.count == files.count, "\(result.output)")
}
