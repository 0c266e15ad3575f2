import Foundation

/// The engine-free builtins: output, conversion, collections, math, tables, session.
///
/// Conventions: aggregates (`sum`, `mean`, `std`, `min`, `max`) take one list or range, or
/// several numbers; `std` is the sample standard deviation (divides by n - 1); `sum([])`
/// is 0; `mean`, `min`, `max` of nothing are errors. `range` is exclusive like Python's;
/// `a..b` ranges are inclusive. `round` rounds half to even (like Python) to `digits`
/// decimals. `logspace(a, b, n)` is `10 ** linspace(a, b, n)` (NumPy's convention).
extension BuiltinRegistry {
    mutating func registerCore() {
        registerOutput()
        registerCollections()
        registerMath()
        registerTables()
        registerSession()
    }

    // MARK: - Output and conversion

    private mutating func registerOutput() {
        register("print", variadic: Param("values"), named: [Param("sep", .string, default: .string(" "))],
                 doc: "Print values (strings without quotes), separated by sep, then a new line.") { args in
            args.context.print(args.rest.map(args.context.text).joined(separator: try args.string("sep")))
            return .null
        }
        register("str", positional: [Param("value")], doc: "The value as text, as print shows it.") { args in
            .string(args.context.text(args["value"]))
        }
        register("type", positional: [Param("value")],
                 doc: "The type name: number, string, bool, nil, list, record, table, range, function, or an engine type.") { args in
            .string(args["value"].typeName)
        }
        register("num", positional: [Param("text", .oneOf([.string, .number]))],
                 doc: "Parse a number from text (accepts percent literals like \"99%\").") { args in
            if case .number = args["text"] { return args["text"] }
            let text = try args.string("text").trimmingCharacters(in: .whitespaces)
            let (tokens, errors) = Lexer.tokenize(text)
            var sign = 1.0
            var ts = tokens.filter { $0.kind != .eof }
            if ts.first?.kind == .minus { sign = -1; ts.removeFirst() }
            guard errors.isEmpty, ts.count == 1, ts[0].kind == .number else {
                throw args.error(.value, "not a number: \(quote(text))", argument: "text")
            }
            return .number(sign * ts[0].number)
        }
    }

    // MARK: - Collections

    private mutating func registerCollections() {
        register("len", positional: [Param("value", .oneOf([.string, .list, .record, .table, .sequence]))],
                 doc: "Number of items: characters of a string, items of a list or range, fields of a record, rows of a table.") { args in
            switch args["value"] {
            case .string(let s): return .number(Double(s.count))
            case .list(let l): return .number(Double(l.items.count))
            case .record(let r): return .number(Double(r.count))
            case .table(let t): return .number(Double(t.rows.count))
            case .range(let r): return .number(Double(r.count))
            default: return .null
            }
        }
        register("push", positional: [Param("list", .oneOf([.list, .table]))], variadic: Param("values"),
                 doc: "Append values to a list or rows (records) to a table, in place.") { args in
            switch args["list"] {
            case .list(let l):
                if l.items.count + args.rest.count > args.context.limits.maxCollectionSize {
                    throw args.error(.value, "list longer than \(args.context.limits.maxCollectionSize) items")
                }
                l.items.append(contentsOf: args.rest)
            case .table(let t):
                for (v, loc) in zip(args.rest, args.restLocations) {
                    guard case .record(let r) = v else {
                        throw ScriptError(.type, "push onto a table: expected record, got \(v.typeName)", at: loc)
                    }
                    t.rows.append(r)
                }
            default: break
            }
            return .null
        }
        register("keys", positional: [Param("value")],
                 doc: "Field names of a record, columns of a table, or fields of an engine object.") { args in
            switch args["value"] {
            case .record(let r): return .list(r.keys.map { .string($0) })
            case .table(let t): return .list(t.columns.map { .string($0) })
            case .handle(let h): return .list(h.fieldNames.map { .string($0) })
            case let v: throw args.error(.type, "argument 'value' of keys: expected record, table or engine object, got \(v.typeName)", argument: "value")
            }
        }
        register("values", positional: [Param("record", .record)], doc: "Field values of a record, in order.") { args in
            guard case .record(let r) = args["record"] else { return .null }
            return .list(r.pairs.map(\.value))
        }
        register("contains", positional: [Param("collection", .oneOf([.list, .sequence, .string, .record, .table])), Param("item")],
                 doc: "Whether a list or range holds item, a string contains a substring, or a record/table has a field/column.") { args in
            let item = args["item"]
            switch args["collection"] {
            case .list(let l): return .bool(try l.items.contains { try $0.equals(item) })
            case .range(let r):
                guard case .number(let x) = item, let i = exactInt(x) else { return .bool(false) }
                return .bool(i >= r.lower && (r.inclusive ? i <= r.upper : i < r.upper))
            case .string(let s):
                guard case .string(let sub) = item else { throw args.error(.type, "contains in a string: expected string, got \(item.typeName)", argument: "item") }
                return .bool(sub.isEmpty || s.contains(sub))
            case .record(let r):
                guard case .string(let k) = item else { return .bool(false) }
                return .bool(r[k] != nil)
            case .table(let t):
                guard case .string(let k) = item else { return .bool(false) }
                return .bool(t.columns.contains(k))
            default: return .bool(false)
            }
        }
        register("join", positional: [Param("list", .sequence), Param("sep", .string, default: .string(""))],
                 doc: "Join the items (as text) with a separator.") { args in
            let items = try sequenceItems(args, "list")
            return .string(items.map(args.context.text).joined(separator: try args.string("sep")))
        }
        register("copy", positional: [Param("value")],
                 doc: "A shallow copy of a list, record or table (other values are returned as they are).") { args in
            switch args["value"] {
            case .list(let l): return .list(ListStorage(l.items))
            case .record(let r): return .record(r.copy())
            case .table(let t): return .table(TableStorage(rows: t.rows.map { $0.copy() }))
            case let v: return v
            }
        }
        register("range", variadic: Param("bounds", .integer),
                 doc: "range(stop), range(start, stop) or range(start, stop, step): a list of integers, stop excluded.") { args in
            let ns = args.rest.compactMap { v -> Int? in if case .number(let x) = v { return exactInt(x) } else { return nil } }
            let (start, stop, step): (Int, Int, Int)
            switch ns.count {
            case 1: (start, stop, step) = (0, ns[0], 1)
            case 2: (start, stop, step) = (ns[0], ns[1], 1)
            case 3: (start, stop, step) = (ns[0], ns[1], ns[2])
            default: throw args.error(.argument, "range takes 1 to 3 integers, got \(args.rest.count)")
            }
            if step == 0 { throw args.error(.value, "range step must not be 0") }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            if count > args.context.limits.maxCollectionSize {
                throw args.error(.value, "range of \(count) items is longer than the limit of \(args.context.limits.maxCollectionSize)")
            }
            return .list((0..<count).map { .number(Double(start + $0 * step)) })
        }
        register("linspace", positional: [Param("start", .number), Param("stop", .number),
                                          Param("n", .integer, default: .number(50), range: .atLeast(1), unit: "points")],
                 doc: "n evenly spaced numbers from start to stop, both included.") { args in
            try .list(linspace(args).map { .number($0) })
        }
        register("logspace", positional: [Param("start", .number, doc: "exponent of the first point"),
                                          Param("stop", .number, doc: "exponent of the last point"),
                                          Param("n", .integer, default: .number(50), range: .atLeast(1), unit: "points")],
                 doc: "n numbers evenly spaced on a log scale from 10**start to 10**stop.") { args in
            try .list(linspace(args).map { .number(Foundation.pow(10, $0)) })
        }
    }

    // MARK: - Math

    private mutating func registerMath() {
        func unaryMath(_ name: String, _ doc: String, _ f: @escaping (Double) -> Double) {
            register(name, positional: [Param("x", .any, doc: "a number, or elementwise on a value holding numbers (scores, a tensor)")],
                     doc: doc) { args in
                switch args["x"] {
                case .number(let x): return .number(f(x))
                case .handle(let h):
                    if let v = try h.map(name, f) { return v }
                    fallthrough
                default:
                    throw args.error(.type, "argument 'x' of \(name): expected number, got \(args["x"].typeName)", argument: "x")
                }
            }
        }
        unaryMath("abs", "Absolute value.") { Swift.abs($0) }
        unaryMath("sqrt", "Square root (nan for negative numbers).") { $0.squareRoot() }
        unaryMath("log", "Natural logarithm (log(0) is -inf, negative numbers give nan).") { Foundation.log($0) }
        unaryMath("log10", "Base-10 logarithm.") { Foundation.log10($0) }
        unaryMath("exp", "e to the power x.") { Foundation.exp($0) }
        unaryMath("floor", "Largest whole number not above x.") { $0.rounded(.down) }
        unaryMath("ceil", "Smallest whole number not below x.") { $0.rounded(.up) }
        register("round", positional: [Param("x", .number)],
                 named: [Param("digits", .integer, default: .number(0), range: ParamRange(-15...15), unit: "decimal places")],
                 doc: "Round to digits decimal places, ties to even (like Python).") { args in
            let x = try args.number("x"), d = try args.int("digits")
            guard x.isFinite else { return .number(x) }
            if d <= 0 {
                let p = Foundation.pow(10, Double(-d))
                return .number((x / p).rounded(.toNearestOrEven) * p)
            }
            return .number(Double(String(format: "%.\(d)f", x)) ?? x)
        }
        register("sum", variadic: Param("values", .oneOf([.number, .sequence])),
                 doc: "Sum of a list or range, or of several numbers (0 for an empty list).") { args in
            .number(try numbers(args).reduce(0, +))
        }
        register("mean", variadic: Param("values", .oneOf([.number, .sequence])),
                 doc: "Arithmetic mean of a list or range, or of several numbers.") { args in
            let xs = try numbers(args)
            if xs.isEmpty { throw args.error(.value, "mean of an empty list") }
            return .number(xs.reduce(0, +) / Double(xs.count))
        }
        register("std", variadic: Param("values", .oneOf([.number, .sequence])),
                 doc: "Sample standard deviation (divides by n - 1) of a list or range, or of several numbers.") { args in
            let xs = try numbers(args)
            if xs.count < 2 { throw args.error(.value, "std needs at least 2 values, got \(xs.count)") }
            let m = xs.reduce(0, +) / Double(xs.count)
            return .number((xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot())
        }
        register("min", variadic: Param("values", .oneOf([.number, .sequence])),
                 doc: "Smallest of a list or range, or of several numbers.") { args in
            let xs = try numbers(args)
            guard let m = xs.min() else { throw args.error(.value, "min of an empty list") }
            return .number(xs.contains { $0.isNaN } ? .nan : m)
        }
        register("max", variadic: Param("values", .oneOf([.number, .sequence])),
                 doc: "Largest of a list or range, or of several numbers.") { args in
            let xs = try numbers(args)
            guard let m = xs.max() else { throw args.error(.value, "max of an empty list") }
            return .number(xs.contains { $0.isNaN } ? .nan : m)
        }
    }

    // MARK: - Tables

    private mutating func registerTables() {
        register("table", positional: [Param("rows", .oneOf([.list, .record, .table]), default: .list([]),
                                             doc: "a list of records, or a record of equally long column lists")],
                 doc: "A table (shown as aligned columns) from a list of records or a record of columns.") { args in
            switch args["rows"] {
            case .list(let l):
                var rows: [RecordStorage] = []
                for (i, v) in l.items.enumerated() {
                    guard case .record(let r) = v else {
                        throw args.error(.type, "table: row \(i) is a \(v.typeName), expected a record", argument: "rows")
                    }
                    rows.append(r.copy())
                }
                return .table(TableStorage(rows: rows))
            case .record(let r):
                var n: Int? = nil
                var columns: [(String, [Value])] = []
                for (k, v) in r.pairs {
                    guard case .list(let col) = v else {
                        throw args.error(.type, "table: column '\(k)' is a \(v.typeName), expected a list", argument: "rows")
                    }
                    if let n, n != col.items.count {
                        throw args.error(.value, "table: column '\(k)' has \(col.items.count) items, expected \(n)", argument: "rows")
                    }
                    n = col.items.count
                    columns.append((k, col.items))
                }
                let rows = (0..<(n ?? 0)).map { i in RecordStorage(columns.map { ($0.0, $0.1[i]) }) }
                return .table(TableStorage(rows: rows))
            case .table(let t): return .table(TableStorage(rows: t.rows.map { $0.copy() }))
            default: return .null
            }
        }
        register("group", positional: [Param("table", .oneOf([.table, .list]))],
                 named: [Param("by", .oneOf([.string, .function]), doc: "a column name or a function of the row")],
                 doc: "Split rows into groups: a record from each key (as text) to a table of its rows, in first-seen order.") { args in
            let rows = try tableRows(args, "table")
            let out = RecordStorage()
            for row in rows {
                let key = try rowKey(args, row).text
                if case .table(let t)? = out[key] { t.rows.append(row) } else { out[key] = .table(TableStorage(rows: [row])) }
            }
            return .record(out)
        }
        register("sort", positional: [Param("values", .oneOf([.list, .table, .sequence]))],
                 named: [Param("by", .oneOf([.string, .function]), default: .null, doc: "a field name or a key function"),
                         Param("reverse", .bool, default: .bool(false))],
                 doc: "A sorted copy (stable) of a list or table; by: sorts records by a field or any items by a key function.") { args in
            var items: [Value]
            let isTable: Bool
            switch args["values"] {
            case .table(let t): items = t.rows.map { .record($0) }; isTable = true
            default: items = try sequenceItems(args, "values"); isTable = false
            }
            var keyed: [(key: Value, item: Value)] = []
            for item in items {
                try args.context.checkCancelled()
                keyed.append((args.has("by") ? try rowKey(args, item) : item, item))
            }
            var failure: ScriptError? = nil
            let reverse = try args.bool("reverse")
            let order: (Value, Value) -> ComparisonResult = { a, b in
                switch (a, b) {
                case (.number(let x), .number(let y)):
                    if x.isNaN || y.isNaN { return x.isNaN && !y.isNaN ? .orderedDescending : !x.isNaN && y.isNaN ? .orderedAscending : .orderedSame }
                    return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
                case (.string(let x), .string(let y)): return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
                case (.null, .null): return .orderedSame
                case (.null, _): return .orderedAscending
                case (_, .null): return .orderedDescending
                default:
                    if failure == nil {
                        failure = args.error(.type, "sort: cannot order \(a.typeName) and \(b.typeName)",
                                             hint: "sort numbers or strings, or pass by: a field name or key function")
                    }
                    return .orderedSame
                }
            }
            // Stable merge sort on indices.
            let sortedIdx = Array(keyed.indices).stableSorted { i, j in
                let c = order(keyed[i].key, keyed[j].key)
                return reverse ? c == .orderedDescending : c == .orderedAscending
            }
            if let failure { throw failure }
            let result = sortedIdx.map { keyed[$0].item }
            if isTable {
                return .table(TableStorage(rows: result.compactMap { if case .record(let r) = $0 { return r } else { return nil } }))
            }
            return .list(result)
        }
    }

    // MARK: - Session

    private mutating func registerSession() {
        register("seed", positional: [Param("n", .integer, default: .null, range: ParamRange(0...9_007_199_254_740_992))],
                 doc: "Set the session seed that every random draw starts from (seed() returns it).") { args in
            guard args.has("n") else { return .number(Double(args.context.seed)) }
            args.context.seed = UInt64(try args.int("n"))
            return .null
        }
        register("help", positional: [Param("name", .oneOf([.string, .function]), default: .null)],
                 doc: "List the builtins, or show one's signature, arguments, units, defaults and reference; help(\"for\"), help(\"syntax\")… explain the language.") { args in
            let registry = args.context.registry
            switch args["name"] {
            case .null: args.context.print(registry.index)
            case .function(.builtin(let b)): args.context.print(b.helpText)
            case .function(.closure(let c)): args.context.print("\(c.declaration.signature)\n  a function defined in the session")
            case .string(let name):
                if let text = registry.help(for: name) { args.context.print(text) }
                else if let text = LanguageHelp.text(for: name) { args.context.print(text) }
                else {
                    throw args.error(.name, "no builtin named '\(name)' (nor a language topic)", argument: "name",
                                     hint: Suggest.hint(for: name, in: registry.names + LanguageHelp.aliases.keys.sorted())
                                        ?? "help(\"syntax\") lists the language topics; help() the builtins")
                }
            default: break
            }
            return .null
        }
        register("time", positional: [Param("expr", .lazy)],
                 doc: "Evaluate expr, print how long it took, and return its value.") { args in
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try args.context.call(args["expr"], [])
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            args.context.print("time: \(String(format: "%.3f", seconds)) s")
            return value
        }
    }
}

// MARK: - Helpers

private func sequenceItems(_ args: Arguments, _ name: String) throws -> [Value] {
    switch args[name] {
    case .list(let l): return l.items
    case .range(let r):
        if r.count > args.context.limits.maxCollectionSize {
            throw args.error(.value, "range of \(r.count) items is too long", argument: name)
        }
        return (0..<r.count).map { .number(Double(r.element($0))) }
    case let v: throw args.error(.type, "argument '\(name)' of \(args.builtin.name): expected list or range, got \(v.typeName)", argument: name)
    }
}

/// The numbers of an aggregate's arguments: one list/range, or several numbers.
private func numbers(_ args: Arguments) throws -> [Double] {
    var values: [Value] = []
    if args.rest.count == 1 {
        switch args.rest[0] {
        case .list(let l): values = l.items
        case .range(let r):
            if r.count > args.context.limits.maxCollectionSize { throw args.error(.value, "range of \(r.count) items is too long") }
            return (0..<r.count).map { Double(r.element($0)) }
        default: values = args.rest
        }
    } else {
        values = args.rest
    }
    return try values.enumerated().map { i, v in
        guard case .number(let x) = v else {
            throw args.error(.type, "\(args.builtin.name): expected numbers, got \(v.typeName) at position \(i)")
        }
        return x
    }
}

private func linspace(_ args: Arguments) throws -> [Double] {
    let a = try args.number("start"), b = try args.number("stop"), n = try args.int("n")
    if n > args.context.limits.maxCollectionSize {
        throw args.error(.value, "n = \(n) is larger than the limit of \(args.context.limits.maxCollectionSize)", argument: "n")
    }
    if n == 1 { return [a] }
    let step = (b - a) / Double(n - 1)
    return (0..<n).map { i in i == n - 1 ? b : a + Double(i) * step }
}

private func tableRows(_ args: Arguments, _ name: String) throws -> [RecordStorage] {
    switch args[name] {
    case .table(let t): return t.rows
    case .list(let l):
        return try l.items.enumerated().map { i, v in
            guard case .record(let r) = v else {
                throw args.error(.type, "\(args.builtin.name): item \(i) is a \(v.typeName), expected a record", argument: name)
            }
            return r
        }
    case let v: throw args.error(.type, "expected table, got \(v.typeName)", argument: name)
    }
}

/// The `by:` key of a row: a field (by name) or a function's result.
private func rowKey(_ args: Arguments, _ row: RecordStorage) throws -> Value {
    try rowKey(args, .record(row))
}

private func rowKey(_ args: Arguments, _ item: Value) throws -> Value {
    switch args["by"] {
    case .string(let field):
        guard case .record(let r) = item else {
            throw args.error(.type, "by: \(quote(field)) needs records, got \(item.typeName)", argument: "by")
        }
        guard let v = r[field] else {
            throw args.error(.key, "no field '\(field)' in a row", argument: "by", hint: Suggest.hint(for: field, in: r.keys))
        }
        return v
    case .function:
        return try args.context.call(args["by"], [item])
    default:
        return item
    }
}

extension Array {
    /// A stable sort (merge sort): equal elements keep their order.
    func stableSorted(by less: (Element, Element) -> Bool) -> [Element] {
        if count < 2 { return self }
        var a = self
        var tmp = self
        var width = 1
        while width < count {
            var i = 0
            while i < count {
                let mid = Swift.min(i + width, count), hi = Swift.min(i + 2 * width, count)
                var l = i, r = mid, k = i
                while l < mid && r < hi {
                    if less(a[r], a[l]) { tmp[k] = a[r]; r += 1 } else { tmp[k] = a[l]; l += 1 }
                    k += 1
                }
                while l < mid { tmp[k] = a[l]; l += 1; k += 1 }
                while r < hi { tmp[k] = a[r]; r += 1; k += 1 }
                i += 2 * width
            }
            swap(&a, &tmp)
            width *= 2
        }
        return a
    }
}
