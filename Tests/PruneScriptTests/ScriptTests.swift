// Language tests written as PruneScript: every `Scripts/*.prune` file runs through one
// Interpreter session, chunk by chunk.
//
// Format (also meant to be run through the real CLI):
//
// - A file is split into chunks. A chunk is the code lines since the previous chunk, up to
//   and including a line that carries an expectation, plus any expectation lines directly
//   after it. Each chunk runs as one cell (cells numbered from 1), in order, in one session;
//   a failing chunk does not stop the file. (Equivalently: put `# %%` before each chunk
//   and run the file as a notebook; each chunk is one cell.)
// - `# expect: TEXT` (at the end of a code line, or on its own line) states one line of the
//   chunk's observed text: what the chunk printed (print output, trailing new line
//   dropped) followed by its result as the REPL shows it (`value.repr`; nothing when the
//   result is nil, hidden by `;`, or the chunk ends in a statement). Several `# expect:`
//   lines give several lines. Exactly one space after the colon is dropped; trailing
//   spaces are ignored.
// - `# expect error: Kind: fragment` states that the chunk fails with an error of that kind
//   (the name printed first, e.g. `NameError`) whose message (or hint) contains the
//   fragment. `# expect error: Kind` alone checks the kind only.
// - Code after the last expectation must run without error.
// - Put expectations only after complete top-level statements (never inside a block).

import Foundation
import Testing
@testable import PruneScript

struct ScriptChunk {
    var code: String
    var line: Int          // first line of the chunk in the file (1-based)
    var expected: [String] // expected observed-text lines
    var expectedError: String?
}

func parseScriptChunks(_ text: String) -> [ScriptChunk] {
    var chunks: [ScriptChunk] = []
    var code: [String] = []
    var start = 1
    var expected: [String] = []
    var expectedError: String? = nil
    var pending = false

    func flush(_ nextLine: Int) {
        if !code.isEmpty || pending {
            chunks.append(ScriptChunk(code: code.joined(separator: "\n"), line: start,
                                      expected: expected, expectedError: expectedError))
        }
        code = []; expected = []; expectedError = nil; pending = false; start = nextLine
    }

    func expectation(in line: Substring) -> (isError: Bool, text: String)? {
        guard let r = line.range(of: "# expect") else { return nil }
        var rest = line[r.upperBound...]
        var isError = false
        if rest.hasPrefix(" error:") { isError = true; rest = rest.dropFirst(7) }
        else if rest.hasPrefix(":") { rest = rest.dropFirst() }
        else { return nil }
        if rest.hasPrefix(" ") { rest = rest.dropFirst() }
        var s = String(rest)
        while s.hasSuffix(" ") || s.hasSuffix("\r") { s.removeLast() }
        return (isError, s)
    }

    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    for (i, line) in lines.enumerated() {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        let exp = expectation(in: line)
        if let exp, trimmed.hasPrefix("# expect") {
            // a standalone expectation line
            pending = true
            if exp.isError { expectedError = exp.text } else { expected.append(exp.text) }
            continue
        }
        if pending { flush(i + 1) }
        code.append(String(line))
        if let exp {
            pending = true
            if exp.isError { expectedError = exp.text } else { expected.append(exp.text) }
        }
    }
    flush(lines.count + 1)
    return chunks
}

/// The chunk's observed text: printed output, then the result.
func observedText(_ r: CellResult) -> String {
    var parts: [String] = []
    var out = r.stdout
    if out.hasSuffix("\n") { out.removeLast() }
    if !out.isEmpty { parts.append(out) }
    if let t = r.resultText { parts.append(t) }
    return parts.joined(separator: "\n")
        .split(separator: "\n", omittingEmptySubsequences: false)
        .map { s -> String in var s = String(s); while s.hasSuffix(" ") { s.removeLast() }; return s }
        .joined(separator: "\n")
}

/// Runs a script file; returns a list of failure descriptions.
func runScript(_ text: String, name: String) -> [String] {
    let session = Interpreter()
    var failures: [String] = []
    for (n, chunk) in parseScriptChunks(text).enumerated() {
        let r = session.run(chunk.code, cell: n + 1)
        let whereText = "\(name):\(chunk.line)"
        if let want = chunk.expectedError {
            guard let e = r.error else {
                failures.append("\(whereText): expected error \(want), got \(observedText(r).debugDescription)")
                continue
            }
            let (kind, fragment): (String, String?) = {
                if let c = want.range(of: ": ") { return (String(want[..<c.lowerBound]), String(want[c.upperBound...])) }
                return (want, nil)
            }()
            if e.kind.name != kind || !(fragment.map { e.message.contains($0) || (e.hint ?? "").contains($0) } ?? true) {
                failures.append("\(whereText): expected error \(want), got:\n\(session.render(e))")
            }
            continue
        }
        if let e = r.error {
            failures.append("\(whereText): unexpected error:\n\(session.render(e))")
            continue
        }
        let got = observedText(r)
        let want = chunk.expected.joined(separator: "\n")
        if got != want {
            failures.append("\(whereText): expected\n\(want)\n-- got --\n\(got)")
        }
    }
    return failures
}

let scriptDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

func scriptFiles() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: scriptDirectory.path)) ?? [])
        .filter { $0.hasSuffix(".prune") }.sorted()
}

@Test(arguments: scriptFiles())
func languageScript(_ file: String) throws {
    let text = try String(contentsOf: scriptDirectory.appendingPathComponent(file), encoding: .utf8)
    let chunks = parseScriptChunks(text)
    #expect(chunks.contains { !$0.expected.isEmpty || $0.expectedError != nil }, "\(file) has no expectations")
    for failure in runScript(text, name: file) {
        Issue.record(Comment(rawValue: failure))
    }
}

@Test func scriptDirectoryHasFiles() {
    #expect(scriptFiles().count >= 8)
}

@Test func scriptHarnessSplitsChunks() {
    let chunks = parseScriptChunks("x = 1\nx + 1  # expect: 2\nprint(x)\n# expect: 1\ny # expect error: NameError: unknown\nz = 3")
    #expect(chunks.count == 4)
    #expect(chunks[0].code == "x = 1\nx + 1  # expect: 2" && chunks[0].expected == ["2"])
    #expect(chunks[1].code == "print(x)" && chunks[1].expected == ["1"] && chunks[1].line == 3)
    #expect(chunks[2].expectedError == "NameError: unknown")
    #expect(chunks[3].code == "z = 3" && chunks[3].expected.isEmpty)
    // the harness itself reports mismatches
    #expect(runScript("1 + 1 # expect: 3", name: "t").count == 1)
    #expect(runScript("1 + 1 # expect: 2", name: "t").isEmpty)
    #expect(runScript("nope # expect error: NameError: unknown name", name: "t").isEmpty)
}

/// `docs/language.md`: every ```prune block runs, in order, in one session, and its `# expect:`
/// comments hold (line numbers in failures are the Markdown file's).
@Test func languageReference() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/language.md").path
    let markdown = try String(contentsOfFile: path, encoding: .utf8)
    var inBlock = false
    var lines: [String] = []
    var blocks = 0
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("```") {
            if !inBlock && line == "```prune" { blocks += 1 }
            inBlock = !inBlock && line == "```prune"
            lines.append("")
            continue
        }
        lines.append(inBlock ? String(line) : "")
    }
    #expect(blocks >= 15, "the reference has its examples")
    let failures = runScript(lines.joined(separator: "\n"), name: "docs/language.md")
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
}

/// `help("for")`, `help("fn")`, `help("syntax")`: every keyword and topic has text.
@Test func languageHelpTopics() {
    for name in ["for", "fn", "syntax", "while", "if", "let", "and", "**", "Out"] {
        let r = Interpreter().run("help(\"\(name)\")", cell: 1)
        #expect(r.error == nil, "\(name)")
        #expect(r.stdout.count > 80, "\(name): \(r.stdout)")
    }
    #expect(Interpreter().run("help(\"for\")", cell: 1).stdout.contains("for x in xs"))
    for topic in LanguageHelp.order { #expect(LanguageHelp.text(for: topic) != nil, "\(topic)") }
    for (alias, topic) in LanguageHelp.aliases { #expect(LanguageHelp.text(for: topic) != nil, "\(alias) → \(topic)") }
}

/// The static checker never flags what runs: on every language script, a chunk with a finding
/// is one that fails at run time too (`# expect error:`); and it finds some of those.
@Test(arguments: scriptFiles())
func checkerHasNoFalsePositives(_ file: String) throws {
    let text = try String(contentsOf: scriptDirectory.appendingPathComponent(file), encoding: .utf8)
    let chunks = parseScriptChunks(text)
    let findings = Checker(registry: .core).check(cells: chunks.map(\.code))
    for (chunk, found) in zip(chunks, findings) where chunk.expectedError == nil {
        #expect(found.isEmpty, "\(file):\(chunk.line): \(found.map(\.headline))")
    }
}

@Test func checkerFindings() {
    let cells = [
        "x = 1\nfn f(a) { a + later }\nfor i in 0..2 { total = i }",
        "later = 2\ny = lenn([1])\nprint(totl)",
        "r = {a: 1}\nr.b\nq = {a: 1}\nq.b = 2\nq.b",
        "round(1.5, digit: 2)\nround()\nround(\"x\")\nsort([1], by: 1)",
        "x = (",
        "undefined_after_syntax_error",
    ]
    let f = Checker(registry: .core).check(cells: cells).map { $0.map { "\($0.kind.name) \($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" } }
    #expect(f[0].isEmpty, "a function may use a global bound later; a loop binds its names: \(f[0])")
    #expect(f[1] == ["NameError 2:5 unknown name 'lenn'", "NameError 3:7 unknown name 'totl'"])
    #expect(f[2] == ["KeyError 2:3 no field 'b' in the result of the record"], "fields assigned later are not judged: \(f[2])")
    #expect(f[3].count == 4, "\(f[3])")
    #expect(f[3].first?.hasPrefix("ArgumentError 1:12 unknown argument 'digit' for round") == true, "\(f[3])")
    #expect(f[4].first?.hasPrefix("SyntaxError") == true)
    #expect(f[5].isEmpty, "after a cell that does not parse, names are not judged")
}
