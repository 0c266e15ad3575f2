import Foundation
import PruneScript
import Tensor

/// One tensor in a script (a layer's scores, for now): shown as numpy summarises a large array
/// (name, shape, dtype, min / mean / max and the first values), never dumped; `t.values` gives
/// the numbers as a list.
package final class TensorHandle: ScriptHandle {
    package let name: String
    package let tensor: Tensor<Float>

    package init(_ tensor: Tensor<Float>, name: String) {
        self.tensor = tensor
        self.name = name
    }

    /// Values shown after the statistics.
    static let shown = 4

    package var typeName: String { "tensor" }
    package var displayText: String {
        let shape = tensor.shape.map(String.init).joined(separator: "×")
        let v = tensor.scalars
        guard !v.isEmpty else { return "<tensor \(name) \(shape) float32: empty>" }
        let head = v.prefix(Self.shown).map { formatSignificant(Double($0)) }.joined(separator: ", ")
        return "<tensor \(name) \(shape) float32: min \(formatSignificant(minimum)), mean \(formatSignificant(mean)), "
            + "max \(formatSignificant(maximum)); \(head)\(v.count > Self.shown ? ", …" : "")>"
    }
    package var fieldNames: [String] { ["name", "shape", "count", "min", "mean", "max", "values"] }
    package func field(_ field: String) throws -> Value? {
        switch field {
        case "name": return .string(name)
        case "shape": return .list(ListStorage(tensor.shape.map { .number(Double($0)) }))
        case "count": return .number(Double(tensor.count))
        case "min": return .number(minimum)
        case "mean": return .number(mean)
        case "max": return .number(maximum)
        case "values": return .list(ListStorage(tensor.scalars.map { .number(Double($0)) }))
        default: return nil
        }
    }

    var minimum: Double { Double(tensor.scalars.min() ?? 0) }
    var maximum: Double { Double(tensor.scalars.max() ?? 0) }
    var mean: Double { tensor.count == 0 ? 0 : tensor.scalars.reduce(0.0) { $0 + Double($1) } / Double(tensor.count) }
}

extension TensorHandle {
    /// Tensor arithmetic, elementwise in Double and stored as float32: `a + b`, `a * b` (same shape),
    /// `2 * a`, `a / a.max`, `a ** 2`, `-a`.
    package func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        guard let f = TensorHandle.arithmetic(op) else { return nil }
        let mine = tensor.scalars.map { Double($0) }
        let theirs: [Double]
        let otherName: String
        switch other {
        case .number(let x):
            theirs = Array(repeating: x, count: mine.count)
            otherName = formatSignificant(x)
        case .handle(let h as TensorHandle):
            guard h.tensor.shape == tensor.shape else {
                throw ScriptError(.value, "'\(op.rawValue)' needs tensors of the same shape: \(TensorHandle.shapeText(tensor.shape)) and \(TensorHandle.shapeText(h.tensor.shape))")
            }
            theirs = h.tensor.scalars.map { Double($0) }
            otherName = h.name
        default:
            return nil
        }
        let values = zip(mine, theirs).map { selfIsLeft ? f($0, $1) : f($1, $0) }
        let name = selfIsLeft ? "\(self.name) \(op.rawValue) \(otherName)" : "\(otherName) \(op.rawValue) \(self.name)"
        return .handle(TensorHandle(Tensor(shape: tensor.shape, scalars: values.map { Float($0) }), name: name))
    }

    package func apply(_ op: UnaryOp) throws -> Value? {
        guard op == .negate else { return nil }
        return .handle(TensorHandle(tensor.map { -$0 }, name: "-\(name)"))
    }

    /// `abs(t)`, `sqrt(t)`, `log(t)`… elementwise (in Double, stored as float32).
    package func map(_ function: String, _ f: (Double) -> Double) throws -> Value? {
        .handle(TensorHandle(tensor.map { Float(f(Double($0))) }, name: "\(function)(\(name))"))
    }

    /// The binary operators that act elementwise on numbers.
    static func arithmetic(_ op: BinaryOp) -> ((Double, Double) -> Double)? {
        switch op {
        case .add: return (+)
        case .subtract: return (-)
        case .multiply: return (*)
        case .divide: return (/)
        case .power: return { Foundation.pow($0, $1) }
        default: return nil
        }
    }

    static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
}
