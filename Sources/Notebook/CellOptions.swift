/// One `#| key: value` line at the top of a code cell (Quarto's cell option syntax).
public struct CellOption: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Parsing of `#| key: value` option lines.
enum CellOptions {
    /// Options from the leading `#|` lines of `sourceLines`. `firstLine` is the script line
    /// of `sourceLines[0]`, for errors. Lenient mode skips malformed lines instead of throwing.
    static func parse(sourceLines: [String], firstLine: Int, file: String?, lenient: Bool) throws(PercentScriptError) -> [CellOption] {
        var options: [CellOption] = []
        for (n, line) in sourceLines.enumerated() {
            guard line.hasPrefix("#|") else { break }
            let lineNumber = firstLine + n
            func fail(_ message: String) -> PercentScriptError { PercentScriptError(file: file, line: lineNumber, message: message) }
            let body = line.dropFirst(2)
            guard let colon = body.firstIndex(of: ":") else {
                if lenient { continue }
                throw fail("expected a cell option '#| key: value', got '\(line)'")
            }
            let key = body[..<colon].trimmingSpaces
            let value = body[body.index(after: colon)...].trimmingSpaces
            let keyOK = !key.isEmpty && key.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
            }
            if !keyOK {
                if lenient { continue }
                throw fail("expected an option name of letters, digits, '-', '_' or '.', got '\(key)'")
            }
            if !lenient {
                if options.contains(where: { $0.key == key }) { throw fail("option '\(key)' is given twice") }
                if key == "seed", Int(value) == nil { throw fail("option 'seed' must be an integer, got '\(value)'") }
                if key == "tags" {
                    do { _ = try tagList(value) } catch { throw fail(error.message) }
                }
            }
            options.append(CellOption(key: key, value: value))
        }
        return options
    }

    struct TagError: Error { var message: String }

    /// Splits flow-list items at commas outside quotes.
    static func splitFlow(_ s: String) -> [String] {
        var parts: [String] = [], current = ""
        var quote: Character?
        for ch in s {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "," {
                parts.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        parts.append(current)
        return parts
    }

    /// `[a, "b c"]`, `a, b` or `a` as a list of tags. nbformat forbids commas inside a tag.
    static func tagList(_ value: String) throws(TagError) -> [String] {
        var inner = Substring(value)
        if inner.hasPrefix("[") {
            guard inner.hasSuffix("]") else { throw TagError(message: "tags: expected ']' at the end of '\(value)'") }
            inner = inner.dropFirst().dropLast()
        }
        if inner.trimmingSpaces.isEmpty { return [] }
        var tags: [String] = []
        for part in splitFlow(String(inner)) {
            var text = part.trimmingSpaces
            if text.count >= 2, let q = text.first, q == "\"" || q == "'", text.last == q {
                text = String(text.dropFirst().dropLast())
            } else if text.first == "\"" || text.first == "'" {
                throw TagError(message: "tags: unclosed quote in '\(value)'")
            }
            if text.isEmpty { throw TagError(message: "tags: empty tag in '\(value)'") }
            if text.contains(",") { throw TagError(message: "tags: a tag may not contain ',' (nbformat), got '\(text)'") }
            if !tags.contains(text) { tags.append(text) }
        }
        return tags
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = Array(unicodeScalars)
        var a = 0, b = scalars.count
        while a < b, scalars[a] == " " || scalars[a] == "\t" { a += 1 }
        while b > a, scalars[b - 1] == " " || scalars[b - 1] == "\t" { b -= 1 }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[a..<b])
        return String(s)
    }
}
