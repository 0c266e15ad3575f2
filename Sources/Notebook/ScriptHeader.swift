import JSON

/// The front matter of a `.prune` script, jupytext's YAML header commented with `# `:
///
///     # ---
///     # title: Figure 1
///     # jupyter:
///     #   kernelspec:
///     #     name: prunescript
///     # ---
///
/// A YAML subset: nested mappings by indentation, block lists (`- item`), flow lists
/// (`[a, b]`), JSON values, quoted and plain scalars. As in jupytext, the members of
/// `jupyter:` are notebook metadata; the whole header stays available as `Notebook.header`.
enum ScriptHeader {
    static let delimiter = "# ---"

    private struct Line {
        var indent: Int
        var text: String
        var number: Int
    }

    /// The header in `preambleLines` (script lines from line 1) as a JSON object, or nil
    /// when the preamble has no header.
    static func parse(preambleLines: [String], file: String?) throws(PercentScriptError) -> JSONValue? {
        guard preambleLines.first == delimiter,
              let close = preambleLines.indices.dropFirst().first(where: { preambleLines[$0] == delimiter }) else { return nil }
        var lines: [Line] = []
        for n in 1..<close {
            let raw = preambleLines[n]
            let text: Substring
            if raw == "#" {
                continue
            } else if raw.hasPrefix("# ") {
                text = raw.dropFirst(2)
            } else {
                throw PercentScriptError(file: file, line: n + 1, message: "header lines must start with '# ', got '\(raw)'")
            }
            if text.trimmingSpaces.isEmpty || text.trimmingSpaces.hasPrefix("#") { continue }
            let indent = text.prefix { $0 == " " }.count
            lines.append(Line(indent: indent, text: String(text.dropFirst(indent)), number: n + 1))
        }
        var i = 0
        guard !lines.isEmpty else { return .object([]) }
        let value = try block(lines, &i, indent: lines[0].indent, file: file)
        if i < lines.count {
            throw PercentScriptError(file: file, line: lines[i].number, message: "unexpected indentation in the header")
        }
        guard case .object = value else {
            throw PercentScriptError(file: file, line: lines[0].number, message: "the header must be a mapping of 'key: value' lines")
        }
        return value
    }

    private static func isListItem(_ text: String) -> Bool { text == "-" || text.hasPrefix("- ") }

    private static func block(_ lines: [Line], _ i: inout Int, indent: Int, file: String?) throws(PercentScriptError) -> JSONValue {
        if isListItem(lines[i].text) {
            var items: [JSONValue] = []
            while i < lines.count, lines[i].indent == indent, isListItem(lines[i].text) {
                items.append(try scalar(String(lines[i].text.dropFirst(1)).trimmingSpaces, line: lines[i].number, file: file))
                i += 1
            }
            return .array(items)
        }
        var members: [(key: String, value: JSONValue)] = []
        while i < lines.count, lines[i].indent == indent, !isListItem(lines[i].text) {
            let line = lines[i]
            guard let (key, rest) = splitKey(line.text) else {
                throw PercentScriptError(file: file, line: line.number, message: "expected 'key: value' in the header, got '\(line.text)'")
            }
            if members.contains(where: { $0.key == key }) {
                throw PercentScriptError(file: file, line: line.number, message: "header key '\(key)' is given twice")
            }
            i += 1
            let value: JSONValue
            if !rest.isEmpty {
                value = try scalar(rest, line: line.number, file: file)
            } else if i < lines.count, lines[i].indent > indent || (lines[i].indent == indent && isListItem(lines[i].text)) {
                value = try block(lines, &i, indent: lines[i].indent, file: file)
            } else {
                value = .null
            }
            members.append((key, value))
        }
        return .object(members)
    }

    /// `key: rest` (a colon followed by a space or the end of the line).
    private static func splitKey(_ text: String) -> (String, String)? {
        let scalars = Array(text.unicodeScalars)
        for (n, u) in scalars.enumerated() where u == ":" && (n + 1 == scalars.count || scalars[n + 1] == " ") {
            var key = String(String.UnicodeScalarView(scalars[..<n])).trimmingSpaces
            if key.count >= 2, let q = key.first, q == "\"" || q == "'", key.last == q {
                key = String(key.dropFirst().dropLast())
            }
            guard !key.isEmpty else { return nil }
            let rest = String(String.UnicodeScalarView(scalars[(n + 1)...])).trimmingSpaces
            return (key, rest)
        }
        return nil
    }

    private static func scalar(_ text: String, line: Int, file: String?) throws(PercentScriptError) -> JSONValue {
        func fail(_ message: String) -> PercentScriptError { PercentScriptError(file: file, line: line, message: message) }
        if text.hasPrefix("\"") || text.hasPrefix("[") || text.hasPrefix("{") {
            if let v = try? JSONParser.parse(text) { return v }
        }
        if text.hasPrefix("\"") { throw fail("bad double-quoted string \(text)") }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw fail("unclosed single-quoted string \(text)") }
            return .string(String(text.dropFirst().dropLast()).replacingAll("''", with: "'"))
        }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw fail("expected ']' at the end of \(text)") }
            let inner = String(text.dropFirst().dropLast())
            if inner.trimmingSpaces.isEmpty { return .array([]) }
            var items: [JSONValue] = []
            for part in CellOptions.splitFlow(inner) { items.append(try scalar(part.trimmingSpaces, line: line, file: file)) }
            return .array(items)
        }
        if text.hasPrefix("{") { throw fail("flow mappings must be JSON objects, got \(text)") }
        var plain = text
        if let r = plain.firstRange(of: " #") { plain = String(plain[..<r.lowerBound]).trimmingSpaces }
        switch plain {
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "null", "~", "": return .null
        default: break
        }
        if let v = try? JSONParser.parse(plain), case .number = v { return v }
        return .string(plain)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
