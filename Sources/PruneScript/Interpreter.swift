import Foundation
import Support

/// Output produced while a cell runs, in order.
public enum OutputEvent: Sendable, Equatable {
    /// Text for standard output (`print` appends the newline).
    case stdout(String)
    case warning(String)
    /// A one-line account of what a builtin did (`train: 2 epochs …`), for standard error.
    case note(String)
    case display(DisplayItem)
}

/// What running one cell produced.
public struct CellResult {
    public var cell: Int
    /// The cell's result: the value of its last statement when that is an expression.
    /// nil when hidden by a trailing `;`, when the last statement is not an expression,
    /// when the value is `nil`, or on error.
    public var value: Value?
    public var outputs: [OutputEvent]
    /// The error that stopped the cell (the first syntax error if it did not parse).
    public var error: ScriptError?
    /// All syntax errors when the cell did not parse (empty otherwise).
    public var syntaxErrors: [ScriptError]

    /// All `.stdout` text joined.
    public var stdout: String {
        outputs.map { if case .stdout(let s) = $0 { return s } else { return "" } }.joined()
    }
    public var displays: [DisplayItem] {
        outputs.compactMap { if case .display(let d) = $0 { return d } else { return nil } }
    }
    public var warnings: [String] {
        outputs.compactMap { if case .warning(let w) = $0 { return w } else { return nil } }
    }
    /// The result as shown at the prompt (`value.repr` in the session's display style), or nil.
    public var resultText: String?
}

/// A PruneScript session: globals persist across cells; `_` holds the last shown result.
///
/// Semantics worth knowing:
/// - Division by zero follows IEEE 754: `1/0` is `inf`, `0/0` is `nan`; `%` is floored
///   modulo (`-1 % 3 == 2`), `x % 0` is `nan`; `sqrt(-1)` is `nan`, `log(0)` is `-inf`.
/// - `**` is power (right-associative, tighter than unary minus: `-2 ** 2 == -4`).
///   `^` is a syntax error that points to `**`.
/// - Conditions and `and`/`or`/`not` need booleans (no truthiness).
/// - `for` iterates over a snapshot of a list (pushing inside the loop does not extend it).
public final class Interpreter {
    public struct Limits: Sendable {
        /// Nested calls of script functions before a RecursionError.
        public var maxCallDepth = 200
        /// Loop iterations + calls per cell before a RuntimeError (nil: unlimited).
        public var maxSteps: Int? = nil
        /// Longest list a builtin or operator may create.
        public var maxCollectionSize = 50_000_000
        /// Longest string an operator or interpolation may create.
        public var maxStringLength = 100_000_000
        public init() {}
    }

    public private(set) var builtins: BuiltinRegistry
    public var limits: Limits
    public let cancellation: CancellationToken
    /// The session seed (`seed(n)`); engine builtins read it through `CallContext.seed`.
    public var seed: UInt64 = 0
    /// Live output sink (e.g. the REPL echoing prints during a long cell). Every event
    /// also lands in `CellResult.outputs`.
    public var onOutput: ((OutputEvent) -> Void)?

    let globals = Environment()
    /// Frees the call scopes that nested functions keep alive in a cycle.
    let cycles = CycleCollector()
    /// Source of every cell run so far, to render errors pointing into earlier cells.
    public private(set) var sources: [Int: String] = [:]
    private var outputs: [OutputEvent] = []
    private var callDepth = 0
    private var steps = 0
    /// Set by a builtin that was interrupted but returned what it had done so far
    /// (`CallContext.interrupted`): the statement completes (an assignment binds the partial
    /// result), then the cell stops with this message as its `Interrupted` error.
    var pendingInterruption: (message: String, partial: Value)?

    public init(builtins: BuiltinRegistry = .core, limits: Limits = Limits(),
                cancellation: CancellationToken = CancellationToken()) {
        self.builtins = builtins
        self.limits = limits
        self.cancellation = cancellation
    }

    // A function defined at the top level captures the globals, which hold it: a cycle that
    // ARC never frees. Emptying the globals when the session ends breaks every such cycle, and
    // then the scopes of nested functions the globals kept are unreachable too.
    deinit {
        globals.removeAll()
        cycles.collect()
    }

    // MARK: - Session API

    /// Parses and runs one cell. Never traps: every failure is a `ScriptError` in the result.
    /// Clears the cancellation flag first. Runs on a private thread with a large stack.
    public func run(_ source: String, cell: Int = 0) -> CellResult {
        sources[cell] = source
        cancellation.reset()
        outputs = []
        steps = 0
        callDepth = 0
        pendingInterruption = nil
        let (value, error, syntax) = runOnLargeStack { () -> (Value?, ScriptError?, [ScriptError]) in
            let (program, errors) = Parser.parse(source, cell: cell)
            guard let program else { return (nil, errors.first, errors) }
            do {
                return (try execute(program), nil, [])
            } catch let e as ScriptError {
                return (nil, e, [])
            } catch {
                return (nil, ScriptError(.runtime, "\(error)"), [])
            }
        }
        if let value { globals.define("_", value) }
        if let partial = pendingInterruption?.partial { globals.define("_", partial) }
        pendingInterruption = nil
        if cycles.isTracking { cycles.collect() }
        return CellResult(cell: cell, value: value, outputs: outputs, error: error, syntaxErrors: syntax,
                          resultText: value.map(show))
    }

    /// Every syntax error in `source` (for the CLI's `check`), in source order.
    public static func check(_ source: String, cell: Int = 0) -> [ScriptError] {
        runOnLargeStack { Parser.parse(source, cell: cell).errors }
    }

    /// The error with the offending source line and caret (the cell's source when known).
    public func render(_ error: ScriptError) -> String {
        error.render(source: error.location.flatMap { sources[$0.cell] })
    }

    /// A value as this session shows a result (its registry's display style).
    public func show(_ value: Value) -> String { value.repr(builtins.display) }

    /// A value's HTML form (tables), shown beside its text in notebooks; nil for the others.
    public func html(_ value: Value) -> String? { value.html(builtins.display) }

    /// Global variable names (for completion), sorted.
    public var globalNames: [String] { globals.allNames }
    public func global(_ name: String) -> Value? { globals.lookup(name) }
    public func setGlobal(_ name: String, _ value: Value) { globals.define(name, value) }
    /// Evaluates a literal-like expression (e.g. a `-p sparsity=99%` value) without
    /// touching the session's cells.
    public func evaluate(_ expression: String) throws -> Value {
        let result = runOnLargeStack { () -> Result<Value, ScriptError> in
            var (tokens, lexErrors) = Lexer.tokenize(expression, cell: 0)
            if let e = lexErrors.first { return .failure(e) }
            tokens.removeAll { $0.kind == .newline }
            var parser = Parser(tokens: tokens)
            do {
                let e = try parser.expression()
                return .success(try eval(e, globals))
            } catch let e as ScriptError { return .failure(e) } catch { return .failure(ScriptError(.runtime, "\(error)")) }
        }
        return try result.get()
    }
    /// Forgets all variables (keeps builtins and the seed).
    public func reset() {
        globals.removeAll()
        cycles.collect()
        sources = [:]
    }
    /// Adds or replaces a builtin in this session.
    public func register(_ builtin: Builtin) { builtins.register(builtin) }

    func emit(_ event: OutputEvent) {
        outputs.append(event)
        onOutput?(event)
    }

    // MARK: - Statements

    private func execute(_ program: Program) throws -> Value? {
        var result: Value? = nil
        for (i, stmt) in program.statements.enumerated() {
            do {
                if i == program.statements.count - 1, case .expression(let e) = stmt {
                    let v = try eval(e, globals)
                    result = program.suppressesResult || v.isNil ? nil : v
                } else {
                    _ = try exec(stmt, globals)
                }
                try stopIfInterrupted(after: stmt)
            } catch var e as ScriptError {
                if e.location == nil { e.location = stmt.location }
                throw e
            } catch let u as Unwind {
                switch u {
                case .breakLoop(let l): throw ScriptError(.syntax, "'break' outside a loop", at: l, length: 5)
                case .continueLoop(let l): throw ScriptError(.syntax, "'continue' outside a loop", at: l, length: 8)
                case .returnValue(_, let l): throw ScriptError(.syntax, "'return' outside a function", at: l, length: 6)
                }
            }
        }
        return result
    }

    /// Runs statements in `env`; the value of the last one when it is an expression, else nil.
    func execBlock(_ body: [Stmt], _ env: Environment) throws -> Value {
        var last: Value = .null
        for stmt in body {
            last = try exec(stmt, env)
            try stopIfInterrupted(after: stmt)
        }
        return last
    }

    /// Ends the cell once a statement whose builtin was interrupted has completed, saying where
    /// the partial result went.
    private func stopIfInterrupted(after stmt: Stmt) throws {
        guard let pending = pendingInterruption else { return }
        var hint = "_ holds what was done so far (its interrupted field is true)"
        if case .assign(.variable(let name, _), _, _, _, _) = stmt {
            hint = "\(name) holds what was done so far (its interrupted field is true)"
        }
        throw ScriptError(.interrupted, pending.message, at: stmt.location, hint: hint)
    }

    private func exec(_ stmt: Stmt, _ env: Environment) throws -> Value {
        switch stmt {
        case .expression(let e):
            return try eval(e, env)
        case .assign(let target, let op, let valueExpr, let isLet, let loc):
            try assign(target, op: op, valueExpr, isLet: isLet, loc, env)
            return .null
        case .function(let decl):
            noteCapture(env)
            env.define(decl.name ?? "fn", .function(.closure(Closure(decl, env))))
            return .null
        case .forLoop(let name, let iterableExpr, let body, let loc):
            try forLoop(name, iterableExpr, body, loc, env)
            return .null
        case .whileLoop(let condition, let body, let loc):
            while try truth(condition, env, "while") {
                try tick(loc)
                do { _ = try execBlock(body, env) } catch let u as Unwind {
                    if case .breakLoop = u { break }
                    if case .continueLoop = u { continue }
                    throw u
                }
            }
            return .null
        case .breakLoop(let l): throw Unwind.breakLoop(l)
        case .continueLoop(let l): throw Unwind.continueLoop(l)
        case .returnValue(let e, let l):
            throw Unwind.returnValue(try e.map { try eval($0, env) } ?? .null, l)
        }
    }

    private func forLoop(_ name: String, _ iterableExpr: Expr, _ body: [Stmt], _ loc: SourceLocation, _ env: Environment) throws {
        let iterable = try eval(iterableExpr, env)
        func run(_ item: Value) throws -> Bool {
            try tick(loc)
            env.define(name, item)
            do { _ = try execBlock(body, env) } catch let u as Unwind {
                if case .breakLoop = u { return false }
                if case .continueLoop = u { return true }
                throw u
            }
            return true
        }
        switch iterable {
        case .list(let l): for item in l.items where try !run(item) { break }
        case .range(let r):
            var i = r.lower
            let end = r.inclusive ? r.upper : r.upper - 1
            while i <= end { if try !run(.number(Double(i))) { break }; i += 1 }
        case .record(let r): for key in r.keys where try !run(.string(key)) { break }
        case .table(let t): for row in t.rows where try !run(.record(row)) { break }
        case .string(let s): for c in s where try !run(.string(String(c))) { break }
        default:
            throw ScriptError(.type, "cannot iterate over a \(iterable.typeName)", at: iterableExpr.startLocation,
                              hint: "for loops take a list, range, record (its keys), table (its rows) or string")
        }
    }

    /// Counts a step and checks the cancellation flag and step budget.
    @inline(__always)
    private func tick(_ loc: SourceLocation) throws {
        if cancellation.isCancelled { throw ScriptError(.interrupted, pendingInterruption?.message ?? "interrupted", at: loc) }
        steps += 1
        if let max = limits.maxSteps, steps > max {
            throw ScriptError(.runtime, "step limit of \(max) exceeded", at: loc)
        }
    }

    private func truth(_ e: Expr, _ env: Environment, _ what: String) throws -> Bool {
        let v = try eval(e, env)
        guard case .bool(let b) = v else {
            throw ScriptError(.type, "\(what) condition: expected bool, got \(v.typeName)", at: e.startLocation,
                              hint: "compare explicitly, e.g. x != 0 or len(xs) > 0")
        }
        return b
    }

    // MARK: - Assignment

    private func assign(_ target: AssignTarget, op: BinaryOp?, _ valueExpr: Expr, isLet: Bool,
                        _ loc: SourceLocation, _ env: Environment) throws {
        switch target {
        case .variable(let name, let nameLoc):
            var value = try eval(valueExpr, env)
            if let op {
                guard let old = env.lookup(name) else { throw unknownName(name, nameLoc, env) }
                value = try binary(op, old, value, loc)
            }
            if isLet || !env.assign(name, value) { env.define(name, value) }
        case .index(let baseExpr, let indexExpr, let l):
            let base = try eval(baseExpr, env)
            let index = try eval(indexExpr, env)
            var value = try eval(valueExpr, env)
            if let op { value = try binary(op, try subscriptGet(base, index, l, indexExpr), value, loc) }
            try subscriptSet(base, index, value, l, indexExpr)
        case .field(let baseExpr, let name, let l):
            let base = try eval(baseExpr, env)
            var value = try eval(valueExpr, env)
            if let op { value = try binary(op, try fieldGet(base, name, l), value, loc) }
            try fieldSet(base, name, value, l)
        }
    }

    // MARK: - Expressions

    func eval(_ expr: Expr, _ env: Environment) throws -> Value {
        switch expr {
        case .number(let x, _): return .number(x)
        case .string(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .nilLiteral: return .null
        case .interpolated(let parts, let loc): return try interpolate(parts, loc, env)
        case .variable(let name, let loc): return try lookup(name, loc, env)
        case .list(let items, _):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try eval(item, env)) }
            return .list(ListStorage(values))
        case .record(let entries, _):
            let r = RecordStorage()
            for entry in entries { r[entry.key] = try eval(entry.value, env) }
            return .record(r)
        case .unary(let op, let operand, let loc): return try unary(op, try eval(operand, env), loc, operand)
        case .binary(let op, let l, let r, let loc):
            return try binary(op, try eval(l, env), try eval(r, env), loc)
        case .logical(let op, let l, let r, _): return try logical(op, l, r, env)
        case .range(let l, let r, let inclusive, let loc): return try makeRange(l, r, inclusive, loc, env)
        case .call(let callee, let args, let loc): return try call(callee, args, loc, env)
        case .index(let base, let index, let loc):
            return try subscriptGet(try eval(base, env), try eval(index, env), loc, index)
        case .field(let base, let name, let loc): return try fieldGet(try eval(base, env), name, loc)
        case .function(let decl):
            noteCapture(env)
            return .function(.closure(Closure(decl, env)))
        case .ifElse(let branches, let elseBody, _):
            for branch in branches where try truth(branch.condition, env, "if") {
                return try execBlock(branch.body, env)
            }
            return try elseBody.map { try execBlock($0, env) } ?? .null
        }
    }

    private func lookup(_ name: String, _ loc: SourceLocation, _ env: Environment) throws -> Value {
        if let v = env.lookup(name) { return v }
        if let b = builtins[name] { return .function(.builtin(b)) }
        throw unknownName(name, loc, env)
    }

    private func unknownName(_ name: String, _ loc: SourceLocation, _ env: Environment) -> ScriptError {
        ScriptError(.name, "unknown name '\(name)'", at: loc, length: name.count,
                    hint: Suggest.hint(for: name, in: env.allNames + builtins.names))
    }

    private func interpolate(_ parts: [InterpolationPart], _ loc: SourceLocation, _ env: Environment) throws -> Value {
        var s = ""
        for part in parts {
            switch part {
            case .text(let t): s += t
            case .expr(let e): s += try eval(e, env).text(builtins.display)
            }
            if s.utf8.count > limits.maxStringLength {
                throw ScriptError(.value, "string longer than \(limits.maxStringLength) bytes", at: loc)
            }
        }
        return .string(s)
    }

    private func logical(_ op: LogicalOp, _ l: Expr, _ r: Expr, _ env: Environment) throws -> Value {
        let left = try truth(l, env, "'\(op.rawValue)'")
        if op == .and && !left { return .bool(false) }
        if op == .or && left { return .bool(true) }
        return .bool(try truth(r, env, "'\(op.rawValue)'"))
    }

    private func unary(_ op: UnaryOp, _ v: Value, _ loc: SourceLocation, _ operand: Expr) throws -> Value {
        if case .handle(let h) = v, let result = try located(loc, { try h.apply(op) }) { return result }
        switch (op, v) {
        case (.negate, .number(let x)): return .number(-x)
        case (.not, .bool(let b)): return .bool(!b)
        case (.negate, _):
            throw ScriptError(.type, "unary '-': expected number, got \(v.typeName)", at: operand.startLocation)
        case (.not, _):
            throw ScriptError(.type, "'not': expected bool, got \(v.typeName)", at: operand.startLocation)
        case (.complement, _):
            throw ScriptError(.type, "'~': expected a mask, got \(v.typeName)", at: operand.startLocation,
                              hint: v.typeName == "bool" ? "use 'not' for booleans" : nil)
        }
    }

    func binary(_ op: BinaryOp, _ a: Value, _ b: Value, _ loc: SourceLocation) throws -> Value {
        if op != .equal && op != .notEqual, let result = try handleOperator(op, a, b, loc) { return result }
        switch (op, a, b) {
        case (.add, .number(let x), .number(let y)): return .number(x + y)
        case (.subtract, .number(let x), .number(let y)): return .number(x - y)
        case (.multiply, .number(let x), .number(let y)): return .number(x * y)
        case (.divide, .number(let x), .number(let y)): return .number(x / y)
        case (.modulo, .number(let x), .number(let y)):
            if y == 0 || !x.isFinite { return .number(.nan) }
            if y.isInfinite { return .number(x == 0 || (x > 0) == (y > 0) ? x : y) }
            let r = x.truncatingRemainder(dividingBy: y)
            return .number(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case (.power, .number(let x), .number(let y)): return .number(Foundation.pow(x, y))
        case (.add, .string(let x), .string(let y)):
            if x.utf8.count + y.utf8.count > limits.maxStringLength {
                throw ScriptError(.value, "string longer than \(limits.maxStringLength) bytes", at: loc)
            }
            return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            if x.items.count + y.items.count > limits.maxCollectionSize {
                throw ScriptError(.value, "list longer than \(limits.maxCollectionSize) items", at: loc)
            }
            return .list(ListStorage(x.items + y.items))
        case (.equal, _, _): return .bool(try located(loc) { try a.equals(b) })
        case (.notEqual, _, _): return .bool(!(try located(loc) { try a.equals(b) }))
        case (.less, _, _), (.lessEqual, _, _), (.greater, _, _), (.greaterEqual, _, _):
            let c = try compare(a, b, loc)
            switch op {
            case .less: return .bool(c == .orderedAscending)
            case .lessEqual: return .bool(c != .orderedDescending && !isNaNPair(a, b))
            case .greater: return .bool(c == .orderedDescending)
            default: return .bool(c != .orderedAscending && !isNaNPair(a, b))
            }
        default:
            var hint: String? = nil
            if op == .add, case .string = a { hint = "use interpolation \"...{x}\" or str(x) to join text and values" }
            if op == .add, case .string = b { hint = "use interpolation \"...{x}\" or str(x) to join text and values" }
            if op == .intersect || op == .union {
                let both = a.typeName == "bool" && b.typeName == "bool"
                throw ScriptError(.type, "'\(op.rawValue)': expected masks, got \(a.typeName) and \(b.typeName)", at: loc, length: 1,
                                  hint: both ? "use '\(op == .intersect ? "and" : "or")' for booleans" : nil)
            }
            let expected = op == .add ? "numbers, strings or lists" : "numbers"
            throw ScriptError(.type, "'\(op.rawValue)': expected \(expected), got \(a.typeName) and \(b.typeName)",
                              at: loc, length: op.rawValue.count, hint: hint)
        }
    }

    /// The handle-operator hook: the left handle first, then the right one.
    private func handleOperator(_ op: BinaryOp, _ a: Value, _ b: Value, _ loc: SourceLocation) throws -> Value? {
        if case .handle(let h) = a, let result = try located(loc, { try h.apply(op, b, selfIsLeft: true) }) { return result }
        if case .handle(let h) = b, let result = try located(loc, { try h.apply(op, a, selfIsLeft: false) }) { return result }
        return nil
    }

    private func isNaNPair(_ a: Value, _ b: Value) -> Bool {
        if case .number(let x) = a, case .number(let y) = b { return x.isNaN || y.isNaN }
        return false
    }

    /// Orders two numbers or two strings (`nan` compares as unordered: `.orderedSame`
    /// but `<`, `<=`, `>`, `>=` are all false).
    func compare(_ a: Value, _ b: Value, _ loc: SourceLocation) throws -> ComparisonResult {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.string(let x), .string(let y)):
            return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        default:
            throw ScriptError(.type, "cannot compare \(a.typeName) and \(b.typeName)", at: loc,
                              hint: "only two numbers or two strings can be ordered")
        }
    }

    private func located<T>(_ loc: SourceLocation, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var e as ScriptError {
            if e.location == nil { e.location = loc }
            throw e
        }
    }

    private func makeRange(_ l: Expr, _ r: Expr, _ inclusive: Bool, _ loc: SourceLocation, _ env: Environment) throws -> Value {
        let a = try eval(l, env), b = try eval(r, env)
        guard case .number(let x) = a, case .number(let y) = b else {
            throw ScriptError(.type, "range bounds: expected numbers, got \(a.typeName) and \(b.typeName)", at: loc, length: 2)
        }
        guard let lo = exactInt(x), let hi = exactInt(y) else {
            throw ScriptError(.value, "range bounds must be whole numbers, got \(formatNumber(x)) and \(formatNumber(y))",
                              at: loc, length: 2, hint: "use linspace(a, b, n) for fractional steps")
        }
        return .range(RangeValue(lower: lo, upper: hi, inclusive: inclusive))
    }

    // MARK: - Indexing and fields

    private func listIndex(_ index: Value, count: Int, _ what: String, _ loc: SourceLocation, _ indexExpr: Expr) throws -> Int {
        guard case .number(let x) = index else {
            throw ScriptError(.type, "\(what) index: expected integer, got \(index.typeName)", at: indexExpr.startLocation)
        }
        guard let i = exactInt(x) else {
            throw ScriptError(.type, "\(what) index: expected integer, got \(formatNumber(x))", at: indexExpr.startLocation)
        }
        let j = i < 0 ? i + count : i
        guard j >= 0 && j < count else {
            throw ScriptError(.index, "index \(i) out of range for a \(what) of length \(count)", at: indexExpr.startLocation,
                              hint: count == 0 ? "the \(what) is empty" : "valid indices are 0 to \(count - 1), or -\(count) to -1 from the end")
        }
        return j
    }

    func subscriptGet(_ base: Value, _ index: Value, _ loc: SourceLocation, _ indexExpr: Expr) throws -> Value {
        switch base {
        case .list(let l):
            return l.items[try listIndex(index, count: l.items.count, "list", loc, indexExpr)]
        case .string(let s):
            let chars = Array(s)
            return .string(String(chars[try listIndex(index, count: chars.count, "string", loc, indexExpr)]))
        case .range(let r):
            return .number(Double(r.element(try listIndex(index, count: r.count, "range", loc, indexExpr))))
        case .table(let t):
            if case .string(let col) = index { return try fieldGet(base, col, indexExpr.startLocation) }
            return .record(t.rows[try listIndex(index, count: t.rows.count, "table", loc, indexExpr)])
        case .record, .handle:
            guard case .string(let key) = index else {
                throw ScriptError(.type, "\(base.typeName) index: expected string (a field name), got \(index.typeName)",
                                  at: indexExpr.startLocation)
            }
            return try fieldGet(base, key, indexExpr.startLocation)
        default:
            throw ScriptError(.type, "cannot index a \(base.typeName)", at: loc)
        }
    }

    private func subscriptSet(_ base: Value, _ index: Value, _ value: Value, _ loc: SourceLocation, _ indexExpr: Expr) throws {
        switch base {
        case .list(let l):
            l.items[try listIndex(index, count: l.items.count, "list", loc, indexExpr)] = value
        case .table(let t):
            guard case .record(let r) = value else {
                throw ScriptError(.type, "table row: expected record, got \(value.typeName)", at: loc)
            }
            t.rows[try listIndex(index, count: t.rows.count, "table", loc, indexExpr)] = r
        case .record, .handle:
            guard case .string(let key) = index else {
                throw ScriptError(.type, "\(base.typeName) index: expected string (a field name), got \(index.typeName)",
                                  at: indexExpr.startLocation)
            }
            try fieldSet(base, key, value, indexExpr.startLocation)
        case .string:
            throw ScriptError(.type, "strings cannot be changed in place", at: loc, hint: "build a new string instead")
        default:
            throw ScriptError(.type, "cannot assign into a \(base.typeName)", at: loc)
        }
    }

    func fieldGet(_ base: Value, _ name: String, _ loc: SourceLocation) throws -> Value {
        switch base {
        case .record(let r):
            if let v = r[name] { return v }
            throw ScriptError(.key, "no field '\(name)' in the record", at: loc, length: name.count,
                              hint: Suggest.hint(for: name, in: r.keys) ?? "fields: " + r.keys.joined(separator: ", "))
        case .table(let t):
            let cols = t.columns
            if cols.contains(name) { return .list(t.column(name)) }
            throw ScriptError(.key, "no column '\(name)' in the table", at: loc, length: name.count,
                              hint: Suggest.hint(for: name, in: cols) ?? "columns: " + cols.joined(separator: ", "))
        case .handle(let h):
            let v: Value?
            do { v = try h.field(name) } catch let e as ScriptError { throw withLocation(e, loc) } catch {
                throw ScriptError(.engine, Interpreter.describe(error), at: loc)
            }
            if let v { return v }
            throw ScriptError(.key, "a \(h.typeName) has no field '\(name)'", at: loc, length: name.count,
                              hint: Suggest.hint(for: name, in: h.fieldNames)
                                  ?? (h.fieldNames.isEmpty ? nil : "fields: " + h.fieldNames.joined(separator: ", ")))
        default:
            throw ScriptError(.type, "a \(base.typeName) has no fields (asked for '\(name)')", at: loc, length: name.count)
        }
    }

    private func fieldSet(_ base: Value, _ name: String, _ value: Value, _ loc: SourceLocation) throws {
        switch base {
        case .record(let r): r[name] = value
        case .handle(let h):
            do { try h.setField(name, to: value) } catch let e as ScriptError { throw withLocation(e, loc) } catch {
                throw ScriptError(.engine, Interpreter.describe(error), at: loc)
            }
        default:
            throw ScriptError(.type, "cannot set field '\(name)' on a \(base.typeName)", at: loc, length: name.count)
        }
    }

    private func withLocation(_ e: ScriptError, _ loc: SourceLocation) -> ScriptError {
        var e = e
        if e.location == nil { e.location = loc }
        return e
    }

    /// The message of a non-script error (an engine failure), without a stack dump.
    static func describe(_ error: Error) -> String {
        if let l = error as? LocalizedError, let d = l.errorDescription { return d }
        return String(describing: error)
    }

    // MARK: - Calls

    private struct EvaluatedArgument {
        var label: String?
        var value: Value
        var location: SourceLocation
    }

    private func call(_ calleeExpr: Expr, _ args: [CallArgument], _ loc: SourceLocation, _ env: Environment) throws -> Value {
        let callee = try eval(calleeExpr, env)
        guard case .function(let function) = callee else {
            throw ScriptError(.type, "cannot call a \(callee.typeName)", at: calleeExpr.startLocation,
                              hint: calleeExpr.calleeName.map { "'\($0)' is a \(callee.typeName) here" })
        }
        let nameLength = calleeExpr.calleeName?.count ?? 1
        var evaluated: [EvaluatedArgument] = []
        evaluated.reserveCapacity(args.count)
        for (i, arg) in args.enumerated() {
            if case .builtin(let b) = function, isLazy(b, argumentAt: i, label: arg.label) {
                let thunk = FunctionDecl(name: nil, parameters: [], body: [.expression(arg.value)], location: arg.location)
                evaluated.append(EvaluatedArgument(label: arg.label, value: .function(.closure(Closure(thunk, env))),
                                                   location: arg.location))
            } else {
                evaluated.append(EvaluatedArgument(label: arg.label, value: try eval(arg.value, env), location: arg.location))
            }
        }
        return try invoke(function, evaluated, at: loc, nameLength: nameLength)
    }

    private func isLazy(_ b: Builtin, argumentAt i: Int, label: String?) -> Bool {
        if let label { return (b.positional + b.named).first { $0.name == label }?.type == .lazy }
        if i < b.positional.count { return b.positional[i].type == .lazy }
        return b.variadic?.type == .lazy
    }

    /// Calls a function value with already-evaluated arguments (used by builtins).
    func callValue(_ function: Value, _ positional: [Value], named: [(String, Value)], at loc: SourceLocation) throws -> Value {
        guard case .function(let f) = function else {
            throw ScriptError(.type, "expected function, got \(function.typeName)", at: loc)
        }
        let args = positional.map { EvaluatedArgument(label: nil, value: $0, location: loc) }
            + named.map { EvaluatedArgument(label: $0.0, value: $0.1, location: loc) }
        return try invoke(f, args, at: loc, nameLength: 1)
    }

    private func invoke(_ function: FunctionValue, _ args: [EvaluatedArgument], at loc: SourceLocation, nameLength: Int) throws -> Value {
        try tick(loc)
        switch function {
        case .builtin(let b): return try callBuiltin(b, args, loc, nameLength)
        case .closure(let c): return try callClosure(c, args, loc, nameLength)
        }
    }

    /// A closure is about to capture `env`: a call scope it may keep alive in a cycle.
    private func noteCapture(_ env: Environment) {
        guard env !== globals else { return }
        if cycles.isDue { cycles.collect() }
        cycles.track(env)
    }

    private func callClosure(_ c: Closure, _ args: [EvaluatedArgument], _ loc: SourceLocation, _ nameLength: Int) throws -> Value {
        let decl = c.declaration
        let fname = decl.name ?? "fn"
        if callDepth >= limits.maxCallDepth {
            throw ScriptError(.recursion, "maximum recursion depth (\(limits.maxCallDepth)) exceeded calling '\(fname)'",
                              at: loc, length: nameLength, hint: "does the recursion reach its base case?")
        }
        let env = Environment(parent: c.environment)
        var bound = Set<String>()
        var nextPositional = 0
        for arg in args {
            if let label = arg.label {
                guard decl.parameters.contains(where: { $0.name == label }) else {
                    throw ScriptError(.argument, "unknown argument '\(label)' for \(decl.signature)", at: arg.location,
                                      length: label.count, hint: Suggest.hint(for: label, in: decl.parameters.map(\.name)))
                }
                if bound.contains(label) {
                    throw ScriptError(.argument, "argument '\(label)' given twice", at: arg.location, length: label.count)
                }
                env.define(label, arg.value); bound.insert(label)
            } else {
                while nextPositional < decl.parameters.count && bound.contains(decl.parameters[nextPositional].name) {
                    nextPositional += 1
                }
                guard nextPositional < decl.parameters.count else {
                    throw ScriptError(.argument, "\(decl.signature) takes \(decl.parameters.count) argument\(decl.parameters.count == 1 ? "" : "s"), got \(args.count)",
                                      at: arg.location)
                }
                let p = decl.parameters[nextPositional]
                env.define(p.name, arg.value); bound.insert(p.name)
                nextPositional += 1
            }
        }
        callDepth += 1
        defer { callDepth -= 1 }
        for p in decl.parameters where !bound.contains(p.name) {
            guard let d = p.defaultValue else {
                throw ScriptError(.argument, "missing argument '\(p.name)' for \(decl.signature)", at: loc, length: nameLength)
            }
            env.define(p.name, try eval(d, env))
        }
        do {
            return try execBlock(decl.body, env)
        } catch let u as Unwind {
            if case .returnValue(let v, _) = u { return v }
            throw u
        }
    }

    private func callBuiltin(_ b: Builtin, _ args: [EvaluatedArgument], _ loc: SourceLocation, _ nameLength: Int) throws -> Value {
        let binding = try b.bind(args.map { ($0.label, $0.value, $0.location) }, at: loc, nameLength: nameLength)
        let (values, locations, given, rest, restLocations) =
            (binding.values, binding.locations, binding.given, binding.rest, binding.restLocations)
        let arguments = Arguments(builtin: b, context: CallContext(interpreter: self, location: loc), values: values,
                                  given: given, rest: rest, restLocations: restLocations, locations: locations)
        do {
            return try b.implementation(arguments)
        } catch var e as ScriptError {
            if e.location == nil { e.location = loc; e.length = nameLength }
            throw e
        } catch let u as Unwind {
            throw u
        } catch let i as Interruption {
            throw ScriptError(.interrupted, i.message, at: loc, length: nameLength)
        } catch {
            throw ScriptError(.engine, Interpreter.describe(error), at: loc, length: nameLength)
        }
    }
}

extension Expr {
    /// The called name, for error underlines and hints.
    var calleeName: String? {
        switch self {
        case .variable(let n, _), .field(_, let n, _): return n
        default: return nil
        }
    }
}
