import JSON
import PruneScript
import Session

extension Kernel {
    /// `complete_request`: the REPL's completion (builtins, named arguments, string choices,
    /// variables, record and handle fields, paths) at the cursor, which counts Unicode code points.
    func complete(_ content: JSONValue) -> JSONValue {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        var before = String.UnicodeScalarView()
        before.append(contentsOf: scalars[..<cursor])
        let line = String(String(before).split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
        let completion = Completion(interpreter: session.interpreter, commands: [])
        let (token, matches, _) = completion.candidates(line: line)
        return .object([
            ("status", .string("ok")),
            ("matches", .array(matches.map { .string($0) })),
            ("cursor_start", .int(cursor - token.unicodeScalars.count)),
            ("cursor_end", .int(cursor)),
            ("metadata", .object([])),
        ])
    }

    /// `inspect_request`: the help of the name at (or just before) the cursor.
    func inspect(_ content: JSONValue) -> JSONValue {
        let code = content["code"]?.stringValue ?? ""
        let cursor = content["cursor_pos"]?.intValue ?? code.unicodeScalars.count
        let name = Kernel.name(in: code, at: cursor)
        let text = name.flatMap { session.help(for: $0) }
        return .object([
            ("status", .string("ok")),
            ("found", .bool(text != nil)),
            ("data", .object(text.map { [("text/plain", .string($0))] } ?? [])),
            ("metadata", .object([])),
        ])
    }

    /// The identifier that contains the cursor or ends at it.
    static func name(in code: String, at cursor: Int) -> String? {
        let s = Array(code.unicodeScalars)
        func isName(_ u: Unicode.Scalar) -> Bool { u.properties.isAlphabetic || u.properties.numericType != nil || u == "_" }
        var end = min(max(0, cursor), s.count)
        var start = end
        while start > 0, isName(s[start - 1]) { start -= 1 }
        while end < s.count, isName(s[end]) { end += 1 }
        guard start < end else { return nil }
        var name = String.UnicodeScalarView()
        name.append(contentsOf: s[start..<end])
        return String(name)
    }

    /// `is_complete_request`, from the parser: complete; incomplete with the indent of the next
    /// line (one level deeper after an open brace or bracket); invalid.
    func isComplete(_ content: JSONValue) -> JSONValue {
        let code = content["code"]?.stringValue ?? ""
        switch PruneScript.isComplete(code) {
        case .complete: return .object([("status", .string("complete"))])
        case .invalid: return .object([("status", .string("invalid"))])
        case .incomplete:
            // the last line with code on it (front ends may send a trailing newline)
            let last = code.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) } ?? ""
            var indent = String(last.prefix { $0 == " " || $0 == "\t" })
            if let end = last.trimmingCharacters(in: .whitespaces).last, "{([".contains(end) { indent += "    " }
            return .object([("status", .string("incomplete")), ("indent", .string(indent))])
        }
    }

    /// `history_request`: tail, range or search over the persisted history (this kernel's
    /// session and earlier ones). With `output`, each input is paired with no output (outputs
    /// live in the notebook, not the history).
    func historyReply(_ content: JSONValue) -> JSONValue {
        let entries: [KernelHistory.Entry]
        switch content["hist_access_type"]?.stringValue ?? "tail" {
        case "range":
            entries = history.range(session: content["session"]?.intValue ?? 0, start: content["start"]?.intValue ?? 0,
                                    stop: content["stop"]?.intValue ?? 0)
        case "search":
            entries = history.search(content["pattern"]?.stringValue ?? "*", n: content["n"]?.intValue ?? 0,
                                     unique: content["unique"]?.boolValue ?? false)
        default:
            entries = history.tail(content["n"]?.intValue ?? 10)
        }
        let output = content["output"]?.boolValue ?? false
        let items: [JSONValue] = entries.map { e in
            .array([.int(e.session), .int(e.line), output ? .array([.string(e.input), .null]) : .string(e.input)])
        }
        return .object([("status", .string("ok")), ("history", .array(items))])
    }
}
