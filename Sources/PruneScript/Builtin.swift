import Foundation
import Support

/// The type a builtin parameter accepts; checked before the builtin runs.
public indirect enum ParamType: Sendable, Equatable, CustomStringConvertible {
    case any
    case number
    /// A whole number (checked, so `Int` conversion never traps).
    case integer
    case string
    case bool
    case list
    /// A list or a range (what aggregates such as `mean` accept).
    case sequence
    case record
    case table
    case function
    /// An engine handle whose `typeName` is the given name, e.g. `.handle("model")`.
    case handle(String)
    case oneOf([ParamType])
    /// Not evaluated at the call: the builtin receives a zero-argument function that
    /// evaluates the argument expression when called (for `time(expr)`).
    case lazy

    public var description: String {
        switch self {
        case .any: return "any value"
        case .number: return "number"
        case .integer: return "integer"
        case .string: return "string"
        case .bool: return "bool"
        case .list: return "list"
        case .sequence: return "list or range"
        case .record: return "record"
        case .table: return "table"
        case .function: return "function"
        case .handle(let name): return name
        case .oneOf(let types): return types.map(\.description).joined(separator: " or ")
        case .lazy: return "expression"
        }
    }

    public func accepts(_ v: Value) -> Bool {
        switch (self, v) {
        case (.any, _), (.lazy, _): return true
        case (.number, .number), (.string, .string), (.bool, .bool), (.list, .list),
             (.record, .record), (.table, .table), (.function, .function),
             (.sequence, .list), (.sequence, .range):
            return true
        case (.integer, .number(let x)): return exactInt(x) != nil
        case (.handle(let name), .handle(let h)): return h.typeName == name
        case (.oneOf(let types), _): return types.contains { $0.accepts(v) }
        default: return false
        }
    }
}

/// Allowed numeric range of a parameter, e.g. `[0, 1)` for a sparsity.
public struct ParamRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Double?
    public var upper: Double?
    public var lowerInclusive: Bool
    public var upperInclusive: Bool

    public init(lower: Double?, upper: Double?, lowerInclusive: Bool = true, upperInclusive: Bool = true) {
        self.lower = lower; self.upper = upper
        self.lowerInclusive = lowerInclusive; self.upperInclusive = upperInclusive
    }
    /// `[a, b]`
    public init(_ r: ClosedRange<Double>) { self.init(lower: r.lowerBound, upper: r.upperBound) }
    /// `[a, b)`
    public init(_ r: Range<Double>) { self.init(lower: r.lowerBound, upper: r.upperBound, upperInclusive: false) }
    /// `≥ x`
    public static func atLeast(_ x: Double) -> ParamRange { .init(lower: x, upper: nil) }
    /// `> x`
    public static func greaterThan(_ x: Double) -> ParamRange { .init(lower: x, upper: nil, lowerInclusive: false) }

    public func contains(_ x: Double) -> Bool {
        if x.isNaN { return false }
        if let lower, lowerInclusive ? x < lower : x <= lower { return false }
        if let upper, upperInclusive ? x > upper : x >= upper { return false }
        return true
    }

    public var description: String {
        switch (lower, upper) {
        case let (l?, u?): return "\(lowerInclusive ? "[" : "(")\(formatNumber(l)), \(formatNumber(u))\(upperInclusive ? "]" : ")")"
        case let (l?, nil): return "\(lowerInclusive ? ">=" : ">") \(formatNumber(l))"
        case let (nil, u?): return "\(upperInclusive ? "<=" : "<") \(formatNumber(u))"
        default: return "any"
        }
    }
}

/// A builtin parameter: name, type, default (nil = required), allowed range or choices,
/// unit text and a short doc, all shown by `help` and enforced at the call.
public struct Param {
    public var name: String
    public var type: ParamType
    /// nil: required. `.null`: optional, absent unless given.
    public var defaultValue: Value?
    /// Shown in help instead of the default's value, e.g. "session seed".
    public var defaultText: String?
    public var range: ParamRange?
    public var choices: [String]?
    public var unit: String?
    public var doc: String?

    public init(_ name: String, _ type: ParamType = .any, default defaultValue: Value? = nil,
                defaultText: String? = nil, range: ParamRange? = nil, choices: [String]? = nil,
                unit: String? = nil, doc: String? = nil) {
        self.name = name; self.type = type; self.defaultValue = defaultValue; self.defaultText = defaultText
        self.range = range; self.choices = choices; self.unit = unit; self.doc = doc
    }

    /// A string parameter whose choices are the raw values of an enum's `allCases`, so help,
    /// completion and checking follow the Swift type: `Param("ties", TieRule.self, default: .exact)`.
    /// A nil default makes it required.
    public init<Choice: CaseIterable & RawRepresentable>(_ name: String, _ choices: Choice.Type, default defaultChoice: Choice?,
                                                         unit: String? = nil, doc: String? = nil) where Choice.RawValue == String {
        self.init(name, .string, default: defaultChoice.map { .string($0.rawValue) },
                  choices: Choice.allCases.map(\.rawValue), unit: unit, doc: doc)
    }

    public var isRequired: Bool { defaultValue == nil }

    var defaultDescription: String? {
        if let defaultText { return defaultText }
        return defaultValue.map { $0.repr }
    }

    /// `"number in [0, 1), fraction of weights removed"` etc.
    var typeDescription: String {
        var s = type.description
        if let range {
            let text = range.description
            s += text.hasPrefix("[") || text.hasPrefix("(") ? " in \(text)" : " \(text)"
        }
        if let choices { s += ", one of " + choices.map { quote($0) }.joined(separator: ", ") }
        return s
    }
}

/// A function implemented in Swift. Engine builtins are made the same way in other files
/// and added with `BuiltinRegistry.register`.
public final class Builtin {
    public let name: String
    /// Parameters filled by position (or by name).
    public let positional: [Param]
    /// Extra positional arguments (`print(a, b, c)`), all of this parameter's type.
    public let variadic: Param?
    /// Keyword-only parameters (`sparsity: 0.9`).
    public let named: [Param]
    /// One line for `help()`.
    public let doc: String
    /// Paper reference shown by `help(name)`.
    public let reference: String?
    public let implementation: (Arguments) throws -> Value
    /// For a builtin that returns a record: every field it can have, so the static checker can
    /// flag `r.acuracy` on `r = train(...)`; nil when the result is not such a record.
    public let resultFields: [String]?

    public init(_ name: String, positional: [Param] = [], variadic: Param? = nil, named: [Param] = [],
                doc: String, reference: String? = nil, resultFields: [String]? = nil,
                _ implementation: @escaping (Arguments) throws -> Value) {
        self.name = name; self.positional = positional; self.variadic = variadic; self.named = named
        self.doc = doc; self.reference = reference; self.resultFields = resultFields
        self.implementation = implementation
    }

    /// Every parameter name accepted with `name:` (positional ones too).
    public var argumentNames: [String] { positional.map(\.name) + named.map(\.name) }

    /// `prune(net, method, data, sparsity: 0.9, steps: 60)`
    public var signature: String {
        var parts: [String] = positional.map { p in
            p.isRequired ? p.name : "\(p.name) = \(p.defaultDescription ?? "nil")"
        }
        if let v = variadic { parts.append("\(v.name)...") }
        parts += named.map { p in
            if let d = p.defaultDescription { return "\(p.name): \(d)" }
            return "\(p.name): <\(p.type)>"
        }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }

    /// The text `help("name")` prints: signature, doc, each argument's type, range, unit,
    /// default, and the reference.
    public var helpText: String {
        var lines = [signature, "  " + doc]
        let all = positional + (variadic.map { [$0] } ?? []) + named
        if !all.isEmpty {
            lines.append("  Arguments:")
            let width = all.map { $0.name.count }.max() ?? 0
            for p in all {
                var s = "    " + p.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + p.typeDescription
                if let unit = p.unit { s += " (\(unit))" }
                if let doc = p.doc { s += ": \(doc)" }
                if p.isRequired { s += "; required" }
                else if let d = p.defaultDescription, !(p.defaultValue?.isNil ?? false) || p.defaultText != nil {
                    s += "; default \(d)"
                } else { s += "; optional" }
                lines.append(s)
            }
        }
        if let reference { lines.append("  Reference: \(reference)") }
        return lines.joined(separator: "\n")
    }
}

extension Builtin {
    /// Call arguments bound to parameters: values by name (defaults filled in), where each was
    /// written, which were given, and the variadic extras.
    struct Binding {
        var values: [String: Value] = [:]
        var locations: [String: SourceLocation] = [:]
        var given = Set<String>()
        var rest: [Value] = []
        var restLocations: [SourceLocation] = []
    }

    /// Binds a call's arguments to the parameters, checking names, counts and, for every value
    /// that is known, its type, range and choices: the interpreter's binding, and the static
    /// checker's (which knows literal values only and passes nil for the rest).
    func bind(_ args: [(label: String?, value: Value?, location: SourceLocation)], at loc: SourceLocation,
              nameLength: Int) throws -> Binding {
        var binding = Binding()
        var nextPositional = 0

        func check(_ p: Param, _ v: Value?, _ at: SourceLocation) throws {
            guard let v else { return }
            if v.isNil && !p.isRequired && (p.defaultValue?.isNil ?? false) { return }
            guard p.type.accepts(v) else {
                var got = v.typeName
                if case .number(let x) = v, p.type == .integer { got = formatNumber(x) }
                throw ScriptError(.type, "argument '\(p.name)' of \(name): expected \(p.type), got \(got)", at: at,
                                  length: p.name.count)
            }
            if let range = p.range, case .number(let x) = v, !range.contains(x) {
                throw ScriptError(.value, "argument '\(p.name)' of \(name) must be \(range.description.hasPrefix("[") || range.description.hasPrefix("(") ? "in " : "")\(range), got \(formatNumber(x))",
                                  at: at, length: p.name.count)
            }
            if let choices = p.choices, case .string(let s) = v, !choices.contains(s) {
                throw ScriptError(.value, "argument '\(p.name)' of \(name) must be one of \(choices.map { quote($0) }.joined(separator: ", ")), got \(quote(s))",
                                  at: at, length: p.name.count, hint: Suggest.closest(to: s, in: choices).map { "did you mean \(quote($0))?" })
            }
        }

        for arg in args {
            if let label = arg.label {
                guard let p = (positional + named).first(where: { $0.name == label }) else {
                    let names = argumentNames
                    throw ScriptError(.argument, "unknown argument '\(label)' for \(name)", at: arg.location, length: label.count,
                                      hint: Suggest.hint(for: label, in: names)
                                          ?? (names.isEmpty ? "\(name) takes no named arguments" : "\(name) takes: " + names.joined(separator: ", ")))
                }
                if binding.given.contains(label) {
                    throw ScriptError(.argument, "argument '\(label)' given twice", at: arg.location, length: label.count)
                }
                try check(p, arg.value, arg.location)
                binding.values[label] = arg.value ?? .null
                binding.locations[label] = arg.location
                binding.given.insert(label)
            } else {
                while nextPositional < positional.count && binding.given.contains(positional[nextPositional].name) {
                    nextPositional += 1
                }
                if nextPositional < positional.count {
                    let p = positional[nextPositional]
                    try check(p, arg.value, arg.location)
                    binding.values[p.name] = arg.value ?? .null
                    binding.locations[p.name] = arg.location
                    binding.given.insert(p.name)
                    nextPositional += 1
                } else if let v = variadic {
                    try check(v, arg.value, arg.location)
                    binding.rest.append(arg.value ?? .null)
                    binding.restLocations.append(arg.location)
                } else {
                    let n = positional.count
                    throw ScriptError(.argument, "\(name) takes \(n) positional argument\(n == 1 ? "" : "s"), got more",
                                      at: arg.location, hint: "signature: \(signature)")
                }
            }
        }
        for p in positional + named where !binding.given.contains(p.name) {
            guard let d = p.defaultValue else {
                throw ScriptError(.argument, "missing argument '\(p.name)' for \(name)", at: loc, length: nameLength,
                                  hint: "signature: \(signature)")
            }
            binding.values[p.name] = d
        }
        return binding
    }
}

/// What a builtin receives: its bound arguments (defaults filled in, types and ranges
/// already checked) and the calling context.
public struct Arguments {
    public let builtin: Builtin
    public let context: CallContext
    /// Bound values by parameter name (positional and named), defaults included.
    public let values: [String: Value]
    /// Names the caller actually passed (not defaulted).
    public let given: Set<String>
    /// Variadic extras.
    public let rest: [Value]
    public let restLocations: [SourceLocation]
    let locations: [String: SourceLocation]
    public var callLocation: SourceLocation { context.location }

    /// The argument's value, `.null` when absent.
    public subscript(name: String) -> Value { values[name] ?? .null }
    public func has(_ name: String) -> Bool { !(values[name]?.isNil ?? true) }

    public func number(_ name: String) throws -> Double {
        guard case .number(let x) = self[name] else { throw typeError(name, "number") }
        return x
    }
    public func int(_ name: String) throws -> Int {
        guard case .number(let x) = self[name], let i = exactInt(x) else { throw typeError(name, "integer") }
        return i
    }
    public func string(_ name: String) throws -> String {
        guard case .string(let s) = self[name] else { throw typeError(name, "string") }
        return s
    }
    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = self[name] else { throw typeError(name, "bool") }
        return b
    }
    /// A string argument as the enum case with that raw value (the registry checked the choices).
    public func choice<Choice: RawRepresentable>(_ name: String, as type: Choice.Type) throws -> Choice where Choice.RawValue == String {
        let text = try string(name)
        guard let value = Choice(rawValue: text) else {
            throw error(.value, "argument '\(name)' of \(builtin.name): unknown choice \(quote(text))", argument: name)
        }
        return value
    }
    public func list(_ name: String) throws -> ListStorage {
        guard case .list(let l) = self[name] else { throw typeError(name, "list") }
        return l
    }
    public func handle<H: ScriptHandle>(_ name: String, as type: H.Type) throws -> H {
        guard case .handle(let h) = self[name], let typed = h as? H else { throw typeError(name, "\(H.self)") }
        return typed
    }

    /// Where the named argument was written (the call site when defaulted).
    public func location(of name: String) -> SourceLocation { locations[name] ?? callLocation }

    /// An error pointing at an argument (or at the call).
    public func error(_ kind: ScriptError.Kind, _ message: String, argument: String? = nil, hint: String? = nil) -> ScriptError {
        ScriptError(kind, message, at: argument.map { location(of: $0) } ?? callLocation, hint: hint)
    }

    private func typeError(_ name: String, _ expected: String) -> ScriptError {
        error(.type, "argument '\(name)' of \(builtin.name): expected \(expected), got \(self[name].typeName)", argument: name)
    }
}

/// The session as a builtin sees it: output, figures, the seed, cancellation, callbacks.
public struct CallContext {
    unowned let interpreter: Interpreter
    /// Where the call is written.
    public let location: SourceLocation

    /// The session seed set by `seed(n)` (0 until set).
    public var seed: UInt64 {
        get { interpreter.seed }
        nonmutating set { interpreter.seed = newValue }
    }
    /// A value as `print` shows it (the session's display style, strings unquoted).
    public func text(_ value: Value) -> String { value.text(interpreter.builtins.display) }
    /// Writes a line (a newline is appended) to the cell's standard output.
    public func print(_ line: String) { interpreter.emit(.stdout(line + "\n")) }
    /// Writes text as is to the cell's standard output.
    public func write(_ text: String) { interpreter.emit(.stdout(text)) }
    public func warn(_ message: String) { interpreter.emit(.warning(message)) }
    /// A one-line account of the call on standard error (kept in the transcript): what was
    /// done and measured, never wall-clock times, so replays stay identical.
    public func note(_ line: String) { interpreter.emit(.note(line)) }
    /// Emits a figure or other rich output.
    public func display(_ item: DisplayItem) { interpreter.emit(.display(item)) }
    public var cancellation: CancellationToken { interpreter.cancellation }
    public var isCancelled: Bool { interpreter.cancellation.isCancelled }
    /// For a builtin whose engine loop was interrupted (Ctrl-C) but that has a partial result:
    /// returns `partial` for the builtin to return, so that `r = train(...)` still binds it, and
    /// the cell then stops with one `Interrupted` error carrying `message`.
    public func interrupted(_ message: String, partial: Value) -> Value {
        interpreter.pendingInterruption = (message, partial)
        return partial
    }
    /// Throws `Interrupted` if Ctrl-C was pressed: call between batches.
    public func checkCancelled() throws {
        if interpreter.cancellation.isCancelled { throw ScriptError(.interrupted, "interrupted", at: location) }
    }
    /// Calls a script or builtin function (e.g. a `by:` key function).
    public func call(_ function: Value, _ arguments: [Value], named: [(String, Value)] = []) throws -> Value {
        try interpreter.callValue(function, arguments, named: named, at: location)
    }
    public var registry: BuiltinRegistry { interpreter.builtins }
    public var limits: Interpreter.Limits { interpreter.limits }
}
