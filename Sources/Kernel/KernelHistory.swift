import Foundation
import JSON
import Support

/// The kernel's input history, kept across sessions like the REPL's: one JSON line per cell
/// (`{"session": s, "line": n, "input": "..."}`) in `$PRUNEBOOK_KERNEL_HISTORY`, else
/// `$XDG_DATA_HOME/prunebook/kernel-history.jsonl` (`~/.local/share/…`). Each kernel is the
/// next session number; the file keeps the last `limit` entries.
package final class KernelHistory {
    package struct Entry: Equatable {
        package var session: Int
        package var line: Int
        package var input: String
    }

    package private(set) var entries: [Entry] = []
    /// This kernel's session number.
    package let session: Int
    private let path: String?
    private let limit: Int

    /// Loads the history at `path` (nil: in memory only). Unreadable lines are skipped.
    package init(path: String?, limit: Int = 1000) {
        self.path = path
        self.limit = limit
        var loaded: [Entry] = []
        if let path, let text = try? AtomicFile.read(path) {
            for line in text.split(separator: "\n") {
                guard let v = try? JSONParser.parse(String(line)), let s = v["session"]?.intValue,
                      let n = v["line"]?.intValue, let input = v["input"]?.stringValue else { continue }
                loaded.append(Entry(session: s, line: n, input: input))
            }
        }
        entries = Array(loaded.suffix(limit))
        session = (entries.map(\.session).max() ?? 0) + 1
        if let path, loaded.count > limit {   // trim the file now and then, atomically
            try? AtomicFile.write(entries.map(KernelHistory.line).joined(), to: path, createFolders: true)
        }
    }

    /// The default file (see the type's documentation).
    package static var defaultPath: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["PRUNEBOOK_KERNEL_HISTORY"] { return p.isEmpty ? nil : p }
        if let data = env["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/prunebook/kernel-history.jsonl" }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/share/prunebook/kernel-history.jsonl"
    }

    /// Records cell `line` of this session.
    package func append(line: Int, input: String) {
        let entry = Entry(session: session, line: line, input: input)
        entries.append(entry)
        if entries.count > limit * 2 { entries.removeFirst(entries.count - limit) }
        guard let path else { return }
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }  // a failure shows in the open below
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(KernelHistory.line(entry).utf8))
        } catch {
            KernelLog.write("could not save the history to \(path): \(error)")
        }
    }

    /// The last `n` entries (all sessions).
    package func tail(_ n: Int) -> [Entry] { Array(entries.suffix(max(0, n))) }

    /// Entries of `session` (0: this one; negative: counting back) with `start ≤ line < stop`
    /// (stop 0 or less: to the end).
    package func range(session s: Int, start: Int, stop: Int) -> [Entry] {
        let target = s > 0 ? s : session + s
        return entries.filter { $0.session == target && $0.line >= start && (stop <= 0 || $0.line < stop) }
    }

    /// Entries whose input matches the glob `pattern` (`*`, `?`), newest last; `n` of them
    /// (0: all), each input once when `unique`.
    package func search(_ pattern: String, n: Int, unique: Bool) -> [Entry] {
        var found = entries.filter { KernelHistory.glob(pattern, $0.input) }
        if unique {
            var seen = Set<String>()
            found = found.reversed().filter { seen.insert($0.input).inserted }.reversed()
        }
        return n > 0 ? Array(found.suffix(n)) : found
    }

    static func line(_ e: Entry) -> String {
        JSONWriter.compact(.object([("session", .int(e.session)), ("line", .int(e.line)), ("input", .string(e.input))])) + "\n"
    }

    /// Shell-style glob over the whole text: `*` any run, `?` one character.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
