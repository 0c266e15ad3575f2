/// A static pass over a notebook's code cells, run in order as one session would run them,
/// before anything runs (`prunebook check`). It reports what is certain to fail:
///
/// - syntax errors (every one, as the parser finds them);
/// - names that no cell binds and that are no builtin (`froce(…)`);
/// - calls of builtins with unknown or repeated named arguments, too many positional ones or a
///   missing required one, and literal arguments of the wrong type, out of range or not among
///   the choices (`sparsity: 1.5`, `schedule: "cos"`), with the interpreter's own messages;
/// - fields that a record cannot have: `r.acuracy` where `r` is bound once, to a record literal
///   or to a builtin that declares its result's fields (`train`).
///
/// It never guesses: a name bound anywhere inside a loop or function counts as bound there, a
/// name bound in any cell counts inside function bodies (they may run later), and a variable
/// assigned more than once has no known fields.
public struct Checker {
    public let registry: BuiltinRegistry

    public init(registry: BuiltinRegistry) { self.registry = registry }

    /// Findings per cell (cell k is numbered k + 1, as `run` numbers them), in source order.
    public func check(cells: [String]) -> [[ScriptError]] {
        let parsed = cells.enumerated().map { k, source in runOnLargeStack { Parser.parse(source, cell: k + 1) } }
        var pass = Pass(registry: registry)
        for (program, _) in parsed {
            guard let program else { continue }
            for stmt in program.statements { Pass.collect(stmt, into: &pass.everywhere, counts: &pass.assignments, fieldTargets: &pass.fieldTargets) }
        }
        var out: [[ScriptError]] = []
        var broken = false
        for (program, errors) in parsed {
            guard let program else {
                out.append(errors)
                broken = true   // names it binds are unknown: stop judging names, keep judging calls
                continue
            }
            pass.judgeNames = !broken
            pass.findings = []
            runOnLargeStack { for stmt in program.statements { pass.statement(stmt, topLevel: true) } }
            out.append(pass.findings)
        }
        return out
    }
}

/// The walk itself: what is bound where, and the findings of the current cell.
private struct Pass {
    let registry: BuiltinRegistry
    /// Every name any cell binds (assignment, let, fn, for, parameters).
    var everywhere = Set<String>()
    /// How often each variable is assigned in the whole notebook.
    var assignments: [String: Int] = [:]
    /// Variables whose fields are assigned (`r.x = 1`): their fields are not known.
    var fieldTargets = Set<String>()
    /// Names bound so far at the top level, in running order.
    var known = Set<String>()
    /// Names bound in the loops and functions being walked, innermost last.
    var scopes: [Set<String>] = []
    /// Inside a function body (which may run after later cells bound more names).
    var functionDepth = 0
    /// The fields of records whose variable is bound once.
    var fields: [String: (fields: [String], origin: String)] = [:]
    var judgeNames = true
    var findings: [ScriptError] = []

    init(registry: BuiltinRegistry) { self.registry = registry }

    // MARK: - What a statement binds

    static func collect(_ stmt: Stmt, into names: inout Set<String>, counts: inout [String: Int], fieldTargets: inout Set<String>) {
        switch stmt {
        case .assign(let target, _, let value, _, _):
            switch target {
            case .variable(let n, _):
                names.insert(n)
                counts[n, default: 0] += 1
            case .field(.variable(let n, _), _, _): fieldTargets.insert(n)
            case .index(.variable(let n, _), _, _): fieldTargets.insert(n)
            default: break
            }
            collect(value, into: &names, counts: &counts, fieldTargets: &fieldTargets)
        case .function(let d):
            if let n = d.name { names.insert(n); counts[n, default: 0] += 1 }
            collect(function: d, into: &names, counts: &counts, fieldTargets: &fieldTargets)
        case .forLoop(let v, let iterable, let body, _):
            names.insert(v)
            counts[v, default: 0] += 2   // takes several values
            collect(iterable, into: &names, counts: &counts, fieldTargets: &fieldTargets)
            for s in body { collect(s, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .whileLoop(let c, let body, _):
            collect(c, into: &names, counts: &counts, fieldTargets: &fieldTargets)
            for s in body { collect(s, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .expression(let e): collect(e, into: &names, counts: &counts, fieldTargets: &fieldTargets)
        case .returnValue(let e, _): if let e { collect(e, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .breakLoop, .continueLoop: break
        }
    }

    static func collect(function d: FunctionDecl, into names: inout Set<String>, counts: inout [String: Int], fieldTargets: inout Set<String>) {
        for p in d.parameters { names.insert(p.name); counts[p.name, default: 0] += 2 }
        for s in d.body { collect(s, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
    }

    /// Functions and `if` blocks inside expressions bind names too.
    static func collect(_ e: Expr, into names: inout Set<String>, counts: inout [String: Int], fieldTargets: inout Set<String>) {
        switch e {
        case .function(let d): collect(function: d, into: &names, counts: &counts, fieldTargets: &fieldTargets)
        case .ifElse(let branches, let elseBody, _):
            for b in branches { for s in b.body { collect(s, into: &names, counts: &counts, fieldTargets: &fieldTargets) } }
            for s in elseBody ?? [] { collect(s, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .call(let callee, let args, _):
            collect(callee, into: &names, counts: &counts, fieldTargets: &fieldTargets)
            for a in args { collect(a.value, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .list(let items, _): for i in items { collect(i, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        case .record(let entries, _): for r in entries { collect(r.value, into: &names, counts: &counts, fieldTargets: &fieldTargets) }
        default: break
        }
    }

    /// Names bound anywhere inside `body` (a loop's or a function's).
    static func bound(in body: [Stmt]) -> Set<String> {
        var names = Set<String>(), counts: [String: Int] = [:], targets = Set<String>()
        for s in body { collect(s, into: &names, counts: &counts, fieldTargets: &targets) }
        return names
    }

    // MARK: - Walking

    mutating func statement(_ stmt: Stmt, topLevel: Bool) {
        switch stmt {
        case .expression(let e): expression(e)
        case .assign(let target, let op, let value, _, _):
            expression(value)
            switch target {
            case .variable(let n, let loc):
                if op != nil { use(n, loc) }
                bind(n)
                if topLevel, functionDepth == 0, scopes.isEmpty, assignments[n] == 1, !fieldTargets.contains(n),
                   let shape = recordFields(of: value) {
                    fields[n] = shape
                } else if !scopes.isEmpty || functionDepth > 0 || assignments[n] != 1 {
                    fields[n] = nil
                }
            case .index(let base, let index, _):
                expression(base)
                expression(index)
            case .field(let base, _, _):
                expression(base)
            }
        case .function(let d):
            if let n = d.name { bind(n) }
            function(d)
        case .forLoop(let v, let iterable, let body, _):
            expression(iterable)
            block(body, extra: [v])
            bind(v)
        case .whileLoop(let c, let body, _):
            scopes.append(Pass.bound(in: body))
            expression(c)
            scopes.removeLast()
            block(body, extra: [])
        case .returnValue(let e, _): if let e { expression(e) }
        case .breakLoop, .continueLoop: break
        }
    }

    /// A loop body: every name bound anywhere in it counts as bound in all of it (iterations).
    mutating func block(_ body: [Stmt], extra: Set<String>) {
        scopes.append(Pass.bound(in: body).union(extra))
        for s in body { statement(s, topLevel: false) }
        let inner = scopes.removeLast()
        if scopes.isEmpty && functionDepth == 0 { known.formUnion(inner) }
    }

    mutating func function(_ d: FunctionDecl) {
        for p in d.parameters { if let e = p.defaultValue { expression(e) } }
        functionDepth += 1
        scopes.append(Pass.bound(in: d.body).union(d.parameters.map(\.name)))
        for s in d.body { statement(s, topLevel: false) }
        scopes.removeLast()
        functionDepth -= 1
    }

    mutating func bind(_ name: String) {
        if scopes.isEmpty && functionDepth == 0 { known.insert(name) }
    }

    mutating func expression(_ e: Expr) {
        switch e {
        case .number, .string, .bool, .nilLiteral: break
        case .interpolated(let parts, _):
            for case .expr(let x) in parts { expression(x) }
        case .variable(let n, let loc): use(n, loc)
        case .list(let items, _): for i in items { expression(i) }
        case .record(let entries, _): for r in entries { expression(r.value) }
        case .unary(_, let x, _): expression(x)
        case .logical(let op, .bool(let x, _), _, _) where (op == .and) != x:
            break   // `false and …`, `true or …`: the right side never runs
        case .binary(_, let a, let b, _), .logical(_, let a, let b, _), .range(let a, let b, _, _), .index(let a, let b, _):
            expression(a)
            expression(b)
        case .call(let callee, let args, let loc):
            expression(callee)
            for a in args { expression(a.value) }
            if case .variable(let n, _) = callee, !everywhere.contains(n), let b = registry[n] {
                call(b, args, loc, nameLength: n.count)
            }
        case .field(let base, let name, let loc):
            expression(base)
            if case .variable(let v, _) = base, let shape = fields[v], !shape.fields.contains(name) {
                findings.append(ScriptError(.key, "no field '\(name)' in the result of \(shape.origin)", at: loc, length: name.count,
                                            hint: Suggest.hint(for: name, in: shape.fields) ?? "fields: " + shape.fields.joined(separator: ", ")))
            }
        case .function(let d): function(d)
        case .ifElse(let branches, let elseBody, _):
            for b in branches {
                expression(b.condition)
                for s in b.body { statement(s, topLevel: false) }
            }
            for s in elseBody ?? [] { statement(s, topLevel: false) }
            // a name bound in a branch counts as bound after the if (the branch may have run)
            if scopes.isEmpty && functionDepth == 0 {
                for b in branches { known.formUnion(Pass.bound(in: b.body)) }
                known.formUnion(Pass.bound(in: elseBody ?? []))
            }
        }
    }

    /// A name read: bound before, by a builtin, by the session (`_`, `Out`, `_3`), by an
    /// enclosing loop or function, or (in a function body) by any cell.
    mutating func use(_ name: String, _ loc: SourceLocation) {
        guard judgeNames else { return }
        if known.contains(name) || registry[name] != nil || Pass.isSessionName(name) { return }
        if scopes.contains(where: { $0.contains(name) }) { return }
        if functionDepth > 0 && everywhere.contains(name) { return }
        var candidates = known.union(registry.names)
        for s in scopes { candidates.formUnion(s) }
        findings.append(ScriptError(.name, "unknown name '\(name)'", at: loc, length: name.count,
                                    hint: Suggest.hint(for: name, in: candidates)))
    }

    static func isSessionName(_ name: String) -> Bool {
        if ["_", "__", "___", "Out"].contains(name) { return true }
        return name.hasPrefix("_") && name.count > 1 && name.dropFirst().allSatisfy(\.isNumber)
    }

    /// The builtin's own argument checks on what is known statically: labels, counts, literals.
    mutating func call(_ b: Builtin, _ args: [CallArgument], _ loc: SourceLocation, nameLength: Int) {
        do {
            _ = try b.bind(args.map { ($0.label, Pass.literal($0.value), $0.location) }, at: loc, nameLength: nameLength)
        } catch let e as ScriptError {
            findings.append(e)
        } catch {}
    }

    /// The value of a literal expression (numbers, strings, bools, nil, and the kind of a list or
    /// record literal), or nil when only running it would tell.
    static func literal(_ e: Expr) -> Value? {
        switch e {
        case .number(let x, _): return .number(x)
        case .unary(.negate, .number(let x, _), _): return .number(-x)
        case .string(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .nilLiteral: return .null
        case .list: return .list(ListStorage())
        case .record: return .record(RecordStorage())
        case .interpolated: return nil   // a string, but its text decides choices
        default: return nil
        }
    }

    /// The fields a value will have when it is a record literal or a call of a builtin that
    /// declares its result's fields.
    func recordFields(of e: Expr) -> (fields: [String], origin: String)? {
        switch e {
        case .record(let entries, _): return (entries.map(\.key), "the record")
        case .call(.variable(let n, _), _, _):
            guard !everywhere.contains(n), let f = registry[n]?.resultFields else { return nil }
            return (f, "\(n)(…)")
        default: return nil
        }
    }
}
