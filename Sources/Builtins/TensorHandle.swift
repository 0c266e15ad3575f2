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
