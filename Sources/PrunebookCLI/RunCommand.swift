import ArgumentParser
import Foundation
import Notebook
import PruneScript
import Session
import Support
import Sweep

/// `prunebook run SCRIPT.prune [-p name=value]... [--out DIR] [--plots DIR] [--formats ipynb,md]`:
/// replays a script from a clean state and writes its transcripts.
///
/// Exit status: 0 when every cell succeeded; 1 when a cell failed (the transcripts are still
/// written, up to and including the error; later cells stay unexecuted); 64 for usage errors
/// (unknown option, bad `-p`, unknown parameter name, bad `--formats`).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a .prune script from a clean state; write NAME.ipynb and NAME.md.")

    @Argument(help: "The .prune script (an .ipynb notebook also works).")
    var script: String

    @Option(name: [.customShort("p"), .customLong("parameter")],
            help: ArgumentHelp("Override a variable assigned in the cell tagged 'parameters'; the value is a PruneScript literal (-p sparsity=99%, -p name='\"vgg\"').",
                               valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("Folder for the transcripts (default: the script's folder).", valueName: "dir"))
    var out: String?

    @OptionGroup var session: SessionOptions

    @Option(help: ArgumentHelp("Transcripts to write, comma-separated: \(TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "list"),
            transform: TranscriptFormat.list)
    var formats: [TranscriptFormat] = TranscriptFormat.allCases

    @Flag(help: "Let the transcript replace the script it replays (an .ipynb run in its own folder).")
    var inPlace = false

    @Option(help: ArgumentHelp("Write the run's outcome and published results here, last (a sweep point's result.json).",
                               valueName: "file", visibility: .private))
    var result: String?

    @Option(help: ArgumentHelp("The sweep point's cache key, recorded in --result.", valueName: "key", visibility: .private))
    var resultKey: String = ""

    /// The transcripts this run writes.
    var outputPaths: [String] {
        let folder = out ?? NotebookPaths.folder(script)
        return formats.map { FigureWriter.join(folder, NotebookPaths.baseName(script) + "." + $0.notebookFormat.rawValue) }
    }

    func validate() throws {
        let input = FigureWriter.absolute(script)
        if !inPlace, let clash = outputPaths.first(where: { FigureWriter.absolute($0) == input }) {
            throw ValidationError("run would overwrite its input \(clash) with the replayed transcript; "
                                  + "pass --in-place to replace it, or --out DIR to write elsewhere")
        }
        for p in parameters where Parameters.parse(p) == nil {
            throw ValidationError("-p expects name=value, got '\(p)'")
        }
    }

    func run() throws {
        guard let result else { _ = try replay(); return }
        // a sweep point: one run of it at a time, dead with a local sweep, and its outcome recorded last
        PointGuard.dieWithParent()
        let folder = AtomicFile.parentFolder(of: result)
        guard (try? PointGuard.lock(folder: folder)) == true else {
            throw CLIError("\(folder) is being run by another process")
        }
        var outcome = PointResult(key: resultKey, status: .ok)
        do {
            outcome.publish(try replay())
        } catch {
            outcome.status = .failed
            outcome.error = error is ExitCode ? "a cell failed (see the transcript in \(folder))" : "\(error)"
        }
        do { try outcome.write(to: result) } catch { throw CLIError("cannot write \(result): \(error.reason)") }
        if outcome.status == .failed { throw ExitCode(1) }
    }

    /// Replays the script and writes its transcripts; returns the rows it published.
    func replay() throws -> [RecordStorage] {
        session.applyMemoryLimit()
        var notebook: Notebook
        do { notebook = try Notebook.read(path: script) } catch {
            throw CLIError("\(error)")
        }
        notebook.clearOutputs()
        let name = NotebookPaths.baseName(script)
        let outFolder = out ?? NotebookPaths.folder(script)

        Interrupt.install()
        let figures = FigureWriter(folder: session.plots, notebookName: name, transcriptFolder: outFolder)
        let cells = NotebookSession(notebook: notebook, figures: figures, cancellation: Interrupt.token,
                                    progress: .forStandardError(), dataDirectory: session.dataFolder)
        let failure: ReplayFailure?
        do { failure = try cells.replay(overrides: parameters.compactMap(Parameters.parse)) } catch {
            throw ValidationError(error.description)
        }
        let published = cells.publishedRows

        let transcript = cells.transcript
        for (format, path) in zip(formats, outputPaths) {
            do { try transcript.write(to: path, format: format.notebookFormat, createFolders: true) } catch {
                throw CLIError("\(error)")
            }
            print("wrote \(path)")
        }
        if let failure {
            FileHandle.standardError.write(Data("cell \(failure.cell) failed:\n\(failure.text)\n".utf8))
            throw ExitCode(1)
        }
        return published
    }
}

/// A failure reported as `Error: message` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
