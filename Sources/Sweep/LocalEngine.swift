import Foundation

/// Runs points as child processes of the sweep, `jobs` at a time. Each child dies with the sweep
/// (it sets PR_SET_PDEATHSIG itself, told the sweep's PID): a killed sweep leaves no run going on.
/// With more than one job each child's OpenBLAS runs on one thread, so the children do not fight
/// for the cores. Children are started and reaped from the calling thread only, since the death
/// signal follows the thread that started a child.
struct LocalEngine {
    let binary: String
    let jobs: Int
    let log: (String) -> Void

    func run(_ pending: [Sweep.Job]) {
        var queue = pending[...]
        var running: [(job: Sweep.Job, process: Process, started: Double)] = []
        var done = 0, failed = 0
        var durations: [Double] = []
        let progress = SweepProgress(total: pending.count, log: log)
        while !queue.isEmpty || !running.isEmpty {
            while running.count < max(1, jobs), let job = queue.popFirst() {
                if let p = start(job) {
                    running.append((job, p, Date().timeIntervalSinceReferenceDate))
                } else {
                    failed += 1
                    done += 1
                }
            }
            Thread.sleep(forTimeInterval: 0.02)
            var still: [(job: Sweep.Job, process: Process, started: Double)] = []
            var finished: [(label: String, ok: Bool)] = []
            for r in running {
                if r.process.isRunning { still.append(r); continue }
                durations.append(Date().timeIntervalSinceReferenceDate - r.started)
                finished.append((r.job.label, r.process.terminationStatus == 0))
            }
            running = still
            for f in finished {
                done += 1
                if !f.ok { failed += 1 }
                progress.finished(f.label, ok: f.ok, done: done, running: running.count, failed: failed, durations: durations,
                                  remaining: queue.count + running.count, jobs: jobs)
            }
        }
        progress.end()
    }

    /// Starts one point; nil (and a note in its log) when it cannot start.
    func start(_ job: Sweep.Job) -> Process? {
        try? FileManager.default.createDirectory(atPath: job.folder, withIntermediateDirectories: true)
        let logPath = job.folder + "/log.txt"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = job.arguments
        var env = ProcessInfo.processInfo.environment
        env[PointGuard.parentVariable] = String(getpid())
        if jobs > 1 { env["OPENBLAS_NUM_THREADS"] = "1" }
        p.environment = env
        if let handle = FileHandle(forWritingAtPath: logPath) {
            p.standardOutput = handle
            p.standardError = handle
        }
        do { try p.run() } catch {
            log("cannot start \(job.label): \(error)\n")
            return nil
        }
        return p
    }
}

/// Progress of a sweep on standard error: one status line redrawn on a terminal, plain lines otherwise.
final class SweepProgress {
    let total: Int
    let log: (String) -> Void
    let terminal = isatty(2) != 0

    init(total: Int, log: @escaping (String) -> Void) {
        self.total = total
        self.log = log
    }

    func finished(_ label: String, ok: Bool, done: Int, running: Int, failed: Int, durations: [Double], remaining: Int, jobs: Int) {
        let mean = durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count)
        let eta = mean * Double(max(0, remaining)) / Double(max(1, jobs))
        let status = "\(done)/\(total) done, \(max(0, running)) running, \(failed) failed, ETA \(String(format: "%.0f", eta)) s"
        if terminal {
            log("\r\u{1B}[2K" + status)
        } else {
            log("[\(done)/\(total)] \(label) \(ok ? "ok" : "failed")  (\(status))\n")
        }
    }

    func end() {
        if terminal { log("\n") }
    }
}
