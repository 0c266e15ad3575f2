import JSON

/// A notebook: ordered cells plus metadata, independent of its file format
/// (`.prune` script, `.ipynb` transcript, Markdown transcript).
public struct Notebook: Sendable, Equatable {
    public var cells: [Cell]
    public var metadata: NotebookMetadata
    /// How the notebook's `.prune` script is laid out, kept for byte-identical rewriting.
    public var script: ScriptLayout

    public init(cells: [Cell] = [], metadata: NotebookMetadata = NotebookMetadata(), script: ScriptLayout = ScriptLayout()) {
        self.cells = cells
        self.metadata = metadata
        self.script = script
    }

    /// Appends a code cell and returns its index (for a REPL recording its inputs).
    @discardableResult
    public mutating func appendCode(_ source: String, title: String? = nil) -> Int {
        cells.append(.code(source, title: title))
        return cells.count - 1
    }

    /// Appends a Markdown cell and returns its index.
    @discardableResult
    public mutating func appendMarkdown(_ text: String, title: String? = nil) -> Int {
        cells.append(.markdown(text, title: title))
        return cells.count - 1
    }

    /// Indices of the code cells, in order.
    public var codeCellIndices: [Int] { cells.indices.filter { cells[$0].kind == .code } }

    /// Forgets every output and execution count, for a replay from a clean state.
    public mutating func clearOutputs() {
        for i in cells.indices { cells[i].clearOutputs() }
    }

    /// The script header's front matter (`# ---` … `# ---`) as a JSON object, or nil when
    /// the script has none or it does not parse.
    public var header: JSONValue? {
        try? ScriptHeader.parse(preambleLines: script.preamble.lines, file: nil)
    }
}

/// Notebook-level metadata. `kernelspec` and `language_info` are always PruneScript's.
public struct NotebookMetadata: Sendable, Equatable {
    /// Prunebook's own record of a run; nil for a notebook that never ran.
    public var prunebook: PrunebookMetadata?
    /// Any other top-level metadata (from a notebook read from disk, or the `jupyter:`
    /// block of a script header), written back as is.
    public var extra: [String: JSONValue]

    public init(prunebook: PrunebookMetadata? = nil, extra: [String: JSONValue] = [:]) {
        self.prunebook = prunebook
        self.extra = extra
    }

    /// Jupyter's `kernelspec` for PruneScript.
    public static let kernelspec: JSONValue = .object([
        ("display_name", .string("PruneScript")),
        ("language", .string("prunescript")),
        ("name", .string("prunescript")),
    ])

    /// Jupyter's `language_info` for PruneScript, also the kernel's. Highlighting borrows
    /// Python's lexer (Pygments, for nbconvert) and mode (CodeMirror, for JupyterLab): the same
    /// `#` comments, string and number literals, and 11 of PruneScript's 16 keywords (`and`,
    /// `or`, `not`, `in`, `if`, `else`, `for`, `while`, `break`, `continue`, `return`); braces and
    /// named arguments read as plain punctuation.
    public static let languageInfo: JSONValue = .object([
        ("codemirror_mode", .string("python")),
        ("file_extension", .string(".prune")),
        ("mimetype", .string("text/x-prunescript")),
        ("name", .string("prunescript")),
        ("nbconvert_exporter", .string("script")),
        ("pygments_lexer", .string("python")),
        ("version", .string(languageVersion)),
    ])

    /// The version of the PruneScript language (`language_info.version`).
    public static let languageVersion = "1.0"

    /// Top-level keys the writer owns; `extra` entries with these names are ignored.
    static let reservedKeys: Set<String> = ["kernelspec", "language_info", "prunebook"]
}

/// The `prunebook` metadata object: what a replay depends on. Values are supplied by the caller.
public struct PrunebookMetadata: Sendable, Equatable {
    /// Prunebook's version, e.g. "0.1.0".
    public var version: String?
    /// The seed of the run.
    public var seed: Int?
    /// Parameter overrides (`-p name=value`), by name.
    public var parameters: [String: JSONValue]
    /// The OpenBLAS kernel in use (`openblas_get_corename`), e.g. "Haswell".
    public var blasCore: String?

    public init(version: String? = nil, seed: Int? = nil, parameters: [String: JSONValue] = [:], blasCore: String? = nil) {
        self.version = version
        self.seed = seed
        self.parameters = parameters
        self.blasCore = blasCore
    }
}

/// Line endings of a `.prune` script.
public enum LineEnding: String, Sendable, Equatable {
    case lf, crlf
}

/// Layout details of a `.prune` script that carry no meaning but must survive a round trip.
/// Stored in `.ipynb` under `metadata.prunebook.script`, only where they differ from the defaults.
public struct ScriptLayout: Sendable, Equatable {
    /// Text before the first cell: the `# ---` front matter and blank lines, each line
    /// ending in "\n"; "" when the script starts with its first cell.
    public var preamble: String
    /// The first cell is code before any `# %%` marker (always so for a script without markers).
    public var unmarkedFirstCell: Bool
    /// The script ends with a line ending.
    public var finalNewline: Bool
    public var lineEnding: LineEnding

    public init(preamble: String = "", unmarkedFirstCell: Bool = false, finalNewline: Bool = true, lineEnding: LineEnding = .lf) {
        self.preamble = preamble
        self.unmarkedFirstCell = unmarkedFirstCell
        self.finalNewline = finalNewline
        self.lineEnding = lineEnding
    }

    var isDefault: Bool { self == ScriptLayout() }
}
