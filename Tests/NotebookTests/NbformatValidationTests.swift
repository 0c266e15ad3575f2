import Foundation
import JSON
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

/// The interpreter to run the validator with: `PRUNEBOOK_NB_PYTHON`, else `python3` on PATH.
func nbformatPython() -> String? {
    let env = ProcessInfo.processInfo.environment
    if let p = env["PRUNEBOOK_NB_PYTHON"], !p.isEmpty { return p }
    for dir in (env["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/python3") {
        return "\(dir)/python3"
    }
    return nil
}

/// `shared/tools/validate_nb.py`: `PRUNEBOOK_VALIDATE_NB`, else `../shared/tools` from the
/// working directory or from this file's checkout.
func validatorScript() -> String? {
    let env = ProcessInfo.processInfo.environment
    var candidates = [env["PRUNEBOOK_VALIDATE_NB"]].compactMap { $0 }
    candidates.append(FileManager.default.currentDirectoryPath + "/../shared/tools/validate_nb.py")
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // .../main/Tests/NotebookTests
    candidates.append(here.appendingPathComponent("../../../shared/tools/validate_nb.py").standardized.path)
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}

func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test func notebooksPassTheStrictNbformatValidator() throws {
    guard let python = nbformatPython() else {
        print("skipped nbformat validation: no python3 (set PRUNEBOOK_NB_PYTHON)")
        return
    }
    guard let validator = validatorScript() else {
        print("skipped nbformat validation: validate_nb.py not found (set PRUNEBOOK_VALIDATE_NB)")
        return
    }
    guard (try? run(python, ["-c", "import nbformat, jsonschema"]))?.status == 0 else {
        print("skipped nbformat validation: \(python) cannot import nbformat (pip install nbformat; set PRUNEBOOK_NB_PYTHON)")
        return
    }
    let dir = try makeTempFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var files: [String] = []
    for (name, nb) in try validationNotebooks().sorted(by: { $0.key < $1.key }) {
        let path = "\(dir)/\(name).ipynb"
        try nb.write(to: path)
        files.append(path)
        // What we read back writes the same bytes.
        #expect(NotebookWriter.ipynb(try Notebook.read(path: path)) == (try AtomicFile.read(path)), "\(name)")
    }
    let result = try run(python, [validator, "--canonical"] + files)
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.components(separatedBy: "\n").filter { $0.hasPrefix("valid ") }.count == files.count, "\(result.output)")
}
