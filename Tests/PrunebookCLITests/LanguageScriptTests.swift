import Foundation
import TestSupport
import Testing

/// The language tests of `Tests/PruneScriptTests/Scripts/*.prune` through the real binary: each file
/// is piped into `prunebook` (no terminal, so no prompts), which runs it statement by statement as a
/// REPL would. Standard output must be exactly the `# expect:` lines in order; every
/// `# expect error: Kind: fragment` must appear on standard error, in order.
@Suite struct LanguageScriptTests {
    static let folder: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PruneScriptTests/Scripts").path
    }()

    /// Scripts that use the engine's builtins (networks, scores, tensors): they run only through the CLI.
    static let engineFolder: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("EngineScripts").path
    }()

    /// Paths of the language scripts, then of the engine scripts.
    static let files: [String] = {
        [folder, engineFolder].flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".prune") }.sorted().map { "\(dir)/\($0)" }
        }
    }()

    /// `# expect:` texts and `# expect error:` specs, in file order.
    static func expectations(_ text: String) -> (lines: [String], errors: [String]) {
        var lines: [String] = [], errors: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if let r = line.range(of: "# expect error:") {
                errors.append(line[r.upperBound...].trimmingCharacters(in: .whitespaces))
            } else if let r = line.range(of: "# expect:") {
                var rest = String(line[r.upperBound...])
                if rest.hasPrefix(" ") { rest.removeFirst() }
                lines.append(trimTrailing(rest))
            }
        }
        return (lines, errors)
    }

    static func trimTrailing(_ s: String) -> String {
        var t = s
        while t.last == " " { t.removeLast() }
        return t
    }

    @Test(arguments: files)
    func scriptThroughTheCLI(file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let (expected, errors) = Self.expectations(text)
        let r = try CLI.run(["repl"], input: text, environment: ["HOME": CLI.temporaryFolder()])
        var out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map { Self.trimTrailing(String($0)) }
        if out.last == "" { out.removeLast() }
        #expect(out == expected, "\(file): standard output differs")
        var stderr = r.stderr[...]
        for spec in errors {
            let parts = spec.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let kindRange = stderr.range(of: parts[0] + ":") else {
                Issue.record("\(file): expected \(spec) on standard error, got:\n\(r.stderr)")
                break
            }
            let rest = stderr[kindRange.upperBound...]
            if parts.count > 1, !parts[1].isEmpty {
                #expect(rest.contains(parts[1]), "\(file): \(spec)")
            }
            stderr = rest
        }
        #expect(r.status == (errors.isEmpty ? 0 : 1), "\(file): exit status")
    }
}
