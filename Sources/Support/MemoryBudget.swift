import Foundation

/// The memory Prunebook may use, known before anything large is allocated: `PRUNEBOOK_MEMORY`
/// (or the CLI's `--memory`) when set, else the cgroup limit of this process, else the machine's
/// MemTotal. Never the momentary free memory, so a refusal never depends on what else runs.
public enum MemoryBudget {
    /// A limit that is not a size (`PRUNEBOOK_MEMORY=-5`).
    public struct InvalidLimit: Error, CustomStringConvertible {
        public var description: String
    }

    /// A step or an object that would not fit in the budget (or a budget that is not a size).
    public struct Exceeded: Error, CustomStringConvertible {
        public var description: String
    }

    /// Refuses `bytes` for `what` when they exceed the limit (or are not a number): "training
    /// vgg19 at batch 50000 needs about 196 GB (activations 190 GB); 22 GB available (the
    /// machine's memory)", or with a `purpose`, "resnet110 needs about 7.1 TB for its parameters
    /// alone; …".
    public static func check(_ bytes: Double, for what: String, purpose: String? = nil, detail: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(Exceeded) {
        let budget: (bytes: Double, source: String)
        do { budget = try limit(environment: environment) } catch { throw Exceeded(description: error.description) }
        guard !(bytes <= budget.bytes) else { return }
        throw Exceeded(description: "\(what) needs about \(describe(bytes))\(purpose.map { " " + $0 } ?? "")"
                       + "\(detail.map { " (\($0))" } ?? ""); \(describe(budget.bytes)) available (\(budget.source))")
    }

    /// The limit in bytes and where it comes from ("PRUNEBOOK_MEMORY", "the cgroup limit", "MemTotal").
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) throws(InvalidLimit) -> (bytes: Double, source: String) {
        if let text = environment["PRUNEBOOK_MEMORY"], !text.isEmpty {
            guard let bytes = parse(text), bytes > 0 else {
                throw InvalidLimit(description: "PRUNEBOOK_MEMORY (or --memory) must be a size such as 8G, 512M or 2000000000, got '\(text)'")
            }
            return (bytes, "the PRUNEBOOK_MEMORY limit")
        }
        if let cgroup = cgroupLimit() { return (cgroup, "the cgroup limit") }
        return (memTotal() ?? 8e9, "the machine's memory")
    }

    /// `8G`, `8GB`, `8GiB`, `512M`, `1.5T`, `2000000000` (bytes): binary multiples, as `free` and
    /// cgroups count; nil for anything else.
    public static func parse(_ text: String) -> Double? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count {
            s.removeLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var factor = 1.0
        if let last = s.last, let f = units[last] {
            factor = f
            s.removeLast()
        }
        guard let x = Double(s), x.isFinite, x >= 0 else { return nil }
        return x * factor
    }

    /// `7.1 TB`, `25.8 GB`, `512 MB`: decimal units, one decimal.
    public static func describe(_ bytes: Double) -> String {
        guard bytes.isFinite else { return bytes.isNaN ? "an unknown amount" : "an unbounded amount" }
        let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (size, name) in units where bytes >= size {
            let v = bytes / size
            return (v >= 100 ? String(format: "%.0f", v) : String(format: "%.1f", v)) + " " + name
        }
        return "\(Int(bytes)) bytes"
    }

    /// cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes` (ignoring "max" and v1's huge "no limit").
    static func cgroupLimit() -> Double? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let bytes = Double(value), bytes > 0, bytes < 1e18 { return bytes }
        }
        return nil
    }

    /// MemTotal from /proc/meminfo.
    static func memTotal() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }) else { return nil }
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let kb = Double(parts[1]) else { return nil }
        return kb * 1024
    }
}
