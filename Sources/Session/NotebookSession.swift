import Builtins
import JSON
import Notebook
import PruneScript
import Raster
import Support
import Tensor

/// A PruneScript session recorded as a notebook: runs code cells, numbers them 1, 2, 3… like
/// Jupyter's execution counts, and turns what they produce into notebook outputs. Shared by
/// `prunebook run` (replaying a script's cells, see `replay`), the REPL (appending typed cells),
/// and the kernel and the sweep after them: the same cell gives the same outputs through every
/// front end.
///
/// Outputs: printed text → `stream` stdout; warnings → `stream` stderr; a builtin's one-line
/// account (`train: 2 epochs …`) → `display_data` text; the cell's value →
/// `execute_result` (its `repr`; none for `nil`, a hidden result, or a figure handle, which
/// the figure's own display already shows); an SVG display → the file is written by the
/// `FigureWriter` and recorded as `display_data` (SVG, a `text/plain` fallback, and the
/// relative link for the Markdown transcript); an error → `error` with the rendered
/// traceback (message with cell, line and column, the source line, a caret, the hint).
package final class NotebookSession {
    /// What the session reports while a cell runs (the REPL prints these live).
    package enum Event {
        case stdout(String)
        case warning(String)
        /// A builtin's one-line account (standard error).
        case note(String)
        /// A figure was written to `path`; `png` is its rendering (nil when it could not be drawn).
        case figure(path: String, png: [UInt8]?)
        /// Text or Markdown shown by a display item.
        case text(String)
    }

    package let interpreter: Interpreter
    package let settings: EngineSettings
    package var notebook: Notebook
    package var figures: FigureWriter
    /// The execution count of the last cell run (0 before the first).
    package private(set) var executionCount = 0
    /// Receives events as they happen (on the interpreter's thread, while the caller waits).
    package var onEvent: ((Event) -> Void)?
    /// Receives each output as the running cell records it (the kernel sends these as they come,
    /// so a live cell and its transcript hold the same outputs).
    package var onOutput: ((Output) -> Void)?
    /// Parameter overrides to record in the metadata (`-p name=value`).
    package var parameters: [String: JSONValue] = [:]

    /// The cell being run and its figure counter; nil between cells.
    private var current: (index: Int, count: Int, figures: Int)?

    /// A session over `notebook` (its outputs are kept until a cell re-runs).
    package init(notebook: Notebook = Notebook(), figures: FigureWriter, cancellation: CancellationToken,
         progress: ProgressDisplay = .off, dataDirectory: String? = nil) {
        self.notebook = notebook
        self.figures = figures
        settings = EngineSettings(figuresFolder: figures.folder, dataDirectory: dataDirectory, progress: progress)
        interpreter = Interpreter(builtins: .prunebook(settings: settings), cancellation: cancellation)
        interpreter.onOutput = { [unowned self] event in self.record(event) }
    }

    /// The rows the cells published with `publish(table)`, in order (a sweep's results).
    package var publishedRows: [RecordStorage] { settings.publication.rows }

    /// Runs the code cell at `index` of the notebook as the next execution count and records
    /// its outputs in that cell. A `#| seed: n` option sets the session seed first.
    @discardableResult
    package func run(cellAt index: Int) -> CellResult {
        executionCount += 1
        let count = executionCount
        notebook.cells[index].outputs = []
        notebook.cells[index].executionCount = count
        if let seed = notebook.cells[index].seed, seed >= 0 { interpreter.seed = UInt64(seed) }
        current = (index, count, 0)
        let previous = (interpreter.global("_"), interpreter.global("__"))
        let result = interpreter.run(notebook.cells[index].source, cell: count)
        if let value = result.value { remember(value, count: count, previous: previous) }
        if let value = result.value, !NotebookSession.isFigure(value) {
            append(.executeResult(count: count, text: result.resultText ?? interpreter.show(value), html: interpreter.html(value)))
        }
        if let error = result.error {
            append(errorOutput(result, error))
        }
        current = nil
        return result
    }

    /// Appends `source` as a new code cell (the REPL) and runs it.
    @discardableResult
    package func append(_ source: String) -> CellResult {
        run(cellAt: notebook.appendCode(source))
    }

    /// The notebook with Prunebook's metadata: version, the session seed, the parameters and
    /// the BLAS kernel.
    package var transcript: Notebook {
        var nb = notebook
        nb.metadata.prunebook = PrunebookMetadata(version: PrunebookVersion.current, seed: Int(clamping: interpreter.seed),
                                                  parameters: parameters, blasCore: BLAS.coreName)
        return nb
    }

    /// Forgets every variable (keeps the recording and the numbering).
    package func resetVariables() {
        interpreter.reset()
        results = ListStorage()
    }

    /// Results by execution count, as IPython keeps them: `Out[n]` (nil where cell n showed
    /// none), `_n`, and `__` / `___` for the results before `_`.
    private var results = ListStorage()

    private func remember(_ value: Value, count: Int, previous: (Value?, Value?)) {
        while results.items.count <= count { results.items.append(.null) }
        results.items[count] = value
        interpreter.setGlobal("Out", .list(results))
        interpreter.setGlobal("_\(count)", value)
        if let last = previous.0 { interpreter.setGlobal("__", last) }
        if let beforeLast = previous.1 { interpreter.setGlobal("___", beforeLast) }
    }

    /// A figure handle's result is not shown as text: its display already is the output.
    package static func isFigure(_ value: Value) -> Bool {
        if case .handle(let h) = value, h.typeName == "figure" { return true }
        return false
    }

    /// The error as an nbformat `error` output. Syntax errors list all of them.
    private func errorOutput(_ result: CellResult, _ error: ScriptError) -> Output {
        let errors = result.syntaxErrors.isEmpty ? [error] : result.syntaxErrors
        let traceback = errors.flatMap { interpreter.render($0).split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        return .error(ename: error.kind.name, evalue: error.message, traceback: traceback)
    }

    /// The rendered error text (all syntax errors when the cell did not parse).
    package func render(_ result: CellResult) -> String? {
        guard let error = result.error else { return nil }
        let errors = result.syntaxErrors.isEmpty ? [error] : result.syntaxErrors
        return errors.map { interpreter.render($0) }.joined(separator: "\n")
    }

    /// Records an output in the running cell and hands it to `onOutput`.
    private func append(_ output: Output) {
        guard let (index, _, _) = current else { return }
        notebook.cells[index].append(output)
        onOutput?(output)
    }

    /// One output event of the running cell, recorded and reported.
    private func record(_ event: OutputEvent) {
        guard let (_, count, _) = current else { return }
        switch event {
        case .stdout(let text):
            append(.stream(name: .stdout, text: text))
            onEvent?(.stdout(text))
        case .note(let line):
            // a builtin's closing line is a display, not an error stream: in Jupyter it replaces the
            // live progress display and reads as plain output (stderr is tinted as an error)
            append(.displayData(svg: nil, text: line, file: nil))
            onEvent?(.note(line))
        case .warning(let message):
            warn(message)
        case .display(.svg(let svg, let name, let alt)):
            var n = current?.figures ?? 0
            if name == nil || name?.isEmpty == true {
                n += 1
                current?.figures = n
            }
            let text = alt.isEmpty ? "Figure" : alt
            var png: [UInt8]?
            do { png = try SVGRasterizer.png(svg) } catch { warn("could not render the figure as PNG: \(error)") }
            do {
                let written = try figures.write(svg, named: name, cell: count, index: n)
                append(.displayData(svg: svg, png: png, text: text, file: written.link))
                onEvent?(.figure(path: written.path, png: png))
            } catch {
                append(.displayData(svg: svg, png: png, text: text, file: nil))
                warn("could not write the figure: \(error)")
            }
        case .display(.text(let text)), .display(.markdown(let text)):
            append(.displayData(svg: nil, text: text, file: nil))
            onEvent?(.text(text))
        }
    }

    /// A warning, on standard error in the transcript and reported.
    private func warn(_ message: String) {
        let line = message.hasSuffix("\n") ? message : message + "\n"
        append(.stream(name: .stderr, text: "warning: " + line))
        onEvent?(.warning(message))
    }
}
