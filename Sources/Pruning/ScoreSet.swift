import NeuralNet
import Tensor

/// One saliency score per prunable weight, by tensor name (in the network's prunable order),
/// stored once, in the precision that ranks them: `Float` for scores the float32 engine computed,
/// `Double` for scores of the network run in Double (`ScorePrecision.double`).
public struct ScoreSet: Sendable {
    /// The scores of every tensor, in one precision.
    public enum Values: Sendable {
        case single([Tensor<Float>])
        case double([Tensor<Double>])
    }

    public private(set) var names: [String]
    public private(set) var values: Values

    /// Scores in the precision of the tensors given (one tensor per name).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init<Scalar: TensorScalar>(names: [String], scores: [Tensor<Scalar>]) {
        precondition(names.count == scores.count, "\(names.count) names for \(scores.count) score tensors")
        self.names = names
        if let single = scores as? [Tensor<Float>] {
            values = .single(single)
        } else {
            values = .double(scores.map { $0.converted(to: Double.self) })
        }
    }

    /// Float scores by name.
    public init(entries: [(name: String, scores: Tensor<Float>)]) {
        self.init(names: entries.map(\.name), scores: entries.map(\.scores))
    }

    /// The precision the scores are ranked in.
    public var precision: ScorePrecision {
        switch values {
        case .single: return .single
        case .double: return .double
        }
    }

    /// The scores by name as Float tensors: themselves, or Double scores rounded (for reports and
    /// files; the ranking uses the stored precision). Setting them makes Float the stored precision.
    public var entries: [(name: String, scores: Tensor<Float>)] {
        get {
            switch values {
            case .single(let t): return Array(zip(names, t)).map { (name: $0.0, scores: $0.1) }
            case .double(let t): return Array(zip(names, t)).map { (name: $0.0, scores: $0.1.converted(to: Float.self)) }
            }
        }
        set {
            names = newValue.map(\.name)
            values = .single(newValue.map(\.scores))
        }
    }

    public var total: Int { shapes.reduce(0) { $0 + TensorShape.count(of: $1) } }

    /// Shapes of the score tensors, in entry order.
    public var shapes: [[Int]] {
        switch values {
        case .single(let t): return t.map(\.shape)
        case .double(let t): return t.map(\.shape)
        }
    }

    /// One tensor's scores as Float (rounded from Double scores), without converting the others.
    public func scores(_ name: String) -> Tensor<Float>? {
        guard let i = names.firstIndex(of: name) else { return nil }
        switch values {
        case .single(let t): return t[i]
        case .double(let t): return t[i].converted(to: Float.self)
        }
    }

    /// All scores concatenated in entry order, as Float (see `entries`).
    public var flat: [Float] {
        var out: [Float] = []
        out.reserveCapacity(total)
        for e in entries { out += e.scores.scalars }
        return out
    }

    /// The scores of entry `i` in Double: the Double scores, or the Float ones widened (exactly,
    /// so their order and ties are unchanged).
    public func doubles(entry i: Int) -> [Double] {
        switch values {
        case .single(let t): return t[i].scalars.map { Double($0) }
        case .double(let t): return t[i].scalars
        }
    }

    /// All scores in Double, concatenated in entry order (see `doubles(entry:)`).
    public var flatDouble: [Double] {
        var out: [Double] = []
        out.reserveCapacity(total)
        for i in names.indices { out += doubles(entry: i) }
        return out
    }

    /// Negated scores (GraSP keeps the lowest).
    public func negated() -> ScoreSet {
        switch values {
        case .single(let t): return ScoreSet(names: names, scores: t.map { $0.map { -$0 } })
        case .double(let t): return ScoreSet(names: names, scores: t.map { $0.map { -$0 } })
        }
    }

    /// The entries at `indices`, in that order, in the same precision.
    public func subset(_ indices: [Int]) -> ScoreSet {
        switch values {
        case .single(let t): return ScoreSet(names: indices.map { names[$0] }, scores: indices.map { t[$0] })
        case .double(let t): return ScoreSet(names: indices.map { names[$0] }, scores: indices.map { t[$0] })
        }
    }

    /// An empty (all-kept) mask with these names and shapes.
    public func maskTemplate() -> Mask {
        Mask(entries: zip(names, shapes).map {
            Mask.Entry(name: $0.0, shape: $0.1, bits: [UInt8](repeating: 0, count: TensorShape.count(of: $0.1)))
        })
    }
}
