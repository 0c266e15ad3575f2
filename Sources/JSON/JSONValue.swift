/// A JSON document as a value. Objects keep their members in source order so that
/// readers can reject duplicate keys and writers can choose an order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// Numbers keep their source text as well, so integers beyond 2^53 survive a round trip.
    case number(Double, text: String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A number from an integer, with its exact decimal text.
    public static func int(_ v: Int) -> JSONValue { .number(Double(v), text: String(v)) }

    /// A number from a Double; integral values print without a fraction.
    public static func double(_ v: Double) -> JSONValue {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return .number(v, text: String(Int(v))) }
        return .number(v, text: "\(v)")
    }

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var doubleValue: Double? { if case let .number(d, _) = self { return d }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var objectValue: [(key: String, value: JSONValue)]? {
        if case let .object(o) = self { return o }; return nil
    }

    /// The value as an exact integer: only numbers written without fraction or exponent qualify.
    public var intValue: Int? {
        guard case let .number(_, text) = self else { return nil }
        return Int(text)
    }
}
