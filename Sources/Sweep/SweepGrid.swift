import PruneScript

/// The grid of a sweep: named lists of values (`--grid 'sparsity=[90%, 99%]'`) whose cartesian
/// product, the first name outermost, is the sweep's points.
package struct SweepGrid {
    /// One `--grid NAME=LIST`.
    package struct Axis {
        package var name: String
        package var values: [Value]
    }

    /// One point: a value of every axis, by index in grid order.
    package struct Point {
        package var index: Int
        package var values: [(name: String, value: Value)]

        /// The point's `-p` overrides (`name=literal`).
        package var overrides: [String] { values.map { "\($0.name)=\($0.value.repr)" } }
    }

    package private(set) var axes: [Axis] = []

    package init() {}

    /// Adds `NAME=LIST`, LIST a PruneScript list literal; a message says what is wrong otherwise.
    package mutating func add(_ argument: String) throws(SweepError) {
        guard let eq = argument.firstIndex(of: "=") else {
            throw SweepError("--grid expects NAME=LIST, got '\(argument)'")
        }
        let name = String(argument[..<eq]).trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: eq)...])
        let tokens = Lexer.tokenize(name).tokens.filter { $0.kind != .eof && $0.kind != .newline }
        guard tokens.count == 1, tokens[0].kind == .identifier, tokens[0].text == name else {
            throw SweepError("--grid: '\(name)' is not a variable name")
        }
        guard !axes.contains(where: { $0.name == name }) else { throw SweepError("--grid \(name) is given twice") }
        let interpreter = Interpreter(builtins: .core)
        let result = interpreter.run(text, cell: 1)
        if let error = result.error { throw SweepError("--grid \(name): \(error.message)") }
        guard case .list(let l)? = result.value else {
            throw SweepError("--grid \(name): expected a list like [1, 2] or [\"snip\", \"force\"], got \(result.value?.typeName ?? "nothing")")
        }
        guard !l.items.isEmpty else { throw SweepError("--grid \(name): the list is empty") }
        for v in l.items {
            switch v {
            case .number, .string, .bool: continue
            default: throw SweepError("--grid \(name): values are numbers, strings or bools, got \(v.typeName)")
            }
        }
        axes.append(Axis(name: name, values: l.items))
    }

    package var names: [String] { axes.map(\.name) }

    /// Every point, the first axis outermost.
    package var points: [Point] {
        var out: [[(String, Value)]] = [[]]
        for axis in axes {
            out = out.flatMap { prefix in axis.values.map { prefix + [(axis.name, $0)] } }
        }
        return out.enumerated().map { Point(index: $0.offset, values: $0.element.map { (name: $0.0, value: $0.1) }) }
    }

    /// Readable, filesystem-safe, unique folder names for `points`, in order
    /// (`method=snip,sparsity=0.9`; characters other than letters, digits and `._=,-` become `_`).
    package static func folderNames(_ points: [Point]) -> [String] {
        var used = Set<String>()
        return points.map { p in
            let raw = p.values.map { "\($0.name)=\(text($0.value))" }.joined(separator: ",")
            var safe = String(raw.map { c in c.isASCII && (c.isLetter || c.isNumber || "._=,-".contains(c)) ? c : "_" })
            if safe.isEmpty { safe = "point" }
            if safe.count > 200 { safe = String(safe.prefix(200)) }
            var name = safe, k = 2
            while !used.insert(name).inserted {
                name = "\(safe)~\(k)"
                k += 1
            }
            return name
        }
    }

    static func text(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return v.repr
    }
}

/// A sweep that cannot start or finish, with the reason.
package struct SweepError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
