import Foundation
import JSON

/// The strict notebook validator (`../shared/tools/validate_nb.py`) and a Python with nbformat.
public enum NbValidator {
    /// A notebook text field: a string or a list of lines.
    public static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.arrayValue?.compactMap(\.stringValue).joined() ?? ""
    }

    /// `PRUNEBOOK_NB_PYTHON`, else /tmp/nbvenv's or PATH's `python3`, when it imports nbformat.
    public static func python() -> String? {
        let env = ProcessInfo.processInfo.environment
        var candidates = [env["PRUNEBOOK_NB_PYTHON"]].compactMap { $0 }.filter { !$0.isEmpty }
        candidates.append("/tmp/nbvenv/bin/python3")
        for dir in (env["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/python3") }
        return candidates.first { p in
            FileManager.default.isExecutableFile(atPath: p) && (try? run(p, ["-c", "import nbformat, jsonschema"]))?.status == 0
        }
    }

    /// A peer that `make test` installs is missing: the validator, or a Python with nbformat.
    public struct MissingPeer: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// When no validator can run: throws under `make test` and CI (which set
    /// `PRUNEBOOK_NB_PYTHON` to the peers' venv, so a broken venv fails loudly); otherwise prints
    /// why the check is skipped (a bare `swift test` on a machine without nbformat).
    public static func unavailable() throws {
        let env = ProcessInfo.processInfo.environment
        let reason = python() == nil ? "no python3 with nbformat and jsonschema" : "no validate_nb.py (../shared/tools)"
        if let set = env["PRUNEBOOK_NB_PYTHON"], !set.isEmpty {
            throw MissingPeer(description: "nbformat validation cannot run: \(reason) (PRUNEBOOK_NB_PYTHON=\(set)); run scripts/peers")
        }
        if env["CI"] == "true" { throw MissingPeer(description: "nbformat validation cannot run in CI: \(reason)") }
        print("skipped nbformat validation: \(reason) (make test installs it; or set PRUNEBOOK_NB_PYTHON)")
    }

    /// `PRUNEBOOK_VALIDATE_NB`, else `../shared/tools/validate_nb.py` beside this checkout.
    public static func script() -> String? {
        let env = ProcessInfo.processInfo.environment
        var candidates = [env["PRUNEBOOK_VALIDATE_NB"]].compactMap { $0 }
        candidates.append(URL(fileURLWithPath: Golden.folder).deletingLastPathComponent()
            .appendingPathComponent("tools/validate_nb.py").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs `executable` (stdout and stderr together), optionally with another environment and folder.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           cwd: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
