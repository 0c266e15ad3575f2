import Foundation

/// An engine object (model, dataset, mask, scores, run, figure…) exposed to scripts as an
/// opaque reference. Engine builtins define conforming classes in their own files.
public protocol ScriptHandle: AnyObject {
    /// The name `type(x)` returns and type errors print, e.g. "model".
    var typeName: String { get }
    /// How the handle prints as a result or with `print`, e.g. "<model lenet5: 61706 params>".
    var displayText: String { get }
    /// Field names for `x.name`, error suggestions and tab completion.
    var fieldNames: [String] { get }
    /// The value of `x.name`, or nil when there is no such field (a KeyError with a suggestion).
    func field(_ name: String) throws -> Value?
    /// `x.name = value`; the default refuses.
    func setField(_ name: String, to value: Value) throws
    /// A rich display (e.g. a figure's SVG) shown when the handle is a cell's result.
    var displayItem: DisplayItem? { get }
    /// The handle-operator hook: `self op other` when `selfIsLeft`, else `other op self`, for an
    /// operator the engine defines on this kind of value (`+` on score sets, `*` on masks…).
    /// nil when it defines none, and the interpreter reports its usual TypeError. `==` and `!=`
    /// never come here: handles compare by identity. Errors without a location get the operator's.
    func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value?
    /// `-self` (or `not self`) when the engine defines it; nil otherwise.
    func apply(_ op: UnaryOp) throws -> Value?
    /// The elementwise-math hook: `abs(self)`, `sqrt(self)`, `log(self)`… (`name` is the function's)
    /// applied to each of the handle's numbers, for a handle that holds numbers (score sets,
    /// tensors); nil when it holds none, and the function reports its usual TypeError.
    func map(_ name: String, _ f: (Double) -> Double) throws -> Value?
}

extension ScriptHandle {
    public var fieldNames: [String] { [] }
    public func field(_ name: String) throws -> Value? { nil }
    public func setField(_ name: String, to value: Value) throws {
        throw ScriptError(.type, "cannot set field '\(name)' of a \(typeName)")
    }
    public var displayItem: DisplayItem? { nil }
    public func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value? { nil }
    public func apply(_ op: UnaryOp) throws -> Value? { nil }
    public func map(_ name: String, _ f: (Double) -> Double) throws -> Value? { nil }
}

/// Something for the notebook to show besides text: the CLI turns these into outputs.
public enum DisplayItem: Sendable, Equatable {
    /// An SVG figure, its file name when the script chose one, and its alt text (what the
    /// figure shows, for readers that get no image).
    case svg(String, name: String?, alt: String = "")
    case text(String)
    case markdown(String)
}

/// Storage of a list (a reference: aliases see mutations).
public final class ListStorage {
    public var items: [Value]
    public init(_ items: [Value] = []) { self.items = items }
}

/// Storage of a record: fields in insertion order (a reference).
public final class RecordStorage {
    public private(set) var keys: [String] = []
    private var values: [String: Value] = [:]

    public init() {}
    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> Value? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var pairs: [(key: String, value: Value)] { keys.compactMap { k in values[k].map { (k, $0) } } }
    public func copy() -> RecordStorage {
        let r = RecordStorage()
        r.keys = keys
        r.values = values
        return r
    }
}

/// A table: rows that are records; its columns are the union of the rows' fields in order
/// of first appearance. `t[i]` is a row, `t.col` / `t["col"]` a column as a list.
public final class TableStorage {
    public var rows: [RecordStorage]
    public init(rows: [RecordStorage] = []) { self.rows = rows }

    public var columns: [String] {
        var seen = Set<String>()
        var cols: [String] = []
        for r in rows { for k in r.keys where seen.insert(k).inserted { cols.append(k) } }
        return cols
    }

    public func column(_ name: String) -> [Value] { rows.map { $0[name] ?? .null } }
}

/// An integer range `a..b` (inclusive) or `a..<b`. Stepping is by 1.
public struct RangeValue: Sendable, Equatable {
    public var lower: Int
    public var upper: Int
    public var inclusive: Bool

    public var count: Int {
        let end = inclusive ? upper.addingReportingOverflow(1).partialValue : upper
        let (n, overflow) = end.subtractingReportingOverflow(lower)
        return overflow ? Int.max : max(0, n)
    }

    public func element(_ i: Int) -> Int { lower + i }
}

/// A user function with the environment it closed over.
public final class Closure {
    public let declaration: FunctionDecl
    let environment: Environment
    init(_ declaration: FunctionDecl, _ environment: Environment) {
        self.declaration = declaration
        self.environment = environment
    }
}

public enum FunctionValue {
    case closure(Closure)
    case builtin(Builtin)

    public var name: String {
        switch self {
        case .closure(let c): return c.declaration.name ?? "fn"
        case .builtin(let b): return b.name
        }
    }
}

/// A PruneScript value. Numbers, strings, bools and ranges are values; lists, records,
/// tables, functions and handles are references.
public enum Value {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// PruneScript `nil`.
    case null
    case list(ListStorage)
    case record(RecordStorage)
    case table(TableStorage)
    case range(RangeValue)
    case function(FunctionValue)
    /// An engine object: the extension point for models, datasets, masks, figures…
    case handle(any ScriptHandle)

    public static func list(_ items: [Value]) -> Value { .list(ListStorage(items)) }
    public static func record(_ pairs: [(String, Value)]) -> Value { .record(RecordStorage(pairs)) }

    /// The name `type(x)` returns and errors print.
    public var typeName: String {
        switch self {
        case .number: return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .null: return "nil"
        case .list: return "list"
        case .record: return "record"
        case .table: return "table"
        case .range: return "range"
        case .function: return "function"
        case .handle(let h): return h.typeName
        }
    }

    public var isNil: Bool { if case .null = self { return true } else { return false } }

    // MARK: - Display

    /// How a result is shown: strings quoted, `[1, "a"]`, `{a: 1}`, tables as aligned text.
    public var repr: String { repr(.plain) }

    /// How `print`, `str` and interpolation show a value: top-level strings unquoted.
    public var text: String { text(.plain) }

    /// `repr` with a display style (the session's: which fields show as percentages).
    public func repr(_ style: DisplayStyle) -> String {
        var visiting = Set<ObjectIdentifier>()
        return format(quoteStrings: true, style: style, nested: false, key: nil, visiting: &visiting)
    }

    /// `text` with a display style.
    public func text(_ style: DisplayStyle) -> String {
        var visiting = Set<ObjectIdentifier>()
        return format(quoteStrings: false, style: style, nested: false, key: nil, visiting: &visiting)
    }

    /// As numpy and pandas show data: a bare number exactly (shortest round-trip form), a number
    /// inside a list, record or table to 6 significant digits, a field or column the style names
    /// (sparsity, density) as a percentage, a table inside another value as one summary line.
    private func format(quoteStrings: Bool, style: DisplayStyle, nested: Bool, key: String?,
                        visiting: inout Set<ObjectIdentifier>) -> String {
        switch self {
        case .number(let x):
            if let key, style.percentFields.contains(key), let p = formatPercent(x) { return p }
            return nested ? formatSignificant(x) : formatNumber(x)
        case .string(let s): return quoteStrings ? quote(s) : s
        case .bool(let b): return b ? "true" : "false"
        case .null: return "nil"
        case .range(let r): return "\(r.lower)\(r.inclusive ? ".." : "..<")\(r.upper)"
        case .function(.closure(let c)): return "<fn \(c.declaration.signature)>"
        case .function(.builtin(let b)): return "<builtin \(b.name)>"
        case .handle(let h): return h.displayText
        case .list(let l):
            let id = ObjectIdentifier(l)
            if visiting.contains(id) || visiting.count > 64 { return "[...]" }
            visiting.insert(id); defer { visiting.remove(id) }
            var parts: [String] = []
            for v in l.items { parts.append(v.format(quoteStrings: true, style: style, nested: true, key: key, visiting: &visiting)) }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let r):
            let id = ObjectIdentifier(r)
            if visiting.contains(id) || visiting.count > 64 { return "{...}" }
            visiting.insert(id); defer { visiting.remove(id) }
            var parts: [String] = []
            for (k, v) in r.pairs {
                parts.append("\(formatKey(k)): \(v.format(quoteStrings: true, style: style, nested: true, key: k, visiting: &visiting))")
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .table(let t):
            let id = ObjectIdentifier(t)
            if visiting.contains(id) || visiting.count > 64 { return "<table>" }
            if nested { return Value.summary(of: t) }
            visiting.insert(id); defer { visiting.remove(id) }
            return formatTable(t, style: style, visiting: &visiting)
        }
    }

    /// One line for a table inside another value: `<table 3×6: epoch, loss, …>`.
    static func summary(of t: TableStorage) -> String {
        let cols = t.columns
        let names = cols.count <= 4 ? cols.joined(separator: ", ") : cols.prefix(3).joined(separator: ", ") + ", …"
        return "<table \(t.rows.count)×\(cols.count)\(cols.isEmpty ? "" : ": " + names)>"
    }

    /// A table's cells as text (numbers as the style shows them) and which columns are numeric.
    private func tableCells(_ t: TableStorage, style: DisplayStyle,
                            visiting: inout Set<ObjectIdentifier>) -> (columns: [String], cells: [[String]], numeric: [Bool]) {
        let cols = t.columns
        var cells: [[String]] = []
        var numeric = Array(repeating: true, count: cols.count)
        for row in t.rows {
            var line: [String] = []
            for (j, c) in cols.enumerated() {
                let v = row[c]
                switch v {
                case .number?: line.append(v?.format(quoteStrings: true, style: style, nested: true, key: c, visiting: &visiting) ?? "")
                case .string(let s)?: line.append(s.replacingOccurrences(of: "\n", with: "\\n")); numeric[j] = false
                case nil: line.append("")
                case let v?: line.append(v.format(quoteStrings: true, style: style, nested: true, key: c, visiting: &visiting)); numeric[j] = false
                }
            }
            cells.append(line)
        }
        return (cols, cells, numeric)
    }

    private func formatTable(_ t: TableStorage, style: DisplayStyle, visiting: inout Set<ObjectIdentifier>) -> String {
        let (cols, cells, numeric) = tableCells(t, style: style, visiting: &visiting)
        if cols.isEmpty { return "(empty table: \(t.rows.count) rows)" }
        var widths = cols.map { $0.count }
        for line in cells { for (j, s) in line.enumerated() { widths[j] = max(widths[j], s.count) } }
        func pad(_ s: String, _ w: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        func join(_ items: [String]) -> String {
            var s = items.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [join(cols.enumerated().map { pad($1, widths[$0], right: numeric[$0]) }),
                   join(widths.map { String(repeating: "-", count: $0) })]
        for line in cells { out.append(join(line.enumerated().map { pad($1, widths[$0], right: numeric[$0]) })) }
        return out.joined(separator: "\n")
    }

    /// A table as HTML (`text/html` beside the text form in notebooks): the same cells as the
    /// text form, numeric columns right-aligned; nil for every other value and an empty table.
    public func html(_ style: DisplayStyle) -> String? {
        guard case .table(let t) = self else { return nil }
        var visiting = Set<ObjectIdentifier>([ObjectIdentifier(t)])
        let (cols, cells, numeric) = tableCells(t, style: style, visiting: &visiting)
        if cols.isEmpty { return nil }
        func cell(_ tag: String, _ text: String, _ j: Int) -> String {
            "<\(tag)" + (numeric[j] ? " style=\"text-align: right\"" : " style=\"text-align: left\"") + ">" + Value.escapeHTML(text) + "</\(tag)>"
        }
        var out = ["<table class=\"prunebook-table\">", "<thead>",
                   "<tr>" + cols.enumerated().map { cell("th", $1, $0) }.joined() + "</tr>", "</thead>", "<tbody>"]
        for line in cells { out.append("<tr>" + line.enumerated().map { cell("td", $1, $0) }.joined() + "</tr>") }
        out += ["</tbody>", "</table>"]
        return out.joined(separator: "\n")
    }

    /// `&`, `<`, `>` and `"` as HTML entities.
    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    // MARK: - Equality

    /// Structural equality: lists, records and tables compare element-wise; functions and
    /// handles by identity; `nan != nan`. Throws on structures nested deeper than 200 levels.
    public func equals(_ other: Value) throws -> Bool { try equals(other, depth: 0) }

    func equals(_ other: Value, depth: Int) throws -> Bool {
        if depth > 200 { throw ScriptError(.value, "values nested too deeply to compare") }
        switch (self, other) {
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.range(let a), .range(let b)): return a == b
        case (.list(let a), .list(let b)):
            if a === b { return true }
            guard a.items.count == b.items.count else { return false }
            for (x, y) in zip(a.items, b.items) where try !x.equals(y, depth: depth + 1) { return false }
            return true
        case (.record(let a), .record(let b)):
            if a === b { return true }
            return try recordsEqual(a, b, depth: depth)
        case (.table(let a), .table(let b)):
            if a === b { return true }
            guard a.rows.count == b.rows.count else { return false }
            for (x, y) in zip(a.rows, b.rows) where try !recordsEqual(x, y, depth: depth + 1) { return false }
            return true
        case (.function(.closure(let a)), .function(.closure(let b))): return a === b
        case (.function(.builtin(let a)), .function(.builtin(let b))): return a === b
        case (.handle(let a), .handle(let b)): return a === b
        default: return false
        }
    }

    private func recordsEqual(_ a: RecordStorage, _ b: RecordStorage, depth: Int) throws -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a.pairs {
            guard let w = b[k], try v.equals(w, depth: depth + 1) else { return false }
        }
        return true
    }
}

// MARK: - Formatting helpers

/// Numbers print as integers when whole (`3`, not `3.0`), otherwise as Swift's shortest
/// round-trip decimal (`0.995`, `1e-05`, `1.5e+20`); `inf`, `-inf`, `nan`; `-0` prints `0`.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e16 { return String(Int64(x)) }
    return "\(x)"
}

/// Inside lists, records and tables: whole numbers exactly, others to 6 significant digits
/// (`0.7030000000000001` shows as `0.703`), as numpy prints arrays.
public func formatSignificant(_ x: Double) -> String {
    if !x.isFinite || (x == x.rounded() && abs(x) < 1e16) { return formatNumber(x) }
    var s = String(format: "%.6g", x)
    if s.hasPrefix("-0") && Double(s) == 0 { s.removeFirst() }
    return s
}

/// A fraction as a percentage to 6 significant digits (`0.995` → `99.5%`), for fields such as
/// sparsity; nil outside [0, 1] (not a fraction: shown as a number).
public func formatPercent(_ x: Double) -> String? {
    guard x >= 0 && x <= 1 else { return nil }
    return formatSignificant(x * 100) + "%"
}

/// How a session shows values: which record fields and table columns hold fractions shown as
/// percentages. The language fixes no names; the engine's builtins set theirs (sparsity, density).
public struct DisplayStyle: Sendable, Equatable {
    public var percentFields: Set<String>

    public init(percentFields: Set<String> = []) { self.percentFields = percentFields }

    /// No percentages.
    public static let plain = DisplayStyle()
}

/// A string as a PruneScript literal: `"a\"b\n\{c}"`.
public func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\0": out += "\\0"
        case "{": out += "\\{"
        default: out.unicodeScalars.append(c)
        }
    }
    return out + "\""
}

func isIdentifier(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first else { return false }
    let ok: (Unicode.Scalar) -> Bool = { c in
        (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || c == "_" || (c.value >= 48 && c.value <= 57)
    }
    return !(first.value >= 48 && first.value <= 57) && s.unicodeScalars.allSatisfy(ok) && TokenKind.keywords[s] == nil
}

func formatKey(_ k: String) -> String { isIdentifier(k) ? k : quote(k) }

/// `d` as an Int when it is a whole number within ±2^53 (never traps).
public func exactInt(_ d: Double) -> Int? {
    guard d.isFinite, d == d.rounded(), abs(d) <= 9_007_199_254_740_992 else { return nil }
    return Int(d)
}
