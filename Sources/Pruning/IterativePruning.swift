import NeuralNet
import Support
import Tensor
import Training

/// What one step of an iterative method did.
public struct PruningStep: Sendable, Equatable {
    public var step: Int
    /// Target density d_t of the schedule.
    public var density: Double
    public var kept: Int
    /// Weights pruned after step t−1 and kept again after step t (FORCE can revive weights).
    public var resurrected: Int
    /// Kept fraction per prunable tensor.
    public var layerDensity: [Double]
    /// Sum of the step's scores over the weights it keeps (for FORCE: the sensitivity of the pruned network).
    public var keptSaliency: Double
}

/// The iterative methods that share FORCE's loop.
public enum IterativeMethod: String, Sendable {
    /// Iterative SNIP: scores |w ⊙ g| with w = m ⊙ θ0, so pruned weights score 0 and stay pruned.
    case iterSnip = "iter_snip"
    /// FORCE: scores |θ0 ⊙ g| with g taken at m ⊙ θ0, so pruned weights compete again.
    case force
    /// SynFlow: data-free, scores of the masked |θ| network.
    case synflow
    /// GRASP-It (naver/force `--prune_method 2`): Iterative SNIP's loop, score ḡ² with ḡ taken at
    /// m ⊙ θ0; pruned weights score 0 and stay pruned.
    case graspIt = "grasp_it"

    /// The same method among all pruning methods.
    public var pruningMethod: PruningMethod {
        switch self {
        case .iterSnip: return .iterSnip
        case .force: return .force
        case .synflow: return .synflow
        case .graspIt: return .graspIt
        }
    }
}

/// FORCE and Iterative SNIP (de Jorge et al., ICLR 2021) and iterated SynFlow (Tanaka et al. 2020).
/// Step t: restore parameters and BN buffers to θ0, set w = m_{t−1} ⊙ θ0, score, keep k_t = floor(N·d_t).
public enum IterativePruning {
    public struct Options: Sendable {
        public var steps: Int
        public var schedule: DensitySchedule
        public var batchesPerStep: Int
        public var loss: Loss
        public var ties: TieRule
        public var scope: PruningScope
        /// The arithmetic of the scores (`auto`: Double for FORCE and Iterative SNIP on BatchNorm networks).
        public var precision: ScorePrecision
        /// The prunable tensors to prune (nil: all); the others stay dense (see `PruningOptions.tensors`).
        public var tensors: Set<String>?

        public init(steps: Int, schedule: DensitySchedule = .exponential, batchesPerStep: Int = 1,
                    loss: Loss = .crossEntropy, ties: TieRule = .exact, scope: PruningScope = .global,
                    precision: ScorePrecision = .auto, tensors: Set<String>? = nil) {
            self.steps = steps
            self.schedule = schedule
            self.batchesPerStep = batchesPerStep
            self.loss = loss
            self.ties = ties
            self.scope = scope
            self.precision = precision
            self.tensors = tensors
        }
    }

    /// Scores of step `step` (1-based) given the mask after step t−1: in Double (the same network
    /// converted) when `options.precision` resolves to `double`, else in Float.
    public static func stepScores(_ method: IterativeMethod, original: Network<Float>, work: Network<Float>, previous: Mask,
                                  step: Int, data: BatchSource, options: Options) throws(PruningError) -> ScoreSet {
        let double = options.precision.resolved(for: method.pruningMethod, on: original) == .double
        if method == .synflow {
            return double ? try Saliency.synflow(original.converted(to: Double.self), mask: previous)
                          : try Saliency.synflow(original, mask: previous)
        }
        work.loadState(from: original)
        for (_, p) in work.namedParameters { p.mask = nil }
        try previous.apply(to: work)
        for (_, p) in work.namedParameters { p.mask = nil }   // zeroed weights, no gradient masking
        let b = options.batchesPerStep
        let batches = Array(((step - 1) * b)..<(step * b))
        return double ? scores(method, at: work.converted(to: Double.self), original: original, previous: previous,
                               batches: batches, data: data, loss: options.loss)
                      : scores(method, at: work, original: original, previous: previous,
                               batches: batches, data: data, loss: options.loss)
    }

    /// The step's scores from the gradients at `work` (m ⊙ θ0 in the scores' precision): |θ0 ⊙ g|
    /// (FORCE, Iterative SNIP) or g² (GRASP-It); Iterative SNIP and GRASP-It score pruned weights 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func scores<Scalar: TensorScalar>(_ method: IterativeMethod, at work: Network<Scalar>, original: Network<Float>,
                                             previous: Mask, batches: [Int], data: BatchSource, loss: Loss) -> ScoreSet {
        let g = Saliency.meanGradients(work, batches: batches, from: data, loss: loss)
        let scores = zip(zip(original.prunable, g), previous.entries).map { pair, m in
            let (p, gi) = pair
            var s = method == .graspIt ? (gi * gi) : (p.parameter.value.converted(to: Scalar.self) * gi).map { abs($0) }
            if method != .force {
                s.withUnsafeMutablePointer { sp in
                    for i in 0..<m.bits.count where m.bits[i] == 0 { sp[i] = 0 }
                }
            }
            return s
        }
        return ScoreSet(names: original.prunable.map(\.name), scores: scores)
    }

    /// Runs the method down to `density`, returning the final mask and per-step records.
    /// `cancel` is checked between steps: an `Interruption` then (`onStep` has seen every completed
    /// step's mask); a `PruningError` for bad options or data.
    public static func run(_ method: IterativeMethod, network: Network<Float>, data: BatchSource, density: Double,
                           options: Options, cancel: CancellationToken? = nil,
                           onStep: ((PruningStep, Mask) -> Void)? = nil) throws -> (mask: Mask, steps: [PruningStep]) {
        guard options.steps >= 1 else { throw PruningError("steps must be at least 1, got \(options.steps)") }
        guard options.batchesPerStep >= 1 else { throw PruningError("batches_per_step must be at least 1") }
        guard method == .synflow || !data.isEmpty else { throw PruningError("\(method.rawValue) needs data, the source is empty") }
        let original = network.copy()
        for (_, p) in original.namedParameters { p.mask = nil }
        let work = original.copy()
        var options = options
        options.precision = options.precision.resolved(for: method.pruningMethod, on: original)   // once, not per step
        var mask = Mask.dense(for: original)
        let total = Selection.rankedCount(mask, among: options.tensors)
        var records: [PruningStep] = []
        for (t, d) in options.schedule.densities(final: density, steps: options.steps).enumerated() {
            if cancel?.isCancelled == true { throw Interruption("Interrupted at step \(t + 1) of \(options.steps)") }
            let scores = try stepScores(method, original: original, work: work, previous: mask, step: t + 1,
                                        data: data, options: options)
            let k = DensitySchedule.keptCount(total: total, density: d)
            let next = Selection.keepTop(scores, k: k, previous: mask, ties: options.ties, scope: options.scope,
                                         among: options.tensors)
            let record = PruningStep(
                step: t + 1, density: d, kept: next.kept,
                resurrected: zip(mask.flat, next.flat).reduce(0) { $0 + ($1.0 == 0 && $1.1 == 1 ? 1 : 0) },
                layerDensity: next.entries.map { Double($0.kept) / Double(max(1, $0.count)) },
                keptSaliency: zip(scores.flatDouble, next.flat).reduce(0.0) { $0 + ($1.1 == 1 ? $1.0 : 0) })
            records.append(record)
            onStep?(record, next)
            mask = next
        }
        return (mask, records)
    }
}
