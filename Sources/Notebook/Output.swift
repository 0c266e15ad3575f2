import JSON

/// The output streams a cell can print to.
public enum StreamName: String, Sendable, Equatable {
    case stdout, stderr
}

/// One output of a code cell, as nbformat 4 records it.
public enum Output: Sendable, Equatable {
    /// Printed text (`print`, warnings on stderr).
    case stream(name: StreamName, text: String)
    /// The cell's value, shown as `Out[count]`; `text` is its `text/plain` form, `html` a
    /// `text/html` form where one exists (tables).
    case executeResult(count: Int?, text: String, html: String? = nil)
    /// A figure: SVG markup (nil when only text is known), its PNG rendering (so front ends that
    /// hide SVG in untrusted notebooks still show it), plus a `text/plain` fallback (the figure's
    /// title and axes, read as alt text). `file` is the figure's path as the Markdown transcript
    /// should link it (relative to the `.md` file), or nil when it was not saved.
    case displayData(svg: String?, png: [UInt8]? = nil, text: String, file: String?)
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

extension Output {
    /// The MIME bundle of an `execute_result` or `display_data` (empty for the others), in
    /// nbformat's key order: `image/png` (base64), `image/svg+xml`, `text/html`, `text/plain`.
    /// The notebook writer and the kernel's messages both use it, so a figure or a table reads the
    /// same in a transcript and live in Jupyter.
    public var mimeData: [(key: String, value: String)] {
        switch self {
        case .stream, .error:
            return []
        case let .executeResult(_, text, html):
            return (html.map { [("text/html", $0)] } ?? []) + [("text/plain", text)]
        case let .displayData(svg, png, text, _):
            var data: [(key: String, value: String)] = []
            if let png { data.append(("image/png", Base64.encode(png))) }
            if let svg { data.append(("image/svg+xml", svg)) }
            data.append(("text/plain", text))
            return data
        }
    }

    /// The `metadata` of a display: the figure's file for the Markdown transcript, and the PNG's
    /// size in CSS pixels (it is rendered at twice the SVG's size for sharp screens).
    public var displayMetadata: [(key: String, value: JSONValue)] {
        guard case let .displayData(_, png, _, file) = self else { return [] }
        var members: [(key: String, value: JSONValue)] = []
        if let png, let size = PNGInfo(png) {
            members.append(("image/png", .object([("height", .int(size.height / 2)), ("width", .int(size.width / 2))])))
        }
        if let file { members.append(("prunebook", .object([("file", .string(file))]))) }
        return members
    }
}
