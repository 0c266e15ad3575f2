/// The output streams a cell can print to.
public enum StreamName: String, Sendable, Equatable {
    case stdout, stderr
}

/// One output of a code cell, as nbformat 4 records it.
public enum Output: Sendable, Equatable {
    /// Printed text (`print`, warnings on stderr).
    case stream(name: StreamName, text: String)
    /// The cell's value, shown as `Out[count]`; `text` is its `text/plain` form.
    case executeResult(count: Int?, text: String)
    /// A figure: SVG markup (nil when only text is known) plus a `text/plain` fallback.
    /// `file` is the figure's path as the Markdown transcript should link it (relative to
    /// the `.md` file), or nil when it was not saved.
    case displayData(svg: String?, text: String, file: String?)
    /// A failed cell. As in Jupyter, `traceback` is the complete display (message,
    /// source line, caret) and front ends show it instead of `ename: evalue`.
    case error(ename: String, evalue: String, traceback: [String])

    /// nbformat's `output_type`.
    public var outputType: String {
        switch self {
        case .stream: "stream"
        case .executeResult: "execute_result"
        case .displayData: "display_data"
        case .error: "error"
        }
    }
}
