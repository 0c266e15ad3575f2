import Foundation
import PruneScript

/// Tab completion for the REPL, independent of readline so it can be tested.
///
/// What is offered, by context (the current line up to the cursor):
/// - `:he` → REPL commands; `:help pr` → builtins; `:run No` (also `:save`, `:export`) → paths;
/// - `?pri` → builtins and variables;
/// - inside a string → the string choices of the innermost open call (model names in
///   `model("`, data sets in `dataset("`, methods in `prune(net, "`…, from the builtin
///   registry) and file paths (folders end in `/`);
/// - `x.fi` → fields of the variable `x` (record keys, handle fields);
/// - otherwise → named arguments of the innermost open call (`epochs:` in `train(net, ep`),
///   builtins, variables and keywords.
package struct Completion {
    /// Builtin function names.
    var builtins: () -> [String]
    /// Argument names of a builtin (empty for an unknown name).
    var namedArguments: (String) -> [String]
    /// Global variable names.
    var variables: () -> [String]
    /// Field names of a variable's value (record keys, handle fields).
    var fields: (String) -> [String]
    /// String choices of one argument of a builtin (the callee, and where the string stands).
    var stringChoices: (_ callee: String, _ slot: BuiltinRegistry.ArgumentSlot) -> [String]
    /// REPL commands without the colon.
    var commands: [String]
    /// Entries of a folder ("" is the current one); folders end in "/".
    var listFolder: (String) -> [String] = Completion.folderEntries

    static let keywords = ["and", "break", "continue", "else", "false", "fn", "for", "if", "in", "let",
                           "nil", "not", "or", "return", "true", "while"]
    static let pathCommands: Set<String> = ["run", "save", "export"]

    package init(builtins: @escaping () -> [String], namedArguments: @escaping (String) -> [String],
                 variables: @escaping () -> [String], fields: @escaping (String) -> [String],
                 stringChoices: @escaping (String, BuiltinRegistry.ArgumentSlot) -> [String], commands: [String],
                 listFolder: @escaping (String) -> [String] = Completion.folderEntries) {
        self.builtins = builtins; self.namedArguments = namedArguments; self.variables = variables
        self.fields = fields; self.stringChoices = stringChoices; self.commands = commands
        self.listFolder = listFolder
    }

    /// Completion over a session: builtins, their arguments and string choices from the
    /// interpreter's registry (so completion never drifts from what the builtins accept),
    /// variables and fields from its globals.
    package init(interpreter: Interpreter, commands: [String]) {
        self.init(
            builtins: { interpreter.builtins.names },
            namedArguments: { interpreter.builtins.namedArguments(of: $0) },
            variables: { interpreter.globalNames },
            fields: { name in
                switch interpreter.global(name) {
                // only names `x.name` can reach (a score set's "fc1.weight" is x["fc1.weight"])
                case .record(let r)?: return r.keys.filter(Completion.isFieldName)
                case .handle(let h)?: return h.fieldNames.filter(Completion.isFieldName)
                default: return []
                }
            },
            stringChoices: { interpreter.builtins.stringChoices(of: $0, at: $1) },
            commands: commands)
    }

    /// Whether `x.name` can spell this field: an identifier (not `fc1.weight`, not a keyword).
    package static func isFieldName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !keywords.contains(name)
    }

    /// Candidates for the token being typed at the end of `line`: the token as this completer
    /// sees it, the full candidates (each starting with the token) and whether a unique
    /// match should get a space after it.
    package func candidates(line: String) -> (token: String, matches: [String], appendSpace: Bool) {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix(":") {
            let body = trimmed.dropFirst()
            guard let space = body.firstIndex(of: " ") else {
                return (String(body), commands.filter { $0.hasPrefix(body) }.sorted(), true)
            }
            let command = String(body[..<space])
            let argument = String(body[body.index(after: space)...].drop { $0 == " " })
            if command == "help" { return (argument, builtins().filter { $0.hasPrefix(argument) }.sorted(), true) }
            if Completion.pathCommands.contains(command) {
                let token = String(argument.split(separator: " ", omittingEmptySubsequences: false).first ?? "")
                return (token, paths(token), false)
            }
            return (argument, [], true)
        }
        if trimmed.hasPrefix("?") {
            let token = String(trimmed.dropFirst())
            return (token, (builtins() + variables()).filter { $0.hasPrefix(token) }.uniqueSorted(), false)
        }
        let scan = Completion.scan(line)
        if let string = scan.openString {
            var matches: [String] = []
            if let callee = scan.openCalls.last, !callee.isEmpty, let slot = scan.stringSlot {
                matches = stringChoices(callee, slot).filter { $0.hasPrefix(string) }
            }
            matches += paths(string)
            return (string, matches.uniqueSorted(), false)
        }
        let token = String(line.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }.reversed())
        if let dot = token.lastIndex(of: ".") {
            let base = String(token[..<dot]), prefix = token[token.index(after: dot)...]
            guard !base.isEmpty, !base.contains("."), base.first.map({ !$0.isNumber }) ?? false else { return (token, [], true) }
            return (token, fields(base).filter { $0.hasPrefix(prefix) }.map { base + "." + $0 }.uniqueSorted(), false)
        }
        var matches: [String] = []
        if let callee = scan.openCalls.last, !callee.isEmpty, scan.atArgumentStart(beforeToken: token.count, in: line) {
            matches += namedArguments(callee).map { $0 + ":" }.filter { $0.hasPrefix(token) }
        }
        matches += (builtins() + variables() + Completion.keywords).filter { $0.hasPrefix(token) }
        return (token, matches.uniqueSorted(), false)   // `print` then `(`: no space
    }

    /// Candidates for readline, whose word (split at its break characters) may be a part of
    /// this completer's token (`fashion-m` inside a string is the word `m`) or longer
    /// (`?pri`): each candidate is cut or extended to replace exactly the word.
    package func complete(word: String, line: String) -> (matches: [String], appendSpace: Bool) {
        let (token, matches, appendSpace) = candidates(line: line)
        if token.hasSuffix(word) {
            let cut = token.count - word.count
            let pre = token.prefix(cut)
            return (matches.filter { $0.hasPrefix(pre) }.map { String($0.dropFirst(cut)) }, appendSpace)
        }
        if word.hasSuffix(token) {
            let extra = word.dropLast(token.count)
            return (matches.map { extra + $0 }, appendSpace)
        }
        return ([], appendSpace)
    }

    /// File paths starting with `prefix` (relative to the current folder, or absolute, or
    /// under `~/`); folders end in "/".
    func paths(_ prefix: String) -> [String] {
        let folder: String, name: Substring
        if let slash = prefix.lastIndex(of: "/") {
            folder = String(prefix[...slash])
            name = prefix[prefix.index(after: slash)...]
        } else {
            folder = ""
            name = Substring(prefix)
        }
        var lookIn = folder
        if lookIn.hasPrefix("~/") { lookIn = NSHomeDirectory() + lookIn.dropFirst(1) }
        return listFolder(lookIn)
            .filter { $0.hasPrefix(name) && (name.hasPrefix(".") || !$0.hasPrefix(".")) }
            .map { folder + $0 }
    }

    /// Entries of `folder` ("" is the current folder), folders marked with a trailing "/".
    package static func folderEntries(_ folder: String) -> [String] {
        let fm = FileManager.default
        let path = folder.isEmpty ? "." : folder
        guard let names = try? fm.contentsOfDirectory(atPath: path) else { return [] }
        return names.map { name in
            var isDir: ObjCBool = false
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            return fm.fileExists(atPath: full, isDirectory: &isDir) && isDir.boolValue ? name + "/" : name
        }
    }

    /// What is open at the end of `line`: an unterminated string (its text so far) and the
    /// callees of unclosed calls, innermost last ("" for a bracket that is not a call).
    struct Scan {
        var openString: String?
        var openCalls: [String]
        /// Where the open string stands in the innermost call: after `name:` or at a position.
        var stringSlot: BuiltinRegistry.ArgumentSlot?

        /// Whether the token being typed starts an argument (right after `(` or `,`).
        func atArgumentStart(beforeToken length: Int, in line: String) -> Bool {
            let before = line.dropLast(length).reversed().drop { $0 == " " || $0 == "\t" }
            return before.first == "(" || before.first == ","
        }
    }

    static func scan(_ line: String) -> Scan {
        var stack: [String] = []
        var string: String?
        var identifier = "", lastIdentifier = ""
        var escaped = false
        // per open bracket: commas seen at its level, and the label of the argument being written
        var commas: [Int] = []
        var label: [String?] = []
        var slot: BuiltinRegistry.ArgumentSlot?
        for ch in line {
            if var s = string {
                if escaped { escaped = false; s.append(ch); string = s; continue }
                if ch == "\\" { escaped = true; s.append(ch); string = s; continue }
                if ch == "\"" { string = nil; continue }
                s.append(ch)
                string = s
                continue
            }
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "." {
                identifier.append(ch)
                continue
            }
            if !identifier.isEmpty { lastIdentifier = identifier; identifier = "" }
            switch ch {
            case "\"":
                string = ""
                slot = label.last.flatMap { $0 }.map { .named($0) } ?? commas.last.map { .position($0) }
                lastIdentifier = ""
            case "(":
                stack.append(lastIdentifier); commas.append(0); label.append(nil)
                lastIdentifier = ""
            case "[", "{": stack.append(""); commas.append(0); label.append(nil); lastIdentifier = ""
            case ")", "]", "}": _ = stack.popLast(); _ = commas.popLast(); _ = label.popLast(); lastIdentifier = ""
            case ",":
                if !commas.isEmpty { commas[commas.count - 1] += 1; label[label.count - 1] = nil }
                lastIdentifier = ""
            case ":":
                if !label.isEmpty, !lastIdentifier.isEmpty { label[label.count - 1] = lastIdentifier }
                lastIdentifier = ""
            case " ", "\t": break
            case "#": return Scan(openString: nil, openCalls: stack)   // a comment
            default: lastIdentifier = ""
            }
        }
        return Scan(openString: string, openCalls: stack, stringSlot: string == nil ? nil : slot)
    }
}

extension Array where Element == String {
    /// Sorted without duplicates.
    func uniqueSorted() -> [String] { Array(Set(self)).sorted() }
}
