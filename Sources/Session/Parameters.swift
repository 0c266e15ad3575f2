import JSON
import Notebook
import PruneScript

/// Papermill-style parameters: `-p name=value` overrides a variable assigned in the code
/// cell tagged `parameters` (`#| tags: [parameters]`). The cell runs as written, then the
/// overrides are assigned; values are PruneScript literals (`-p sparsity=99%`,
/// `-p name='"vgg"'`) and are recorded in the notebook metadata.
package enum Parameters {
    /// The tag of the cell holding `-p` values (papermill's name for it).
    package static let injectedTag = "injected-parameters"

    /// One `-p name=value` argument.
    package struct Override: Equatable {
        package var name: String
        package var text: String
        package init(name: String, text: String) { self.name = name; self.text = text }
    }

    /// Splits `name=value`; nil when there is no `=` or the name is empty.
    package static func parse(_ argument: String) -> Override? {
        guard let eq = argument.firstIndex(of: "=") else { return nil }
        let name = String(argument[..<eq]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        return Override(name: name, text: String(argument[argument.index(after: eq)...]))
    }

    /// Index of the first code cell tagged `parameters`.
    package static func cellIndex(in notebook: Notebook) -> Int? {
        notebook.cells.indices.first { notebook.cells[$0].kind == .code && notebook.cells[$0].tags.contains("parameters") }
    }

    /// Names assigned at the top level of `source` (`x = …`, `let x = …`), in order.
    package static func assignedNames(in source: String) -> [String] {
        guard let program = Parser.parse(source).program else { return [] }
        var names: [String] = []
        for statement in program.statements {
            if case .assign(.variable(let name, _), _, _, _, _) = statement, !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    /// A script value as JSON for the metadata: numbers (integers without a fraction),
    /// strings, booleans, nil, lists and records; anything else as its text.
    package static func json(_ value: Value) -> JSONValue {
        switch value {
        case .number(let x):
            if x.isFinite, x == x.rounded(), abs(x) < 9.0e15 { return .int(Int(x)) }
            return x.isFinite ? .double(x) : .string(value.repr)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .list(let l): return .array(l.items.map(json))
        case .record(let r): return .object(r.pairs.map { ($0.key, json($0.value)) })
        default: return .string(value.repr)
        }
    }
}
