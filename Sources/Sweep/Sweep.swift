import Builtins
import Foundation
import JSON
import Notebook
import PruneScript
import Session
import Support

/// `prunebook sweep`: a script replayed once per point of a grid, each point exactly as
/// `prunebook run -p …` would replay it, into its own folder under `OUT/runs/`; the rows each point
/// publishes collected, in grid order, into `OUT/results.csv` and `OUT/results.json`.
///
/// A point whose `result.json` says "ok" under the point's current key (script bytes, parameters,
/// program build) is cached and not run again; a missing, failed or stale one is. Engines only start
/// runs: what a point produced is read from its own result file, never from the engine's account.
package struct Sweep {
    /// Where the points run.
    package enum Engine: String, CaseIterable {
        case local, slurm
    }

    package struct Options {
        package var script: String
        package var grid: SweepGrid
        /// `-p` overrides for every point (`name=literal`).
        package var parameters: [String]
        package var out: String
        package var engine: Engine
        package var jobs: Int
        package var slurmArguments: [String]
        package var force: Bool
        package var summary: String?
        /// The `prunebook` binary the points run with (absolute path).
        package var binary: String
        package var dataFolder: String?

        package init(script: String, grid: SweepGrid, parameters: [String], out: String, engine: Engine, jobs: Int,
                     slurmArguments: [String], force: Bool, summary: String?, binary: String, dataFolder: String?) {
            self.script = script
            self.grid = grid
            self.parameters = parameters
            self.out = out
            self.engine = engine
            self.jobs = jobs
            self.slurmArguments = slurmArguments
            self.force = force
            self.summary = summary
            self.binary = binary
            self.dataFolder = dataFolder
        }
    }

    /// One point as the engines see it.
    package struct Job {
        package var point: SweepGrid.Point
        package var folder: String
        package var key: String
        package var arguments: [String]
        package var label: String
        package var resultPath: String { folder + "/result.json" }
    }

    /// How a sweep ended.
    package struct Outcome {
        package var total: Int
        package var ran: Int
        package var cached: Int
        package var failed: [(label: String, error: String)]
        package var summaryLine: String {
            "\(total) point\(total == 1 ? "" : "s"): \(ran) run, \(cached) cached, \(failed.count) failed"
        }
    }

    package let options: Options
    package let jobs: [Job]
    /// Receives progress text (standard error).
    package var log: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    /// Checks the script, the grid and the parameters and computes every point's key and command.
    package init(_ options: Options) throws(SweepError) {
        self.options = options
        let scriptPath = FigureWriter.absolute(options.script)
        let bytes: [UInt8]
        do { bytes = try FileReader.bytes(atPath: scriptPath) } catch { throw SweepError("cannot read \(options.script): \(error.reason)") }
        let notebook: Notebook
        do { notebook = try Notebook.read(path: scriptPath) } catch { throw SweepError("\(error)") }
        // grid and -p names are checked as `run` checks -p names: against the parameters cell
        let overrides = options.parameters.compactMap(Parameters.parse)
        guard overrides.count == options.parameters.count else { throw SweepError("-p expects name=value") }
        let names = options.grid.names + overrides.map(\.name)
        if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw SweepError("'\(twice)' is given twice (a --grid name and a -p name, or two of either)")
        }
        guard let cell = Parameters.cellIndex(in: notebook) else {
            throw SweepError("\(options.script) has no cell tagged 'parameters' for the grid to set (#| tags: [parameters])")
        }
        let declared = Parameters.assignedNames(in: notebook.cells[cell].source)
        for n in names where !declared.contains(n) {
            throw SweepError("'\(n)' is not assigned in the parameters cell of \(options.script) (it assigns \(declared.joined(separator: ", ")))")
        }
        let build = Sweep.buildDigest(options.binary)
        let points = options.grid.points
        let folders = SweepGrid.folderNames(points)
        let runs = FigureWriter.absolute(options.out) + "/runs"
        jobs = zip(points, folders).map { point, name in
            let folder = runs + "/" + name
            let pointOverrides = point.overrides + options.parameters
            var material = bytes
            for o in pointOverrides { material += [0] + Array(o.utf8) }
            material += [0] + Array(build.utf8)
            let key = Digest.sha256(material)
            var arguments = ["run", scriptPath]
            for o in pointOverrides { arguments += ["-p", o] }
            arguments += ["--out", folder, "--plots", folder + "/Plots", "--result", folder + "/result.json", "--result-key", key]
            if let data = options.dataFolder { arguments += ["--data", FigureWriter.absolute(data)] }
            return Job(point: point, folder: folder, key: key, arguments: arguments, label: name)
        }
    }

    /// The program build a result was made with: a digest of the binary's bytes.
    static func buildDigest(_ binary: String) -> String {
        (try? FileReader.bytes(atPath: binary)).map { Digest.sha256($0) } ?? "unknown build"
    }

    /// Whether a point's result is current and good.
    func isDone(_ job: Job) -> Bool {
        guard let r = PointResult.read(job.resultPath) else { return false }
        return r.key == job.key && r.status == .ok
    }

    /// Runs the missing points on the engine, then writes the results. Throws for a sweep that
    /// cannot run at all (no Slurm, an unwritable folder); failed points are in the outcome.
    package func run() throws(SweepError) -> Outcome {
        do { try AtomicFile.makeFolders(FigureWriter.absolute(options.out) + "/runs") } catch {
            throw SweepError("cannot create \(options.out): \(error.reason)")
        }
        if options.engine == .slurm { try SlurmEngine.waitForEarlierArray(out: options.out, log: log) }
        let pending = jobs.filter { options.force || !isDone($0) }
        let cached = jobs.count - pending.count
        if !pending.isEmpty {
            log("sweep: \(jobs.count) points, \(cached) cached, running \(pending.count) on \(options.engine.rawValue)"
                + (options.engine == .local ? " (\(options.jobs) at a time)" : "") + "\n")
            switch options.engine {
            case .local: LocalEngine(binary: options.binary, jobs: options.jobs, log: log).run(pending)
            case .slurm: try SlurmEngine(binary: options.binary, jobs: options.jobs, arguments: options.slurmArguments,
                                         out: options.out, log: log).run(pending)
            }
        }
        var failed: [(String, String)] = []
        var rows: [RecordStorage] = []
        for job in jobs {
            guard let r = PointResult.read(job.resultPath), r.key == job.key else {
                failed.append((job.label, "no result: the run did not finish (see \(job.folder)/log.txt)"))
                continue
            }
            guard r.status == .ok else {
                failed.append((job.label, r.error ?? "failed"))
                continue
            }
            for published in r.rows {
                rows.append(RecordStorage(job.point.values.map { ($0.name, $0.value) }
                                          + published.map { ($0.key, BuiltinRegistry.value($0.value)) }))
            }
        }
        try writeResults(rows)
        for (label, error) in failed { log("failed: \(label): \(error)\n") }
        if let summary = options.summary { try runSummary(summary) }
        return Outcome(total: jobs.count, ran: pending.count, cached: cached, failed: failed)
    }

    /// `results.csv` and `results.json`, rewritten only when their bytes change.
    func writeResults(_ rows: [RecordStorage]) throws(SweepError) {
        let folder = FigureWriter.absolute(options.out)
        let csv = BuiltinRegistry.csvText(rows)
        let json = JSONWriter.indented(.array(rows.map { r in .object(r.pairs.map { ($0.key, BuiltinRegistry.json($0.value)) }) }),
                                        indent: 1) + "\n"
        for (name, text) in [("results.csv", csv), ("results.json", json)] {
            let path = folder + "/" + name
            if (try? AtomicFile.read(path)) == text { continue }
            do { try AtomicFile.write(text, to: path) } catch { throw SweepError("cannot write \(path): \(error.reason)") }
        }
    }

    /// Replays the summary script after the grid (it reads the results with `load`).
    func runSummary(_ summary: String) throws(SweepError) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: options.binary)
        p.arguments = ["run", summary] + (options.dataFolder.map { ["--data", $0] } ?? [])
        do { try p.run() } catch { throw SweepError("cannot run the summary \(summary): \(error)") }
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw SweepError("the summary \(summary) failed (exit status \(p.terminationStatus))") }
    }
}
