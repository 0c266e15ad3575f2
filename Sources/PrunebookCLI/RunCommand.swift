import ArgumentParser
import Foundation
import JSON
import Notebook
import PruneScript

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

    @Option(help: ArgumentHelp("Folder for figures; plot(file:) names are relative to it.", valueName: "dir"))
    var plots: String = "Plots"

    @Option(help: ArgumentHelp("Transcripts to write, comma-separated: ipynb, md.", valueName: "list"))
    var formats: String = "ipynb,md"

    @Option(name: .customLong("data"), help: ArgumentHelp("Data folder (default: $PRUNEBOOK_DATA, else ~/.prunebook/data).", valueName: "dir"))
    var dataFolder: String?

    /// The transcript formats asked for, in the order given.
    func transcriptFormats() throws -> [NotebookFormat] {
        var out: [NotebookFormat] = []
        for part in formats.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let f = NotebookFormat(rawValue: name == "markdown" ? "md" : name), f != .script else {
                throw ValidationError("unknown format '\(name)' in --formats; known: ipynb, md")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw ValidationError("--formats is empty; give ipynb, md or both") }
        return out
    }

    func validate() throws {
        _ = try transcriptFormats()
        for p in parameters where Parameters.parse(p) == nil {
            throw ValidationError("-p expects name=value, got '\(p)'")
        }
    }

    func run() throws {
        let formats = try transcriptFormats()
        var notebook: Notebook
        do { notebook = try Notebook.read(path: script) } catch {
            throw CLIError("\(error)")
        }
        notebook.clearOutputs()
        let name = NotebookPaths.baseName(script)
        let outFolder = out ?? NotebookPaths.folder(script)

        // Parameters: known names come from the parameters cell; values must parse.
        let overrides = parameters.compactMap(Parameters.parse)
        let parameterCell = Parameters.cellIndex(in: notebook)
        if !overrides.isEmpty {
            guard let parameterCell else {
                throw ValidationError("-p needs a code cell tagged 'parameters' (#| tags: [parameters]) in \(script)")
            }
            let known = Parameters.assignedNames(in: notebook.cells[parameterCell].source)
            for o in overrides where !known.contains(o.name) {
                throw ValidationError("unknown parameter '\(o.name)'; the parameters cell assigns: "
                                      + (known.isEmpty ? "nothing" : known.joined(separator: ", ")))
            }
        }

        Interrupt.install()
        let figures = FigureWriter(folder: plots, notebookName: name, transcriptFolder: outFolder)
        let session = NotebookSession(notebook: notebook, figures: figures, cancellation: Interrupt.token,
                                      showProgress: isatty(STDERR_FILENO) != 0, dataDirectory: dataFolder)
        if let seed = notebook.header?["seed"]?.intValue, seed >= 0 { session.interpreter.seed = UInt64(seed) }
        var values: [(String, Value)] = []
        for o in overrides {
            do {
                let v = try session.interpreter.evaluate(o.text)
                values.append((o.name, v))
                session.parameters[o.name] = Parameters.json(v)
            } catch {
                throw ValidationError("-p \(o.name)=\(o.text): \((error as? ScriptError)?.headline ?? "\(error)")"
                                      + " (a PruneScript literal; strings need quotes: -p \(o.name)='\"text\"')")
            }
        }

        var failure: (cell: Int, text: String)?
        for index in notebook.codeCellIndices {
            let result = session.run(cellAt: index)
            if result.error != nil {
                failure = (session.executionCount, session.render(result) ?? "error")
                break
            }
            if index == parameterCell {
                for (n, v) in values { session.interpreter.setGlobal(n, v) }
            }
        }

        let transcript = session.transcript
        for format in formats {
            let path = FigureWriter.join(outFolder, name + "." + format.rawValue)
            do { try transcript.write(to: path, format: format, createFolders: true) } catch {
                throw CLIError("\(error)")
            }
            print("wrote \(path)")
        }
        if let failure {
            FileHandle.standardError.write(Data("cell \(failure.cell) failed:\n\(failure.text)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A failure reported as `Error: message` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Names and folders of notebook files.
enum NotebookPaths {
    /// `x` for `Notebooks/x.prune`.
    static func baseName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
        return String(last[..<dot])
    }

    /// `Notebooks` for `Notebooks/x.prune`, "." for `x.prune`.
    static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
