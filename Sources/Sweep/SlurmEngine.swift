import Foundation
import Session
import Support

/// Runs points as one Slurm job array: `sbatch --parsable --array=0-(n−1)%jobs` over a batch
/// script that runs task i's point, then polls `squeue -h -j ID` until the array is gone (a purged
/// job id counts as finished). The array's id is recorded in `OUT/slurm/job` so that a resumed
/// sweep waits for an array still running instead of starting its points a second time.
struct SlurmEngine {
    let binary: String
    let jobs: Int
    let arguments: [String]
    let out: String
    let log: (String) -> Void

    static func folder(_ out: String) -> String { FigureWriter.absolute(out) + "/slurm" }

    func run(_ pending: [Sweep.Job]) throws(SweepError) {
        let folder = SlurmEngine.folder(out)
        do { try AtomicFile.makeFolders(folder) } catch { throw SweepError("cannot create \(folder): \(error.reason)") }
        var script = "#!/bin/sh\n# written by prunebook sweep: task i runs point i\n"
        if jobs > 1 { script += "export OPENBLAS_NUM_THREADS=1\n" }
        script += "case \"$SLURM_ARRAY_TASK_ID\" in\n"
        for (i, job) in pending.enumerated() {
            let command = ([binary] + job.arguments).map(SlurmEngine.quote).joined(separator: " ")
            script += "\(i)) mkdir -p \(SlurmEngine.quote(job.folder)) && exec \(command) > \(SlurmEngine.quote(job.folder + "/log.txt")) 2>&1 ;;\n"
        }
        script += "*) echo \"no point for task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n"
        let scriptPath = folder + "/sweep.sh"
        do { try AtomicFile.write(script, to: scriptPath) } catch { throw SweepError("cannot write \(scriptPath): \(error.reason)") }
        chmod(scriptPath, 0o755)
        let sbatch = ["--parsable", "--array=0-\(pending.count - 1)%\(max(1, jobs))", "--output=\(folder)/%A_%a.out",
                      "--chdir=\(FileManager.default.currentDirectoryPath)", "--job-name=prunebook-sweep"] + arguments + [scriptPath]
        let (status, output, errors) = SlurmEngine.execute("sbatch", sbatch)
        guard status == 0, let id = output.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
              !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SweepError("sbatch failed (exit status \(status)): \(errors.isEmpty ? output : errors)")
        }
        do { try AtomicFile.write(id + "\n", to: folder + "/job") } catch { throw SweepError("cannot record the job id: \(error.reason)") }
        log("submitted job array \(id) (\(pending.count) task\(pending.count == 1 ? "" : "s"))\n")
        SlurmEngine.wait(for: id, log: log)
        try? FileManager.default.removeItem(atPath: folder + "/job")
    }

    /// Waits for the array a previous sweep submitted to the same folder, if it is still known to Slurm.
    static func waitForEarlierArray(out: String, log: (String) -> Void) throws(SweepError) {
        let path = folder(out) + "/job"
        guard let id = (try? AtomicFile.read(path))?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else { return }
        if isQueued(id) {
            log("waiting for job array \(id) of an earlier sweep into this folder\n")
            wait(for: id, log: log)
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func isQueued(_ id: String) -> Bool {
        let (status, output, _) = execute("squeue", ["-h", "-j", id])
        // a purged id is an error ("Invalid job id"): the array is over
        return status == 0 && !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    static func wait(for id: String, log: (String) -> Void) {
        while isQueued(id) { Thread.sleep(forTimeInterval: 1) }
    }

    /// Runs a Slurm command found on PATH.
    static func execute(_ command: String, _ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [command] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return (127, "", "\(command): \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A shell word: single-quoted, with embedded quotes escaped.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
