import Support

/// The file formats a notebook can be read from or written to, by file extension.
public enum NotebookFormat: String, Sendable, CaseIterable {
    /// A `.prune` percent script.
    case script = "prune"
    /// A Jupyter `.ipynb` transcript.
    case ipynb
    /// A Markdown `.md` transcript (write only).
    case markdown = "md"

    /// The format of `path` by its extension, or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: String(path[path.index(after: dot)...]).lowercased())
    }
}

extension Notebook {
    /// Reads a `.prune` script or an `.ipynb` notebook, by the file's extension.
    /// Throws `FileError`, `PercentScriptError` or `NotebookFormatError`.
    public static func read(path: String) throws -> Notebook {
        switch NotebookFormat(path: path) {
        case .script: return try PercentScript.read(try AtomicFile.read(path), file: path)
        case .ipynb: return try NotebookReader.ipynb(try AtomicFile.read(path), file: path)
        case .markdown, nil:
            throw FileError(path: path, reason: "cannot read a notebook from this file; expected a .prune or .ipynb file")
        }
    }

    /// The notebook's text in `format`.
    public func text(_ format: NotebookFormat) -> String {
        switch format {
        case .script: PercentScript.write(self)
        case .ipynb: NotebookWriter.ipynb(self)
        case .markdown: MarkdownTranscript.render(self)
        }
    }

    /// Writes the notebook atomically in `format` (by default, the one of `path`'s extension).
    public func write(to path: String, format: NotebookFormat? = nil, createFolders: Bool = false) throws(FileError) {
        guard let format = format ?? NotebookFormat(path: path) else {
            throw FileError(path: path, reason: "unknown notebook format; expected a .prune, .ipynb or .md file")
        }
        try AtomicFile.write(text(format), to: path, createFolders: createFolders)
    }
}
