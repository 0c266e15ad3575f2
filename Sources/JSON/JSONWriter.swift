/// Serializes `JSONValue`s. Three layouts: compact (no spaces, members in their order), the
/// canonical layout Jupyter writes (`indent` spaces, keys sorted, `": "`), and the same indented
/// layout with members in their order (for tables whose column order means something).
public enum JSONWriter {
    /// `{"a":1,"b":[true]}`: members in their stored order.
    public static func compact(_ v: JSONValue) -> String {
        var out = ""
        writeCompact(v, into: &out)
        return out
    }

    /// Pretty output with keys sorted by their Unicode scalars and non-ASCII characters kept,
    /// as Python's `json.dumps(indent=1, sort_keys=True, ensure_ascii=False)`.
    public static func canonical(_ v: JSONValue, indent: Int = 1) -> String {
        var out = ""
        writePretty(v, level: 0, indent: indent, into: &out)
        return out
    }

    /// The canonical layout with members in their stored order.
    public static func indented(_ v: JSONValue, indent: Int = 1) -> String {
        var out = ""
        writePretty(v, level: 0, indent: indent, sortKeys: false, into: &out)
        return out
    }

    private static func writeCompact(_ v: JSONValue, into out: inout String) {
        switch v {
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                writeCompact(item, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (n, m) in members.enumerated() {
                if n > 0 { out += "," }
                out += quoted(m.key) + ":"
                writeCompact(m.value, into: &out)
            }
            out += "}"
        default:
            out += scalar(v)
        }
    }

    private static func writePretty(_ v: JSONValue, level: Int, indent: Int, sortKeys: Bool = true, into out: inout String) {
        let pad = String(repeating: " ", count: (level + 1) * indent)
        let closePad = String(repeating: " ", count: level * indent)
        switch v {
        case .array(let items) where items.isEmpty:
            out += "[]"
        case .array(let items):
            out += "[\n"
            for (n, item) in items.enumerated() {
                out += pad
                writePretty(item, level: level + 1, indent: indent, sortKeys: sortKeys, into: &out)
                out += n + 1 < items.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        case .object(let members) where members.isEmpty:
            out += "{}"
        case .object(let members):
            out += "{\n"
            let sorted = sortKeys ? members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } : members
            for (n, m) in sorted.enumerated() {
                out += pad + quoted(m.key) + ": "
                writePretty(m.value, level: level + 1, indent: indent, sortKeys: sortKeys, into: &out)
                out += n + 1 < sorted.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        default:
            out += scalar(v)
        }
    }

    private static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d, let text): return d.isFinite ? text : "null"
        case .string(let s): return quoted(s)
        default: return ""
        }
    }

    /// A JSON string literal; escapes only what JSON requires (plus DEL-free control characters as \u00XX).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
