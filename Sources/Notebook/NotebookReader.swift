import JSON

/// Reads nbformat 4.x `.ipynb` files (any minor version; text as strings or lists of lines).
/// Cell ids are not kept (the writer numbers cells). Kept: cell kinds, sources, titles,
/// `lines_to_next_cell`, execution counts, and the outputs Prunebook represents (streams,
/// `text/plain` results, SVG or text figures, errors); other mime types are dropped.
/// Cells tagged in Jupyter get a `#| tags:` line when their source has none.
public enum NotebookReader {
    /// Parses `.ipynb` text. `file` names the notebook in errors.
    public static func ipynb(_ text: String, file: String? = nil) throws(NotebookFormatError) -> Notebook {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw NotebookFormatError(file: file, location: position(ofByte: error.offset, in: text), message: "not valid JSON: \(error.message)")
        }
        var notebook = try Decoder(file: file).notebook(root)
        let lines = IpynbSourceLines.scan(text)
        if lines.count == notebook.cells.count {
            for (k, line) in lines.enumerated() {
                guard let line else { continue }
                // a `#| tags:` line made from the metadata stands on no line of the file
                let storedFirst = notebook.cells[k].source.hasPrefix("#| tags:") && !Self.storesTagsLine(root, cell: k)
                notebook.cells[k].sourceLine = storedFirst ? line - 1 : line
            }
        }
        return notebook
    }

    /// Whether cell `k`'s stored source itself starts with a `#| tags:` line.
    private static func storesTagsLine(_ root: JSONValue, cell k: Int) -> Bool {
        guard let source = root["cells"]?.arrayValue?[k]["source"] else { return false }
        let first = source.stringValue ?? source.arrayValue?.first?.stringValue ?? ""
        return first.hasPrefix("#| tags:")
    }

    /// "line L, column C" of a byte offset.
    static func position(ofByte offset: Int, in text: String) -> String {
        var line = 1, column = 1
        for b in text.utf8.prefix(offset) {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return "line \(line), column \(column)"
    }

    private struct Decoder {
        let file: String?

        func fail(_ path: String, _ message: String) -> NotebookFormatError {
            NotebookFormatError(file: file, location: path, message: message)
        }

        func describe(_ v: JSONValue) -> String {
            switch v {
            case .null: "null"
            case .bool: "a boolean"
            case .number: "a number"
            case .string: "a string"
            case .array: "a list"
            case .object: "an object"
            }
        }

        func object(_ v: JSONValue?, _ path: String) throws(NotebookFormatError) -> JSONValue {
            guard let v else { throw fail(path, "missing") }
            guard case .object = v else { throw fail(path, "expected an object, got \(describe(v))") }
            return v
        }

        func string(_ v: JSONValue?, _ path: String) throws(NotebookFormatError) -> String {
            guard let v else { throw fail(path, "missing") }
            guard let s = v.stringValue else { throw fail(path, "expected a string, got \(describe(v))") }
            return s
        }

        func optionalInt(_ v: JSONValue?, _ path: String) throws(NotebookFormatError) -> Int? {
            guard let v, v != .null else { return nil }
            guard let n = v.intValue else { throw fail(path, "expected an integer or null, got \(describe(v))") }
            return n
        }

        /// nbformat's multiline text: a string or a list of strings.
        func text(_ v: JSONValue?, _ path: String) throws(NotebookFormatError) -> String {
            guard let v else { throw fail(path, "missing") }
            if let s = v.stringValue { return s }
            guard let items = v.arrayValue else { throw fail(path, "expected a string or a list of strings, got \(describe(v))") }
            var out = ""
            for (n, item) in items.enumerated() {
                guard let s = item.stringValue else { throw fail("\(path)[\(n)]", "expected a string, got \(describe(item))") }
                out += s
            }
            return out
        }

        func notebook(_ root: JSONValue) throws(NotebookFormatError) -> Notebook {
            _ = try object(root, "")
            guard let major = root["nbformat"] else { throw fail("nbformat", "missing: not a Jupyter notebook") }
            guard major.intValue == 4 else { throw fail("nbformat", "expected nbformat 4, got \(JSONWriter.compact(major))") }
            _ = try optionalInt(root["nbformat_minor"], "nbformat_minor")
            guard let cellValues = root["cells"] else { throw fail("cells", "missing") }
            guard let items = cellValues.arrayValue else { throw fail("cells", "expected a list, got \(describe(cellValues))") }
            var nb = Notebook()
            for (n, item) in items.enumerated() { nb.cells.append(try cell(item, "cells[\(n)]")) }
            if let meta = root["metadata"] { try readMetadata(try object(meta, "metadata"), into: &nb) }
            return nb
        }

        func cell(_ v: JSONValue, _ path: String) throws(NotebookFormatError) -> Cell {
            _ = try object(v, path)
            let type = try string(v["cell_type"], "\(path).cell_type")
            guard let kind = Cell.Kind(rawValue: type) else {
                throw fail("\(path).cell_type", "expected \"code\", \"markdown\" or \"raw\", got \"\(type)\"")
            }
            var cell = Cell(kind: kind, source: try text(v["source"], "\(path).source"))
            let meta = try v["metadata"].map { (m) throws(NotebookFormatError) in try object(m, "\(path).metadata") }
            if let title = meta?["title"] { cell.title = try string(title, "\(path).metadata.title") }
            cell.linesToNextCell = try optionalInt(meta?["lines_to_next_cell"], "\(path).metadata.lines_to_next_cell")
            if kind == .code, let tags = meta?["tags"]?.arrayValue?.compactMap(\.stringValue), !tags.isEmpty,
               cell.option("tags") == nil {
                let line = "#| tags: [" + tags.joined(separator: ", ") + "]"
                cell.source = cell.source.isEmpty ? line : line + "\n" + cell.source
            }
            guard kind == .code else { return cell }
            cell.executionCount = try optionalInt(v["execution_count"], "\(path).execution_count")
            guard let outs = v["outputs"] else { throw fail("\(path).outputs", "missing in a code cell") }
            guard let outputs = outs.arrayValue else { throw fail("\(path).outputs", "expected a list, got \(describe(outs))") }
            for (n, o) in outputs.enumerated() {
                if let output = try output(o, "\(path).outputs[\(n)]") { cell.outputs.append(output) }
            }
            return cell
        }

        func output(_ v: JSONValue, _ path: String) throws(NotebookFormatError) -> Output? {
            _ = try object(v, path)
            let type = try string(v["output_type"], "\(path).output_type")
            switch type {
            case "stream":
                let name = try string(v["name"], "\(path).name")
                guard let stream = StreamName(rawValue: name) else {
                    throw fail("\(path).name", "expected \"stdout\" or \"stderr\", got \"\(name)\"")
                }
                return .stream(name: stream, text: try text(v["text"], "\(path).text"))
            case "execute_result":
                let data = try object(v["data"], "\(path).data")
                let plain = try data["text/plain"].map { (t) throws(NotebookFormatError) in try text(t, "\(path).data.text/plain") }
                let html = try data["text/html"].map { (t) throws(NotebookFormatError) in try text(t, "\(path).data.text/html") }
                return .executeResult(count: try optionalInt(v["execution_count"], "\(path).execution_count"), text: plain ?? "", html: html)
            case "display_data":
                let data = try object(v["data"], "\(path).data")
                let svg = try data["image/svg+xml"].map { (t) throws(NotebookFormatError) in try text(t, "\(path).data.image/svg+xml") }
                let plain = try data["text/plain"].map { (t) throws(NotebookFormatError) in try text(t, "\(path).data.text/plain") }
                // a PNG that is not base64 is no image: read as absent, like other MIME types we do not show
                let png = try data["image/png"].flatMap { (t) throws(NotebookFormatError) in Base64.decode(try text(t, "\(path).data.image/png")) }
                if svg == nil, plain == nil, png == nil { return nil }
                let file = v["metadata"]?["prunebook"]?["file"]?.stringValue
                return .displayData(svg: svg, png: png, text: plain ?? "", file: file)
            case "error":
                let tb = v["traceback"]?.arrayValue ?? []
                var lines: [String] = []
                for (n, line) in tb.enumerated() { lines.append(try string(line, "\(path).traceback[\(n)]")) }
                return .error(ename: try string(v["ename"], "\(path).ename"), evalue: try string(v["evalue"], "\(path).evalue"), traceback: lines)
            default:
                throw fail("\(path).output_type", "expected stream, execute_result, display_data or error, got \"\(type)\"")
            }
        }

        func readMetadata(_ meta: JSONValue, into nb: inout Notebook) throws(NotebookFormatError) {
            for (key, value) in meta.objectValue ?? [] where !NotebookMetadata.reservedKeys.contains(key) {
                nb.metadata.extra[key] = value
            }
            guard let pb = meta["prunebook"] else { return }
            _ = try object(pb, "metadata.prunebook")
            if pb["version"] != nil || pb["seed"] != nil || pb["parameters"] != nil || pb["blas_core"] != nil {
                var p = PrunebookMetadata()
                p.version = try pb["version"].map { (s) throws(NotebookFormatError) in try string(s, "metadata.prunebook.version") }
                p.seed = try optionalInt(pb["seed"], "metadata.prunebook.seed")
                if let params = pb["parameters"] {
                    for (k, v) in try object(params, "metadata.prunebook.parameters").objectValue ?? [] { p.parameters[k] = v }
                }
                p.blasCore = try pb["blas_core"].map { (s) throws(NotebookFormatError) in try string(s, "metadata.prunebook.blas_core") }
                nb.metadata.prunebook = p
            }
            guard let script = pb["script"] else { return }
            _ = try object(script, "metadata.prunebook.script")
            if let p = script["preamble"] { nb.script.preamble = try string(p, "metadata.prunebook.script.preamble") }
            if let u = script["unmarked_first_cell"] {
                guard let b = u.boolValue else { throw fail("metadata.prunebook.script.unmarked_first_cell", "expected a boolean, got \(describe(u))") }
                nb.script.unmarkedFirstCell = b
            }
            if let f = script["final_newline"] {
                guard let b = f.boolValue else { throw fail("metadata.prunebook.script.final_newline", "expected a boolean, got \(describe(f))") }
                nb.script.finalNewline = b
            }
            if let e = script["line_ending"] {
                let s = try string(e, "metadata.prunebook.script.line_ending")
                guard let ending = LineEnding(rawValue: s) else {
                    throw fail("metadata.prunebook.script.line_ending", "expected \"lf\" or \"crlf\", got \"\(s)\"")
                }
                nb.script.lineEnding = ending
            }
        }
    }
}
