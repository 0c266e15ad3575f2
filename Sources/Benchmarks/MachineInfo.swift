import Foundation
import Tensor

/// What the benchmark reports about the machine.
package struct MachineInfo {
    package var cpu: String
    package var cores: Int
    /// Threads OpenBLAS uses and the kernel it chose for this CPU.
    package var blasThreads: Int { BLAS.threads }
    package var blasCore: String { BLAS.coreName }

    package static func current() -> MachineInfo {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let name = text.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return MachineInfo(cpu: name, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Peak resident memory of this process in MiB (VmHWM).
    package static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Busy CPU jiffies of the whole machine since boot (user + nice + system + irq + softirq + steal).
    static func busyJiffies() -> (busy: Double, total: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return nil }
        let idle = v[3] + v[4]
        return (v.reduce(0, +) - idle, v.reduce(0, +))
    }

    /// Waits until other work uses under 15% of one core over a second; false if it never did.
    package static func waitForIdle(maxSeconds: Double) -> Bool {
        let deadline = Clock.now + maxSeconds
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        repeat {
            guard let a = busyJiffies() else { return true }
            usleep(1_000_000)
            guard let b = busyJiffies() else { return true }
            let busyCores = (b.busy - a.busy) / max(1, b.total - a.total) * cores
            if busyCores < 0.15 { return true }
        } while Clock.now < deadline
        return false
    }
}
