import Builtins
import CSystem
import Foundation
import JSON
import PruneScript
import Support

/// What one point of a sweep left behind: `result.json` in its folder, written atomically by the
/// `prunebook run` that replayed it (whichever engine started that run), last of all. A point is
/// done when this file exists with status "ok" and the key of the point as the sweep now computes
/// it; the engines' own account (exit status, Slurm's job state) is never trusted instead.
package struct PointResult: Equatable {
    package enum Status: String { case ok, failed }

    /// The point's cache key (script, parameters and program build).
    package var key: String
    package var status: Status
    /// The failure, for a failed point.
    package var error: String?
    /// The rows the run published (`publish(table)`), as JSON objects.
    package var rows: [[(key: String, value: JSONValue)]]

    package init(key: String, status: Status, error: String? = nil, rows: [[(key: String, value: JSONValue)]] = []) {
        self.key = key
        self.status = status
        self.error = error
        self.rows = rows
    }

    /// Records the rows a run published.
    package mutating func publish(_ published: [RecordStorage]) {
        rows = published.map { r in r.pairs.map { ($0.key, BuiltinRegistry.json($0.value)) } }
    }

    package static func == (a: PointResult, b: PointResult) -> Bool {
        a.json == b.json
    }

    package var json: JSONValue {
        .object([("key", .string(key)), ("status", .string(status.rawValue)), ("error", error.map { .string($0) } ?? .null),
                 ("rows", .array(rows.map { .object($0) }))])
    }

    package func write(to path: String) throws(FileError) {
        try AtomicFile.write(JSONWriter.indented(json, indent: 1) + "\n", to: path, createFolders: true)
    }

    /// The result at `path`, or nil when there is none or it is unreadable (then the point runs again).
    package static func read(_ path: String) -> PointResult? {
        guard let text = try? AtomicFile.read(path), let j = try? JSONParser.parse(text),
              let key = j["key"]?.stringValue, let status = j["status"]?.stringValue.flatMap(Status.init(rawValue:)),
              let rows = j["rows"]?.arrayValue else { return nil }
        return PointResult(key: key, status: status, error: j["error"]?.stringValue,
                           rows: rows.compactMap { $0.objectValue })
    }
}

/// The guards a point's run takes: one run of a point at a time (an exclusive lock on a file in
/// its folder, held until the process ends), and, under the local engine, death with the sweep.
package enum PointGuard {
    /// Environment variable through which the local engine gives its PID to the runs it starts.
    package static let parentVariable = "PRUNEBOOK_SWEEP_PARENT"

    /// Takes the point's lock (kept open for the life of the process); false when another live
    /// process holds it.
    package static func lock(folder: String) throws(FileError) -> Bool {
        try AtomicFile.makeFolders(folder)
        let fd = open(folder + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: folder + "/.lock", reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return false
        }
        return true   // the descriptor stays open: the lock lasts as long as this process
    }

    /// Under the local engine: dies with the sweep (PR_SET_PDEATHSIG), and exits at once when the
    /// sweep is already gone.
    package static func dieWithParent() {
        guard let text = ProcessInfo.processInfo.environment[parentVariable], let parent = Int32(text) else { return }
        _ = prunebook_set_parent_death_signal(SIGKILL)
        if getppid() != parent { exit(137) }
    }
}
