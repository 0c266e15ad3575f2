import NeuralNet
import Tensor

/// One saliency score per prunable weight, by tensor name (in the network's prunable order).
public struct ScoreSet: Sendable {
    public var entries: [(name: String, scores: Tensor)]

    public init(entries: [(name: String, scores: Tensor)]) { self.entries = entries }

    public var names: [String] { entries.map(\.name) }
    public var total: Int { entries.reduce(0) { $0 + $1.scores.count } }

    public func scores(_ name: String) -> Tensor? { entries.first { $0.name == name }?.scores }

    /// All scores concatenated in entry order.
    public var flat: [Float] {
        var out: [Float] = []
        out.reserveCapacity(total)
        for e in entries { out += e.scores.scalars }
        return out
    }

    /// Negated scores (GraSP keeps the lowest).
    public func negated() -> ScoreSet {
        ScoreSet(entries: entries.map { ($0.name, $0.scores.map { -$0 }) })
    }

    /// An empty (all-kept) mask with these names and shapes.
    func maskTemplate() -> Mask {
        Mask(entries: entries.map { Mask.Entry(name: $0.name, shape: $0.scores.shape, bits: [UInt8](repeating: 0, count: $0.scores.count)) })
    }
}
