/// A notebook cell: Markdown text, raw text, or code with the outputs of its last run.
public struct Cell: Sendable, Equatable {
    public enum Kind: String, Sendable { case markdown, code, raw }

    public var kind: Kind
    /// The cell's text without a trailing newline. For code it includes the `#| key: value`
    /// option lines (PruneScript comments), so error line numbers match the script.
    public var source: String
    /// The title after `# %%` (jupytext stores it as cell metadata `title`).
    public var title: String?
    /// `In [n]`; nil for a code cell that has not run (and always for other kinds).
    public var executionCount: Int?
    public var outputs: [Output]
    /// Blank lines after this cell in a `.prune` script; nil means the default:
    /// 1 between cells, 0 after the last one (jupytext's `lines_to_next_cell`).
    public var linesToNextCell: Int?

    /// The line of the file it was read from (1-based) where `source`'s first line stands, so
    /// that a location in the cell maps to a line an editor can jump to; nil for a cell made in
    /// a session. For an `.ipynb` cell whose tags came from its metadata, the `#| tags:` line
    /// added to the source stands on no line: this is then the line before its first stored one.
    public var sourceLine: Int?

    /// The exact script lines this cell was read from, reused while the cell is unchanged
    /// so that reading then writing a script gives the same bytes.
    var scriptChunk: ScriptChunk?

    public init(kind: Kind, source: String, title: String? = nil, executionCount: Int? = nil,
                outputs: [Output] = [], linesToNextCell: Int? = nil) {
        self.kind = kind
        self.source = source
        self.title = title
        self.executionCount = executionCount
        self.outputs = outputs
        self.linesToNextCell = linesToNextCell
    }

    /// A code cell that has not run.
    public static func code(_ source: String, title: String? = nil) -> Cell {
        Cell(kind: .code, source: source, title: title)
    }

    /// A Markdown cell.
    public static func markdown(_ text: String, title: String? = nil) -> Cell {
        Cell(kind: .markdown, source: text, title: title)
    }

    /// The `#| key: value` options at the top of a code cell, in order (malformed lines skipped).
    public var options: [CellOption] {
        guard kind == .code else { return [] }
        return (try? CellOptions.parse(sourceLines: source.lines, firstLine: 1, file: nil, lenient: true)) ?? []
    }

    /// The value of option `key`, e.g. `label`, `fig-cap`, `seed`.
    public func option(_ key: String) -> String? {
        options.last { $0.key == key }?.value
    }

    /// Tags from `#| tags: [a, b]` (`parameters` marks Papermill's parameter cell).
    public var tags: [String] {
        guard let value = option("tags") else { return [] }
        return (try? CellOptions.tagList(value)) ?? []
    }

    public var label: String? { option("label") }
    public var figureCaption: String? { option("fig-cap") }
    /// `#| seed: n` as an integer, nil when absent or not an integer.
    public var seed: Int? { option("seed").flatMap { Int($0) } }

    /// Appends an output; consecutive text on the same stream joins one `stream` output,
    /// as Jupyter shows it.
    public mutating func append(_ output: Output) {
        if case let .stream(name, text) = output,
           case let .stream(lastName, lastText)? = outputs.last, lastName == name {
            outputs[outputs.count - 1] = .stream(name: name, text: lastText + text)
        } else {
            outputs.append(output)
        }
    }

    /// Forgets the last run: no outputs, no execution count.
    public mutating func clearOutputs() {
        outputs = []
        executionCount = nil
    }

    /// Equality of content; how the cell was laid out in a script does not count.
    public static func == (a: Cell, b: Cell) -> Bool {
        a.kind == b.kind && a.source == b.source && a.title == b.title
            && a.executionCount == b.executionCount && a.outputs == b.outputs
            && a.linesToNextCell == b.linesToNextCell
    }
}

/// The raw lines a cell came from, plus what they meant, to detect later edits.
struct ScriptChunk: Sendable {
    var marker: String?
    var body: [String]
    var kind: Cell.Kind
    var title: String?
    var source: String
}

extension String {
    /// Lines split at "\n" only (a "\r" stays in its line); "" has no lines.
    var lines: [String] {
        if isEmpty { return [] }
        return unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
    }
}
