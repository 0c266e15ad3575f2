/// The one table of builtins: the interpreter calls through it, `help` and tab completion
/// read it, so they never drift.
///
/// Engine builtins live in their own files:
///
///     extension BuiltinRegistry {
///         mutating func registerEngine() {
///             register(Builtin("prune", positional: [Param("net", .handle("model")), ...],
///                              named: [Param("sparsity", .number, default: .number(0.9), range: ParamRange(0...1))],
///                              doc: "...", reference: "...") { args in ... })
///         }
///     }
///     var registry = BuiltinRegistry.core
///     registry.registerEngine()
///     let session = Interpreter(builtins: registry)
public struct BuiltinRegistry {
    private var table: [String: Builtin] = [:]
    /// Names in registration order.
    public private(set) var names: [String] = []
    /// How values display in sessions using this registry (engine builtins name their
    /// percentage fields).
    public var display = DisplayStyle.plain

    /// An empty registry.
    public init() {}

    /// A fresh registry holding the engine-free core builtins (see CoreBuiltins.swift).
    public static var core: BuiltinRegistry {
        var r = BuiltinRegistry()
        r.registerCore()
        return r
    }

    /// Adds a builtin, replacing any with the same name (keeping its place in the order).
    public mutating func register(_ builtin: Builtin) {
        if table[builtin.name] == nil { names.append(builtin.name) }
        table[builtin.name] = builtin
    }

    /// Convenience: `register("twice", positional: [Param("x", .number)], doc: "…") { args in … }`.
    public mutating func register(_ name: String, positional: [Param] = [], variadic: Param? = nil,
                                  named: [Param] = [], doc: String, reference: String? = nil, resultFields: [String]? = nil,
                                  _ implementation: @escaping (Arguments) throws -> Value) {
        register(Builtin(name, positional: positional, variadic: variadic, named: named,
                         doc: doc, reference: reference, resultFields: resultFields, implementation))
    }

    public mutating func remove(_ name: String) {
        table[name] = nil
        names.removeAll { $0 == name }
    }

    public subscript(name: String) -> Builtin? { table[name] }
    public var all: [Builtin] { names.compactMap { table[$0] } }

    /// Builtin names starting with `prefix` (sorted), for tab completion.
    public func completions(prefix: String) -> [String] {
        names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Argument names accepted by `function` with `name:` (positional ones too), for completion.
    public func namedArguments(of function: String) -> [String] {
        table[function]?.argumentNames ?? []
    }

    /// Where a string being typed sits in a call: after `name:`, or as the n-th positional argument.
    public enum ArgumentSlot: Equatable, Sendable {
        case named(String)
        case position(Int)
    }

    /// The string choices of one argument of `function` (model names for `model("`, methods for
    /// `prune(net, "`, schedules for `force(…, schedule: "`), for completion inside a string.
    public func stringChoices(of function: String, at slot: ArgumentSlot) -> [String] {
        guard let b = table[function] else { return [] }
        switch slot {
        case .named(let name): return (b.positional + b.named).first { $0.name == name }?.choices ?? []
        case .position(let n): return n < b.positional.count ? b.positional[n].choices ?? [] : []
        }
    }

    /// What `help()` prints: every builtin with its one-line doc.
    public var index: String {
        let sorted = all.sorted { $0.name < $1.name }
        let width = sorted.map { $0.name.count }.max() ?? 0
        var lines = ["Builtins (help(\"name\") for details):"]
        for b in sorted { lines.append("  " + b.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + b.doc) }
        return lines.joined(separator: "\n")
    }

    /// What `help("name")` prints, or nil for an unknown name.
    public func help(for name: String) -> String? { table[name]?.helpText }
}
