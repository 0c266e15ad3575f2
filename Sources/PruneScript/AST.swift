/// The PruneScript syntax tree: indirect enums, every node carrying its source location.
/// The interpreter is a `switch` over these (no visitor protocol).

public enum BinaryOp: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "**"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    /// Intersection and union of engine values (masks): no meaning for numbers.
    case intersect = "&", union = "|"
}

public enum LogicalOp: String, Sendable { case and, or }

public enum UnaryOp: String, Sendable { case negate = "-", not, complement = "~" }

/// A call argument: positional (`label == nil`) or named (`f(x, sparsity: 0.9)`).
public struct CallArgument: Sendable {
    public var label: String?
    public var value: Expr
    public var location: SourceLocation
}

/// A record literal entry `key: value`.
public struct RecordEntry: Sendable {
    public var key: String
    public var value: Expr
    public var location: SourceLocation
}

/// A piece of an interpolated string.
public enum InterpolationPart: Sendable {
    case text(String)
    case expr(Expr)
}

/// A function parameter; `defaultValue` makes it optional (evaluated at call time).
public struct FunctionParameter: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var location: SourceLocation
}

/// A `fn` declaration or anonymous function. A class so closures share the body.
public final class FunctionDecl: Sendable {
    public let name: String?
    public let parameters: [FunctionParameter]
    public let body: [Stmt]
    public let location: SourceLocation

    init(name: String?, parameters: [FunctionParameter], body: [Stmt], location: SourceLocation) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.location = location
    }

    var signature: String {
        let ps = parameters.map { $0.defaultValue == nil ? $0.name : "\($0.name): …" }
        return "\(name ?? "fn")(\(ps.joined(separator: ", ")))"
    }
}

/// One `if`/`else if` branch.
public struct IfBranch: Sendable {
    public var condition: Expr
    public var body: [Stmt]
}

public indirect enum Expr: Sendable {
    case number(Double, SourceLocation)
    case string(String, SourceLocation)
    case interpolated([InterpolationPart], SourceLocation)
    case bool(Bool, SourceLocation)
    case nilLiteral(SourceLocation)
    case variable(String, SourceLocation)
    case list([Expr], SourceLocation)
    case record([RecordEntry], SourceLocation)
    case unary(UnaryOp, Expr, SourceLocation)
    /// The location is the operator's.
    case binary(BinaryOp, Expr, Expr, SourceLocation)
    case logical(LogicalOp, Expr, Expr, SourceLocation)
    case range(Expr, Expr, inclusive: Bool, SourceLocation)
    /// Callee, arguments, location of the callee's start.
    case call(Expr, [CallArgument], SourceLocation)
    /// Location of the `[`.
    case index(Expr, Expr, SourceLocation)
    /// Location of the field name.
    case field(Expr, String, SourceLocation)
    case function(FunctionDecl)
    /// `if c { } else if d { } else { }`: value is the taken branch's last expression, or nil.
    case ifElse([IfBranch], elseBody: [Stmt]?, SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .number(_, let l), .string(_, let l), .interpolated(_, let l), .bool(_, let l),
             .nilLiteral(let l), .variable(_, let l), .list(_, let l), .record(_, let l),
             .unary(_, _, let l), .binary(_, _, _, let l), .logical(_, _, _, let l),
             .range(_, _, _, let l), .call(_, _, let l), .index(_, _, let l), .field(_, _, let l),
             .ifElse(_, _, let l):
            return l
        case .function(let d): return d.location
        }
    }

    /// Where an error about this whole expression should point: the leftmost position.
    public var startLocation: SourceLocation {
        switch self {
        case .binary(_, let l, _, _), .logical(_, let l, _, _), .range(let l, _, _, _),
             .index(let l, _, _), .field(let l, _, _), .call(let l, _, _):
            return l.startLocation
        default: return location
        }
    }
}

/// Where an assignment stores its value.
public enum AssignTarget: Sendable {
    case variable(String, SourceLocation)
    case index(Expr, Expr, SourceLocation)
    case field(Expr, String, SourceLocation)
}

public enum Stmt: Sendable {
    case expression(Expr)
    /// `x = v`, `let x = v`, `xs[i] += v`, `r.a = v`. `op` is set for compound assignment.
    case assign(AssignTarget, op: BinaryOp?, Expr, isLet: Bool, SourceLocation)
    case function(FunctionDecl)
    case forLoop(variable: String, iterable: Expr, body: [Stmt], SourceLocation)
    case whileLoop(condition: Expr, body: [Stmt], SourceLocation)
    case breakLoop(SourceLocation)
    case continueLoop(SourceLocation)
    case returnValue(Expr?, SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .expression(let e): return e.startLocation
        case .assign(_, _, _, _, let l), .forLoop(_, _, _, let l), .whileLoop(_, _, let l),
             .breakLoop(let l), .continueLoop(let l), .returnValue(_, let l):
            return l
        case .function(let d): return d.location
        }
    }
}

/// A parsed cell: its statements, and whether the last one ends in `;` (result hidden).
public struct Program: Sendable {
    public var statements: [Stmt]
    public var suppressesResult: Bool
}
