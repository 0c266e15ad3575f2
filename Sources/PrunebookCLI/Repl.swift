import Foundation
import Notebook
import PruneScript
import Session
import Support

/// The interactive session behind `prunebook` / `prunebook repl`.
///
/// Cells are numbered like the transcript: `In [n]: `, a continuation prompt `   ...: ` while
/// the input is incomplete, `Out[n]: ` for results. Every cell is recorded in a notebook that
/// `:export` (and `--record` at exit) writes. Lines starting with `:` are commands and
/// `?name` shows help; neither is recorded. When stdin is not a terminal there is no
/// readline and no prompt: the output is just the results (errors on stderr).
final class Repl {
    let session: NotebookSession
    let reader: LineReader
    /// How this terminal shows figures inline (nil: it prints their path), asked at start-up.
    var inlineImages: TerminalImages?
    /// Written when the session ends (`--record`).
    let recordPath: String?
    /// Print each cell's wall time.
    var timing = false
    var interactive: Bool { reader.interactive }
    /// Whether any cell failed (the exit status of a piped session).
    private(set) var anyFailed = false

    /// The commands `:help` lists, with their one-line docs.
    static let commands: [(name: String, usage: String, doc: String)] = [
        ("help", ":help [name]", "list commands and builtins, or show one builtin's help (also ?name)"),
        ("save", ":save FILE.prune [range]", "save the inputs of cells (e.g. 1-3,5; default all) as a script"),
        ("export", ":export FILE.ipynb", "write the session's transcript (.ipynb, .md or .prune)"),
        ("run", ":run FILE.prune", "run a script's cells in this session"),
        ("history", ":history", "show the inputs of this session's cells"),
        ("time", ":time", "toggle printing each cell's wall time"),
        ("reset", ":reset", "forget every variable (the transcript is kept)"),
        ("quit", ":quit", "leave (also Ctrl-D); with --record the transcript is written"),
    ]

    init(recordPath: String?, plots: String, dataDirectory: String?, historyPath: String?) {
        // unnamed figures: named after the recorded notebook (deterministic, as `run` names them),
        // else after this session (two sessions never overwrite each other's figures)
        let name = recordPath.map(NotebookPaths.baseName) ?? Repl.sessionName()
        let figures = FigureWriter(folder: plots, notebookName: name,
                                   transcriptFolder: recordPath.map(NotebookPaths.folder) ?? ".")
        let interactive = isatty(STDIN_FILENO) != 0
        session = NotebookSession(figures: figures, cancellation: Interrupt.token,
                                  progress: interactive ? .forStandardError() : .off, dataDirectory: dataDirectory)
        self.recordPath = recordPath
        let completion = Completion(interpreter: session.interpreter, commands: Repl.commands.map(\.name))
        reader = LineReader(historyPath: historyPath) { word, line in completion.complete(word: word, line: line) }
        session.onEvent = { [unowned self] event in self.show(event) }
    }

    /// Reads and runs cells until end of input or `:quit`; returns the exit status.
    func run() -> Int32 {
        Interrupt.install()
        if interactive { inlineImages = TerminalImages.detect() }
        if interactive {
            Terminal.out("Prunebook \(PrunebookVersion.current): PruneScript at a prompt. :help lists commands, Ctrl-D quits.\n")
        }
        loop: while true {
            let primary = "In [\(session.executionCount + 1)]: "
            let continuation = String(repeating: " ", count: max(0, primary.count - 5)) + "...: "
            var buffer: [String] = []
            while true {
                let prompt = interactive ? (buffer.isEmpty ? primary : continuation) : ""
                guard let line = nextLine(prompt: prompt, resetPrompt: primary) else {
                    if interactive { Terminal.out("\n") }
                    if !buffer.isEmpty {
                        reader.remember(buffer.joined(separator: "\n"))
                        runCell(buffer.joined(separator: "\n"))
                    }
                    break loop
                }
                if reader.interruptedAtPrompt { buffer = [] }
                if buffer.isEmpty {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    if trimmed.hasPrefix(":") {
                        reader.remember(trimmed)
                        if !command(String(trimmed.dropFirst())) { break loop }
                        continue loop
                    }
                    if trimmed.hasPrefix("?"), Repl.isName(trimmed.dropFirst()) {
                        reader.remember(trimmed)
                        help(String(trimmed.dropFirst()))
                        continue loop
                    }
                }
                buffer.append(line)
                if isComplete(buffer.joined(separator: "\n")) != .incomplete {
                    // A script may put `else` on the line after an if block's `}`: piped input can look
                    // ahead one line (at a prompt, `else` must follow the `}` on the same line).
                    if !interactive, line.trimmingCharacters(in: .whitespaces).hasSuffix("}"),
                       let next = nextLine(prompt: "", resetPrompt: nil) {
                        if next.trimmingCharacters(in: .whitespaces).hasPrefix("else") {
                            buffer.append(next)
                            if isComplete(buffer.joined(separator: "\n")) != .incomplete { break }
                            continue
                        }
                        pending.insert(next, at: 0)
                    }
                    break
                }
            }
            reader.remember(buffer.joined(separator: "\n"))
            runCell(buffer.joined(separator: "\n"))
        }
        finish()
        return !interactive && anyFailed ? 1 : 0
    }

    /// Lines read but not yet used: a line read ahead (piped input), or the later lines of a
    /// multi-line cell recalled from history and entered at once.
    private var pending: [String] = []

    private func nextLine(prompt: String, resetPrompt: String?) -> String? {
        if !pending.isEmpty { return pending.removeFirst() }
        guard let text = reader.readLine(prompt: prompt, resetPrompt: resetPrompt) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        pending = Array(lines.dropFirst())
        return lines.first ?? ""
    }

    /// Runs one cell, printing its result, error and (with `:time`) its wall time.
    func runCell(_ source: String) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = session.append(source)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let n = session.executionCount
        if let value = result.value, !NotebookSession.isFigure(value) {
            let text = result.resultText ?? session.interpreter.show(value)
            if interactive {
                Terminal.out(text.contains("\n") ? "Out[\(n)]:\n\(text)\n" : "Out[\(n)]: \(text)\n")
            } else {
                Terminal.out(text + "\n")
            }
        }
        if let error = session.render(result) {
            anyFailed = true
            // after the terminal's own "^C"
            let newline = interactive && result.error?.kind == .interrupted ? "\n" : ""
            Terminal.err(newline + error + "\n")
        }
        if timing { Terminal.out("time: \(String(format: "%.3f", seconds)) s\n") }
        if interactive { Terminal.out("\n") }
    }

    /// Prints what a running cell produces, as it happens.
    private func show(_ event: NotebookSession.Event) {
        switch event {
        case .stdout(let text): Terminal.out(text)
        case .warning(let message): Terminal.err("warning: \(message)\n")
        case .note(let line): Terminal.err(line + "\n")
        case .figure(let path, let png):
            if let images = inlineImages, let png, images.show(png: png) { break }
            Terminal.out("figure: \(FigureWriter.absolute(path))\n")
        case .text(let text): Terminal.out(text.hasSuffix("\n") ? text : text + "\n")
        }
    }

    /// Runs a `:` command; false means quit.
    func command(_ line: String) -> Bool {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = parts.first else { help(nil); return true }
        let args = Array(parts.dropFirst())
        switch name {
        case "help", "h": help(args.first)
        case "save": save(args)
        case "export": export(args)
        case "run": runScript(args)
        case "history", "hist": history()
        case "time":
            timing.toggle()
            Terminal.out("timing \(timing ? "on" : "off")\n")
        case "reset":
            session.resetVariables()
            Terminal.out("all variables forgotten\n")
        case "quit", "q", "exit": return false
        default:
            let near = Repl.commands.map(\.name).filter { $0.hasPrefix(String(name.prefix(1))) }
            Terminal.err("unknown command ':\(name)'" + (near.isEmpty ? "" : "; did you mean :\(near[0])?") + " (:help lists the commands)\n")
        }
        return true
    }

    /// `:help`, `:help name`, `?name`.
    func help(_ name: String?) {
        let registry = session.interpreter.builtins
        guard let name else {
            var lines = ["Commands:"]
            let width = Repl.commands.map(\.usage.count).max() ?? 0
            for c in Repl.commands {
                lines.append("  " + c.usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + c.doc)
            }
            lines.append("")
            lines.append(registry.index)
            Terminal.out(lines.joined(separator: "\n") + "\n")
            return
        }
        let bare = name.hasPrefix(":") ? String(name.dropFirst()) : name
        let isTopic = registry.help(for: bare) != nil || LanguageHelp.text(for: bare) != nil
        if let c = Repl.commands.first(where: { $0.name == bare }), name.hasPrefix(":") || !isTopic {
            Terminal.out("\(c.usage)  \(c.doc)\n")
        } else if let text = session.help(for: bare) {
            Terminal.out(text + "\n")
        } else {
            let near = registry.names.filter { $0.hasPrefix(String(bare.prefix(2))) }.sorted()
            Terminal.err("no help for '\(bare)'" + (near.isEmpty ? "" : "; similar: " + near.joined(separator: ", ")) + "\n")
        }
    }

    /// `:save FILE [range]`: the inputs of the cells whose numbers are in range.
    func save(_ args: [String]) {
        guard let path = args.first else { Terminal.err("usage: :save FILE.prune [range, e.g. 1-3,5]\n"); return }
        let numbers: Set<Int>?
        if args.count > 1 {
            guard let r = Repl.parseRange(args.dropFirst().joined(separator: ",")) else {
                Terminal.err("bad range '\(args.dropFirst().joined(separator: " "))'; e.g. 3, 1-3 or 1-3,5\n")
                return
            }
            numbers = r
        } else {
            numbers = nil
        }
        var out = Notebook()
        for cell in session.notebook.cells where cell.kind == .code {
            if let numbers, !(cell.executionCount.map(numbers.contains) ?? false) { continue }
            out.appendCode(cell.source, title: cell.title)
        }
        write(out, to: path)
    }

    /// `:export FILE`: the whole transcript with outputs.
    func export(_ args: [String]) {
        guard let path = args.first else { Terminal.err("usage: :export FILE.ipynb (or .md, .prune)\n"); return }
        write(session.transcript, to: path)
    }

    /// `repl-20261206-031502-4242`: this session, by its start time and process.
    static func sessionName() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                           parts.tm_hour, parts.tm_min, parts.tm_sec)
        return "repl-\(stamp)-\(getpid())"
    }

    private func write(_ notebook: Notebook, to path: String) {
        do {
            // figure links are relative to the transcript: wherever this one goes
            let notebook = FigureWriter.relinked(notebook, from: session.figures.transcriptFolder, to: NotebookPaths.folder(path))
            try notebook.write(to: path, createFolders: true)
            Terminal.out("wrote \(path)\n")
        } catch {
            Terminal.err("\(error)\n")
        }
    }

    /// `:run FILE`: a script's cells, run here one after another, stopping at an error.
    func runScript(_ args: [String]) {
        guard let path = args.first else { Terminal.err("usage: :run FILE.prune\n"); return }
        let notebook: Notebook
        do { notebook = try Notebook.read(path: path) } catch {
            Terminal.err("\(error)\n")
            return
        }
        for cell in notebook.cells {
            if cell.kind != .code {
                session.notebook.cells.append(Cell(kind: cell.kind, source: cell.source, title: cell.title))
                continue
            }
            if interactive { Terminal.out("In [\(session.executionCount + 1)]: " + Repl.indented(cell.source) + "\n") }
            let failedBefore = anyFailed
            anyFailed = false
            runCell(cell.source)
            let failed = anyFailed
            anyFailed = failedBefore || failed
            if failed {
                Terminal.err(":run stopped at this cell\n")
                return
            }
        }
    }

    /// `:history`: every recorded input with its number.
    func history() {
        for cell in session.notebook.cells where cell.kind == .code {
            let n = cell.executionCount.map(String.init) ?? " "
            Terminal.out("In [\(n)]: " + Repl.indented(cell.source) + "\n")
        }
    }

    /// Ends the session: history saved, `--record` written.
    func finish() {
        reader.close()
        if let recordPath { write(session.transcript, to: recordPath) }
    }

    /// Continuation lines indented under the first line's text.
    static func indented(_ source: String) -> String {
        source.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n   ...: ")
    }

    /// `3`, `1-3`, `1..3`, `1-3,5` as cell numbers; nil when malformed.
    static func parseRange(_ text: String) -> Set<Int>? {
        var out = Set<Int>()
        for part in text.split(separator: ",") where !part.isEmpty {
            let p = part.replacingOccurrences(of: "..", with: "-")
            let ends = p.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2, let lo = Int(ends[0]), let hi = Int(ends.last ?? ""), lo >= 1, lo <= hi else { return nil }
            out.formUnion(lo...hi)
        }
        return out.isEmpty ? nil : out
    }

    /// An identifier (for `?name`).
    static func isName(_ s: Substring) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}

/// Unbuffered terminal output, so results, errors and live prints keep their order.
enum Terminal {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
