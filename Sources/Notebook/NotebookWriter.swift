import JSON

/// Writes `.ipynb` transcripts: nbformat 4.5 with the bytes of nbformat's own writer
/// (`json.dumps(sort_keys=True, indent=1, ensure_ascii=False)`, multiline text as lists of
/// lines, final newline), so a replay is byte-identical and validators see no changes.
public enum NotebookWriter {
    /// The notebook's `.ipynb` text. Cell ids are `cell-0001`, `cell-0002`… by position.
    public static func ipynb(_ notebook: Notebook) -> String {
        JSONWriter.canonical(PythonJSON.normalized(document(notebook)), indent: 1) + "\n"
    }

    /// The notebook as an nbformat 4.5 JSON document (keys in any order; the writer sorts).
    public static func document(_ notebook: Notebook) -> JSONValue {
        .object([
            ("cells", .array(notebook.cells.enumerated().map { cellJSON($1, number: $0 + 1) })),
            ("metadata", metadataJSON(notebook)),
            ("nbformat", .int(4)),
            ("nbformat_minor", .int(5)),
        ])
    }

    /// `cell-0001` for number 1.
    public static func cellID(_ number: Int) -> String {
        let digits = String(number)
        return "cell-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func cellJSON(_ cell: Cell, number: Int) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("cell_type", .string(cell.kind.rawValue)),
            ("id", .string(cellID(number))),
            ("metadata", cellMetadata(cell)),
            ("source", PythonJSON.lines(cell.source)),
        ]
        if cell.kind == .code {
            members.append(("execution_count", cell.executionCount.map { .int($0) } ?? .null))
            members.append(("outputs", .array(cell.outputs.map(outputJSON))))
        }
        return .object(members)
    }

    static func cellMetadata(_ cell: Cell) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let title = cell.title { members.append(("title", .string(title))) }
        if let n = cell.linesToNextCell { members.append(("lines_to_next_cell", .int(n))) }
        let tags = cell.tags
        if !tags.isEmpty { members.append(("tags", .array(tags.map { .string($0) }))) }
        // Other options go under our own key: Jupyter gives top-level names such as
        // `collapsed` or `name` fixed types.
        var options: [(key: String, value: JSONValue)] = []
        for option in cell.options where option.key != "tags" {
            options.removeAll { $0.key == option.key }
            options.append((option.key, .string(option.value)))
        }
        if !options.isEmpty { members.append(("prunebook", .object(options))) }
        return .object(members)
    }

    static func outputJSON(_ output: Output) -> JSONValue {
        switch output {
        case let .stream(name, text):
            return .object([("name", .string(name.rawValue)), ("output_type", .string("stream")), ("text", PythonJSON.lines(text))])
        case let .executeResult(count, _, _):
            return .object([
                ("data", data(output)),
                ("execution_count", count.map { .int($0) } ?? .null),
                ("metadata", .object([])),
                ("output_type", .string("execute_result")),
            ])
        case .displayData:
            return .object([("data", data(output)), ("metadata", .object(output.displayMetadata)),
                            ("output_type", .string("display_data"))])
        case let .error(ename, evalue, traceback):
            return .object([
                ("ename", .string(ename)), ("evalue", .string(evalue)), ("output_type", .string("error")),
                ("traceback", .array(traceback.map { .string($0) })),
            ])
        }
    }

    /// A MIME bundle as nbformat stores it: text as a list of lines, base64 as one string.
    static func data(_ output: Output) -> JSONValue {
        .object(output.mimeData.map { ($0.key, $0.key == "image/png" ? .string($0.value) : PythonJSON.lines($0.value)) })
    }

    static func metadataJSON(_ notebook: Notebook) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = notebook.metadata.extra
            .filter { !NotebookMetadata.reservedKeys.contains($0.key) }
            .map { ($0.key, $0.value) }
        members.append(("kernelspec", NotebookMetadata.kernelspec))
        members.append(("language_info", NotebookMetadata.languageInfo))
        var prunebook: [(key: String, value: JSONValue)] = []
        if let p = notebook.metadata.prunebook {
            if let version = p.version { prunebook.append(("version", .string(version))) }
            if let seed = p.seed { prunebook.append(("seed", .int(seed))) }
            prunebook.append(("parameters", .object(p.parameters.map { ($0.key, $0.value) })))
            if let core = p.blasCore { prunebook.append(("blas_core", .string(core))) }
        }
        let layout = notebook.script
        if !layout.isDefault {
            var script: [(key: String, value: JSONValue)] = []
            let d = ScriptLayout()
            if layout.preamble != d.preamble { script.append(("preamble", .string(layout.preamble))) }
            if layout.unmarkedFirstCell != d.unmarkedFirstCell { script.append(("unmarked_first_cell", .bool(layout.unmarkedFirstCell))) }
            if layout.finalNewline != d.finalNewline { script.append(("final_newline", .bool(layout.finalNewline))) }
            if layout.lineEnding != d.lineEnding { script.append(("line_ending", .string(layout.lineEnding.rawValue))) }
            prunebook.append(("script", .object(script)))
        }
        if !prunebook.isEmpty { members.append(("prunebook", .object(prunebook))) }
        return .object(members)
    }
}
