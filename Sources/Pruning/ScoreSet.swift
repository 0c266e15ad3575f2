import NeuralNet
import Tensor

/// One saliency score per prunable weight, by tensor name (in the network's prunable order).
///
/// Scores computed in Double (`ScorePrecision.double`) keep their Double values beside the Float
/// tensors: the tensors serve reports and files, the Doubles decide the ranking.
public struct ScoreSet: Sendable {
    public var entries: [(name: String, scores: Tensor)] {
        didSet { doubleScores = nil }   // edited scores: the Float values are the scores now
    }
    /// The scores in Double, entry by entry, when they were computed in Double; nil otherwise.
    /// Changing `entries` drops them.
    public private(set) var doubleScores: [[Double]]?

    public init(entries: [(name: String, scores: Tensor)]) { self.entries = entries }

    /// Scores computed in Double, with their shapes; `entries` hold them rounded to Float.
    public init(doubleEntries: [(name: String, shape: [Int], scores: [Double])]) {
        entries = doubleEntries.map { ($0.name, Tensor(shape: $0.shape, scalars: $0.scores.map { Float($0) })) }
        doubleScores = doubleEntries.map(\.scores)
    }

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

    /// The scores of entry `i` in Double: the Double scores, or the Float ones widened (exactly,
    /// so their order and ties are unchanged).
    public func scoresInDouble(entry i: Int) -> [Double] {
        doubleScores?[i] ?? entries[i].scores.scalars.map { Double($0) }
    }

    /// All scores in Double, concatenated in entry order (see `scoresInDouble(entry:)`).
    public var flatDouble: [Double] {
        var out: [Double] = []
        out.reserveCapacity(total)
        for i in entries.indices { out += scoresInDouble(entry: i) }
        return out
    }

    /// Negated scores (GraSP keeps the lowest).
    public func negated() -> ScoreSet {
        var out = ScoreSet(entries: entries.map { ($0.name, $0.scores.map { -$0 }) })
        out.doubleScores = doubleScores?.map { $0.map { -$0 } }
        return out
    }

    /// An empty (all-kept) mask with these names and shapes.
    func maskTemplate() -> Mask {
        Mask(entries: entries.map { Mask.Entry(name: $0.name, shape: $0.scores.shape, bits: [UInt8](repeating: 0, count: $0.scores.count)) })
    }
}
