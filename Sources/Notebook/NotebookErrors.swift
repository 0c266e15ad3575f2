/// A `.prune` script that does not follow the percent layout: where, and what was expected.
public struct PercentScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The script's path as given by the caller, or nil for text without a file.
    public var file: String?
    /// 1-based line number.
    public var line: Int
    public var message: String

    public init(file: String?, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file ?? "<script>"):\(line): \(message)" }
}

/// A `.ipynb` file that is not a readable nbformat 4 notebook.
public struct NotebookFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String?
    /// Where in the document, e.g. `cells[3].source`, or `line 4, column 2` for JSON syntax errors.
    public var location: String
    public var message: String

    public init(file: String?, location: String, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        let place = location.isEmpty ? "" : " \(location):"
        return "\(file ?? "<notebook>"):\(place) \(message)"
    }
}
