import JSON

/// `.prune` scripts in jupytext's "percent" layout:
///
///     # ---                       optional front matter (see `ScriptHeader`), at line 1
///     # title: Demo
///     # ---
///
///     # %% Optional title          a code cell
///     #| label: setup             options: `#| key: value` lines at the top of a code cell
///     #| tags: [parameters]
///     x = 1
///
///     # %% [markdown]             a Markdown cell; lines start with "# ", a bare "#" is an empty line
///     # Some *text*
///
///     # %% Title [raw]            a raw cell, commented like Markdown
///
/// Code before the first marker is a code cell without a marker; a file without markers is
/// one code cell. Blank lines before the next marker separate cells (one by default;
/// other counts are kept as jupytext's `lines_to_next_cell`). Line endings may be LF or
/// CRLF (used throughout; a file mixing them keeps the "\r" inside its lines). Reading then
/// writing gives the same bytes; the writer lays out new or edited cells canonically.
/// Not supported: jupytext's `key="value"` metadata on marker lines (it reads as part of the
/// title), and code lines that themselves look like `# %%` markers.
public enum PercentScript {
    /// Parses script text. `file` names the script in errors.
    public static func read(_ text: String, file: String? = nil) throws(PercentScriptError) -> Notebook {
        var layout = ScriptLayout()
        var lines = text.isEmpty ? [] : text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        layout.finalNewline = lines.last == ""
        if layout.finalNewline { lines.removeLast() }
        let terminated = layout.finalNewline ? lines.count : lines.count - 1
        if terminated > 0, lines[..<terminated].allSatisfy({ $0.unicodeScalars.last == "\r" }) {
            layout.lineEnding = .crlf
            for n in 0..<terminated { lines[n] = String(lines[n].unicodeScalars.dropLast()) }
        }

        var metadata = NotebookMetadata()
        var i = 0
        if lines.first == ScriptHeader.delimiter {
            guard let close = lines.indices.dropFirst().first(where: { lines[$0] == ScriptHeader.delimiter }) else {
                throw PercentScriptError(file: file, line: 1, message: "the header opened by '# ---' is not closed by a '# ---' line")
            }
            if let header = try ScriptHeader.parse(preambleLines: Array(lines[...close]), file: file),
               let jupyter = header["jupyter"]?.objectValue {
                for (key, value) in jupyter where !NotebookMetadata.reservedKeys.contains(key) {
                    metadata.extra[key] = value
                }
            }
            i = close + 1
        }
        while i < lines.count, lines[i].isEmpty { i += 1 }
        layout.preamble = lines[..<i].map { $0 + "\n" }.joined()

        let markers = (i..<lines.count).filter { isMarker(lines[$0]) }
        var cells: [Cell] = []
        let firstMarker = markers.first ?? lines.count
        if markers.isEmpty || firstMarker > i {
            layout.unmarkedFirstCell = true
            cells.append(try cell(marker: nil, markerLine: i, body: lines[i..<firstMarker], isLast: markers.isEmpty, file: file))
        }
        for (k, m) in markers.enumerated() {
            let end = k + 1 < markers.count ? markers[k + 1] : lines.count
            cells.append(try cell(marker: lines[m], markerLine: m, body: lines[(m + 1)..<end], isLast: end == lines.count, file: file))
        }
        return Notebook(cells: cells, metadata: metadata, script: layout)
    }

    /// The notebook as script text (outputs are not part of a script).
    public static func write(_ notebook: Notebook) -> String {
        var lines = notebook.script.preamble.lines
        if lines.last == "" { lines.removeLast() }
        for (k, cell) in notebook.cells.enumerated() {
            let unmarked = k == 0 && notebook.script.unmarkedFirstCell && cell.kind == .code && cell.title == nil
            // Reuse the lines read for whichever part (marker, body) is unchanged.
            let chunk = cell.scriptChunk
            if !unmarked {
                let same = chunk.map { $0.kind == cell.kind && $0.title == cell.title } ?? false
                lines.append((same ? chunk?.marker : nil) ?? marker(for: cell))
            }
            let sameBody = chunk.map { $0.kind == cell.kind && $0.source == cell.source } ?? false
            lines += (sameBody ? chunk?.body : nil) ?? body(for: cell)
            let blanks = cell.linesToNextCell ?? (k == notebook.cells.count - 1 ? 0 : 1)
            lines += Array(repeating: "", count: max(0, blanks))
        }
        guard !lines.isEmpty else { return "" }
        let eol = notebook.script.lineEnding == .crlf ? "\r\n" : "\n"
        return lines.joined(separator: eol) + (notebook.script.finalNewline ? eol : "")
    }

    static func isMarker(_ line: String) -> Bool { line == "# %%" || line.hasPrefix("# %% ") }

    static func marker(for cell: Cell) -> String {
        var m = "# %%"
        if let title = cell.title, !title.isEmpty { m += " " + title }
        switch cell.kind {
        case .code: break
        case .markdown: m += " [markdown]"
        case .raw: m += " [raw]"
        }
        return m
    }

    static func body(for cell: Cell) -> [String] {
        switch cell.kind {
        case .code: cell.source.lines
        case .markdown, .raw: cell.source.lines.map { $0.isEmpty ? "#" : "# " + $0 }
        }
    }

    /// Kind and title from a `# %% [title] [[markdown]]` line.
    static func parseMarker(_ line: String, number: Int, file: String?) throws(PercentScriptError) -> (Cell.Kind, String?) {
        var rest = String(line.dropFirst(4)).trimmingSpaces
        var kind = Cell.Kind.code
        if rest.hasSuffix("]"), let open = rest.lastIndex(of: "[") {
            let type = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            switch type {
            case "markdown", "md": kind = .markdown
            case "raw": kind = .raw
            default:
                // "[v2]" may be part of a title; a lone lowercase word is a misspelt cell type.
                if !type.isEmpty, type.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) {
                    throw PercentScriptError(file: file, line: number, message: "unknown cell type '[\(type)]'; expected [markdown] or [raw]")
                }
            }
            if kind != .code { rest = String(rest[..<open]).trimmingSpaces }
        }
        return (kind, rest.isEmpty ? nil : rest)
    }

    private static func cell(marker: String?, markerLine: Int, body: ArraySlice<String>, isLast: Bool, file: String?) throws(PercentScriptError) -> Cell {
        var kind = Cell.Kind.code
        var title: String?
        if let marker { (kind, title) = try parseMarker(marker, number: markerLine + 1, file: file) }
        let bodyStart = marker == nil ? markerLine : markerLine + 1
        var content = Array(body)
        var blanks = 0
        while content.last == "" { content.removeLast(); blanks += 1 }
        let source: String
        switch kind {
        case .code:
            _ = try CellOptions.parse(sourceLines: content, firstLine: bodyStart + 1, file: file, lenient: false)
            source = content.joined(separator: "\n")
        case .markdown, .raw:
            var text: [String] = []
            for (n, line) in content.enumerated() {
                if line.isEmpty || line == "#" {
                    text.append("")
                } else if line.hasPrefix("# ") {
                    text.append(String(line.dropFirst(2)))
                } else if line.hasPrefix("#") {
                    text.append(String(line.dropFirst(1)))
                } else {
                    throw PercentScriptError(file: file, line: bodyStart + n + 1,
                                      message: "a \(kind.rawValue) cell's lines must start with '# ', got '\(line)'")
                }
            }
            source = text.joined(separator: "\n")
        }
        var cell = Cell(kind: kind, source: source, title: title)
        cell.sourceLine = bodyStart + 1
        let defaultBlanks = isLast ? 0 : 1
        cell.linesToNextCell = blanks == defaultBlanks ? nil : blanks
        cell.scriptChunk = ScriptChunk(marker: marker, body: content, kind: kind, title: title, source: source)
        return cell
    }
}
