import Foundation
import JSON
import NeuralNet
import PruneScript
import Pruning
import Support
import Tensor

/// Files: masks, scores and weights as safetensors (for PyTorch), tables as CSV or JSON, figures as
/// SVG. Writes are atomic and create missing folders; relative paths are relative to the current directory.
extension BuiltinRegistry {
    mutating func registerFiles(settings: EngineSettings) {
        register("save", positional: [Param("value"), Param("path", .string)],
                 doc: "Save a mask, scores, model or tensor (.safetensors), a table, list or record (.csv or .json) or a figure (.svg).") { args in
            let path = try args.string("path")
            let ext = (path as NSString).pathExtension.lowercased()
            func need(_ wanted: String, _ what: String) throws {
                guard ext == wanted else {
                    throw args.error(.value, "a \(what) saves as .\(wanted), not \(ext.isEmpty ? "a path without extension" : "." + ext)", argument: "path")
                }
            }
            do {
                switch args["value"] {
                case .handle(let m as MaskHandle):
                    try need("safetensors", "mask")
                    try MaskFile.save(m.mask, to: path, metadata: ["method": m.method, "architecture": m.architecture]
                                      .merging(m.loss.map { ["loss": $0.rawValue] } ?? [:]) { a, _ in a })
                case .handle(let s as ScoresHandle):
                    try need("safetensors", "scores value")
                    try MaskFile.save(s.scores, to: path, metadata: ["method": s.method])
                case .handle(let n as ModelHandle):
                    try need("safetensors", "model")
                    try SafetensorsWriter.write(n.network.stateItems(), metadata: ["architecture": n.network.architecture], to: path)
                case .handle(let t as TensorHandle):
                    try need("safetensors", "tensor")
                    try SafetensorsWriter.write([.f32(t.name, t.tensor)], to: path)
                case .handle(let f as FigureHandle):
                    try need("svg", "figure")
                    try AtomicFile.write(f.svg, to: path, createFolders: true)
                case let v:
                    switch ext {
                    case "json": try AtomicFile.write(JSONWriter.canonical(try Self.json(v, args), indent: 1) + "\n", to: path, createFolders: true)
                    case "csv": try AtomicFile.write(try Self.csv(v, args), to: path, createFolders: true)
                    default: throw args.error(.value, "save writes a \(v.typeName) as .csv or .json, not .\(ext)", argument: "path")
                    }
                }
            } catch let e as ScriptError {
                throw e
            } catch {
                // the engine's file errors already name the path
                throw args.error(.io, "cannot save: \(error)", argument: "path")
            }
            return .null
        }

        register("publish", positional: [Param("results", .oneOf([.table, .list, .record]))],
                 doc: "Mark a table (or a list of records, or one record) as this run's results: `prunebook sweep` collects every point's into results.csv, after the grid's values.") { args in
            let value = args["results"]
            let rows: [RecordStorage]
            if case .record(let r) = value { rows = [r] } else if case .table(let t) = value { rows = t.rows } else {
                rows = try Self.rows(value, args, "results")
            }
            for (i, r) in rows.enumerated() {
                for (key, v) in r.pairs {
                    switch v {
                    case .number, .string, .bool, .null: continue
                    default:
                        throw args.error(.type, "row \(i + 1), '\(key)': results hold numbers, strings and bools, got \(v.typeName)", argument: "results")
                    }
                }
            }
            settings.publication.append(rows.map { $0.copy() })
            args.context.note("published \(rows.count) row\(rows.count == 1 ? "" : "s") of results")
            return .null
        }

        register("load", positional: [Param("path", .string)],
                 named: [Param("net", .handle("model"), default: .null, doc: "the network a .safetensors mask belongs to")],
                 doc: "Load a mask (.safetensors, with net:), a table (.csv) or a value (.json).") { args in
            let path = try args.string("path")
            guard FileManager.default.fileExists(atPath: path) else {
                throw args.error(.io, "no such file: \(path) (relative paths start at \(FileManager.default.currentDirectoryPath))", argument: "path")
            }
            switch (path as NSString).pathExtension.lowercased() {
            case "safetensors":
                guard args.has("net") else {
                    throw args.error(.argument, "loading a mask needs the network it belongs to: load(path, net: model)")
                }
                let model = try args.handle("net", as: ModelHandle.self)
                return .handle(MaskHandle(try MaskFile.loadMask(path, for: model.network), network: model.network, method: "loaded"))
            case "json":
                let bytes = try FileReader.bytes(atPath: path)
                do { return Self.value(try JSONParser.parse(bytes)) } catch {
                    throw args.error(.value, "\(path): \(error)", argument: "path")
                }
            case "csv":
                let text = String(decoding: try FileReader.bytes(atPath: path), as: UTF8.self)
                return .table(try Self.table(csv: text, path: path, args))
            default:
                throw args.error(.value, "load reads .safetensors, .csv and .json files, not \(path)", argument: "path")
            }
        }
    }

    /// A value as JSON (handles as their display text).
    package static func json(_ v: Value) -> JSONValue {
        switch v {
        case .number(let x): return x.isFinite ? .double(x) : .null
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .list(let l): return .array(l.items.map { json($0) })
        case .record(let r): return .object(r.pairs.map { ($0.key, json($0.value)) })
        case .table(let t): return .array(t.rows.map { r in .object(r.pairs.map { ($0.key, json($0.value)) }) })
        case .range(let r): return .array((0..<min(r.count, 10_000_000)).map { .int(r.element($0)) })
        case .handle(let h): return .string(h.displayText)
        case .function(let f): return .string("<function \(f.name)>")
        }
    }

    static func json(_ v: Value, _ args: Arguments) throws -> JSONValue {
        switch v {
        case .number(let x): return x.isFinite ? .double(x) : .null
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .list(let l): return .array(try l.items.map { try json($0, args) })
        case .record(let r): return .object(try r.pairs.map { ($0.key, try json($0.value, args)) })
        case .table(let t): return .array(try t.rows.map { r in .object(try r.pairs.map { ($0.key, try json($0.value, args)) }) })
        case .range(let r): return .array((0..<min(r.count, 10_000_000)).map { .int(r.element($0)) })
        case .handle(let h): return .string(h.displayText)
        case .function(let f): throw args.error(.type, "cannot save the function \(f.name) as JSON", argument: "value")
        }
    }

    package static func value(_ j: JSONValue) -> Value {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d, _): return .number(d)
        case .string(let s): return .string(s)
        case .array(let a): return .list(ListStorage(a.map(value)))
        case .object(let pairs): return .record(RecordStorage(pairs.map { ($0.key, value($0.value)) }))
        }
    }

    static func csv(_ v: Value, _ args: Arguments) throws -> String {
        let rows: [RecordStorage]
        switch v {
        case .table(let t): rows = t.rows
        case .list:
            rows = try Self.rows(v, args, "value")
        default: throw args.error(.type, "a \(v.typeName) cannot be saved as CSV: save a table or a list of records", argument: "value")
        }
        return csvText(rows)
    }

    /// Records as CSV: the columns of the records in first-seen order, numbers as the language
    /// prints them, nil as an empty cell, quoting as RFC 4180.
    package static func csvText(_ rows: [RecordStorage]) -> String {
        let columns = TableStorage(rows: rows).columns
        func cell(_ v: Value) -> String {
            let s: String
            switch v {
            case .null: return ""
            case .string(let t): s = t
            default: s = v.text
            }
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = [columns.map { cell(.string($0)) }.joined(separator: ",")]
        for r in rows { lines.append(columns.map { cell(r[$0] ?? .null) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV table: numbers become numbers, empty cells nil, quoted fields as RFC 4180.
    static func table(csv text: String, path: String, _ args: Arguments) throws -> TableStorage {
        var records: [[String]] = [], field = "", record: [String] = [], quoted = false, line = 1
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { if c == "\n" { line += 1 }; field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                record.append(field); field = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r", chars.first == "\n" { chars.removeFirst() }
                record.append(field); field = ""
                records.append(record); record = []
                line += 1
            } else { field.append(c) }
        }
        if quoted { throw args.error(.value, "\(path):\(line): unterminated quoted field", argument: "path") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return TableStorage() }
        var rows: [RecordStorage] = []
        for (i, r) in records.dropFirst().enumerated() where !(r.count == 1 && r[0].isEmpty) {
            guard r.count == header.count else {
                throw args.error(.value, "\(path): row \(i + 2) has \(r.count) fields, the header has \(header.count)", argument: "path")
            }
            // as `save` writes them: empty is nil, numbers and true/false unquoted, the rest text
            rows.append(RecordStorage(zip(header, r).map { k, s in
                (k, s.isEmpty ? .null : s == "true" ? .bool(true) : s == "false" ? .bool(false)
                    : Double(s).map { .number($0) } ?? .string(s))
            }))
        }
        return TableStorage(rows: rows)
    }
}
