import ArgumentParser
import Foundation
import Session
import Sweep

/// `prunebook sweep SCRIPT.prune --grid NAME=LIST … --out DIR`: the script replayed once per
/// point of the grid, cached and resumable, on this machine or a Slurm cluster.
///
/// Exit status: 0 when every point succeeded; 1 when some failed (the others land); 64 for usage errors.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Replay a .prune script once per point of a grid; collect what each point publishes into OUT/results.csv.",
        discussion: """
            Each point runs as `prunebook run SCRIPT -p NAME=VALUE …` would, into OUT/runs/<point>/. A point \
            whose result matches the script, its parameters and this build is not run again; delete its \
            folder (or pass --force) to rerun it. Example:
              prunebook sweep Notebooks/point.prune --grid 'method=["snip", "force"]' --grid 'sparsity=[90%, 99%]' --out sweeps/a
            """)

    @Argument(help: "The per-point .prune script (its parameters cell declares the grid's names).")
    var script: String

    @Option(help: ArgumentHelp("A grid axis: a name of the parameters cell and a PruneScript list (--grid 'sparsity=[90%, 99%]'); the first is outermost.",
                               valueName: "name=list"))
    var grid: [String] = []

    @Option(name: [.customShort("p"), .customLong("parameter")],
            help: ArgumentHelp("A parameter for every point, as for `run`.", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("Where the points run: \(Sweep.Engine.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "engine"))
    var engine: String = "local"

    @Option(help: "Points running at once (local: child processes; slurm: the array's % limit).")
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Extra sbatch arguments, e.g. \"--partition=cpu --time=1:00:00\".", valueName: "args"))
    var slurmArgs: String = ""

    @Option(help: ArgumentHelp("The sweep's folder: runs/<point>/, results.csv, results.json.", valueName: "dir"))
    var out: String

    @Flag(help: "Rerun every point, cached or not.")
    var force = false

    @Option(help: ArgumentHelp("A script replayed after the grid (it reads OUT/results.csv with load).", valueName: "file"))
    var summary: String?

    @Option(name: .customLong("data"), help: ArgumentHelp("Data folder for every point (default: $PRUNEBOOK_DATA, else ~/.prunebook/data).", valueName: "dir"))
    var dataFolder: String?

    func validate() throws {
        guard !grid.isEmpty else { throw ValidationError("give at least one --grid NAME=LIST") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard Sweep.Engine(rawValue: engine) != nil else {
            throw ValidationError("--engine must be one of \(Sweep.Engine.allCases.map(\.rawValue).joined(separator: ", ")), got '\(engine)'")
        }
    }

    func run() throws {
        var g = SweepGrid()
        do { for axis in grid { try g.add(axis) } } catch { throw ValidationError(error.description) }
        let options = Sweep.Options(script: script, grid: g, parameters: parameters, out: out,
                                    engine: Sweep.Engine(rawValue: engine) ?? .local, jobs: jobs,
                                    slurmArguments: slurmArgs.split(separator: " ").map(String.init), force: force,
                                    summary: summary, binary: SweepCommand.executable, dataFolder: dataFolder)
        let sweep: Sweep
        do { sweep = try Sweep(options) } catch { throw ValidationError(error.description) }
        let outcome: Sweep.Outcome
        do { outcome = try sweep.run() } catch { throw CLIError(error.description) }
        print(outcome.summaryLine)
        if !outcome.failed.isEmpty { throw ExitCode(1) }
    }

    /// This program's own binary, by absolute path (the points run the same build).
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
