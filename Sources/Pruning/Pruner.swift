import NeuralNet
import Support
import Tensor
import Training

/// Options shared by every method (defaults as DESIGN.md "Pruning").
public struct PruningOptions: Sendable {
    /// nil: the method's default (FORCE / Iterative SNIP 60, SynFlow 100).
    public var steps: Int?
    public var batchesPerStep: Int
    public var schedule: DensitySchedule
    public var scope: PruningScope
    /// The loss of gradient-based scores; `auto` resolves per method to the reference code's.
    public var loss: PruningLoss
    public var ties: TieRule
    /// For `random`.
    public var seed: UInt64
    /// The arithmetic of gradient-based scores (snip, force, iter_snip, synflow); `auto` is Double
    /// for FORCE and Iterative SNIP on networks with BatchNorm, Float32 otherwise (`ScorePrecision`).
    public var precision: ScorePrecision
    /// The prunable tensors to prune, by name (nil: all); the others stay dense, and the amount
    /// counts the pruned tensors' weights only (as PyTorch's `global_unstructured` over the
    /// parameters it is given).
    public var tensors: Set<String>?

    public init(steps: Int? = nil, batchesPerStep: Int = 1, schedule: DensitySchedule = .exponential,
                scope: PruningScope = .global, loss: PruningLoss = .auto, ties: TieRule = .exact, seed: UInt64 = 0,
                precision: ScorePrecision = .auto, tensors: Set<String>? = nil) {
        self.steps = steps
        self.batchesPerStep = batchesPerStep
        self.schedule = schedule
        self.scope = scope
        self.loss = loss
        self.ties = ties
        self.seed = seed
        self.precision = precision
        self.tensors = tensors
    }
}

/// A mask with how it was made.
public struct PruningResult: Sendable {
    public var mask: Mask
    public var method: PruningMethod
    /// The density asked for, resolved from sparsity / density / compression.
    public var density: Double
    public var steps: [PruningStep]
    /// The loss the scores were gradients of (nil for methods without one).
    public var loss: Loss?
}

/// One entry point for every method.
public enum Pruner {
    /// The scores a one-shot method ranks (for GraSP, −w ⊙ Hg: keep the lowest).
    public static func scores(_ network: Network<Float>, method: PruningMethod, data: BatchSource?,
                              options: PruningOptions = PruningOptions()) throws(PruningError) -> ScoreSet {
        if method.needsData, data?.isEmpty ?? true { throw PruningError("\(method.rawValue) needs data") }
        try checkMemory(network, method: method, data: data, options: options)
        let double = options.precision.resolved(for: method, on: network) == .double
        switch method {
        case .random: return Saliency.random(network, seed: options.seed)
        case .magnitude: return Saliency.magnitude(network)
        case .snip, .force, .iterSnip, .graspIt:
            let data = data ?? .list([])
            let loss = options.loss.resolved(for: method)
            return double ? Saliency.snip(network.converted(to: Double.self), data: data, loss: loss,
                                          batchesPerStep: options.batchesPerStep)
                          : Saliency.snip(network, data: data, loss: loss, batchesPerStep: options.batchesPerStep)
        case .synflow: return double ? try Saliency.synflow(network.converted(to: Double.self)) : try Saliency.synflow(network)
        case .grasp:
            let data = data ?? .list([])
            return double ? GraSP.scores(network.converted(to: Double.self), data: data, batchesPerStep: options.batchesPerStep)
                          : GraSP.scores(network, data: data, batchesPerStep: options.batchesPerStep)
        }
    }

    /// Refuses a scoring pass that cannot fit: the network's forward and backward at the batch
    /// size in the pass's precision, beside the copies of the weights the method keeps (the
    /// initial and working networks, the scores).
    static func checkMemory(_ network: Network<Float>, method: PruningMethod, data: BatchSource?,
                            options: PruningOptions) throws(PruningError) {
        guard method.needsData, let data else { return }
        let double = options.precision.resolved(for: method, on: network) == .double
        let estimate = network.trainingMemory(batch: data.batchSize, optimizerSlots: 2, scalarBytes: double ? 8 : 4)
        do {
            try MemoryBudget.check(estimate.total, for: "\(method.rawValue) on \(network.architecture) at batch \(data.batchSize)"
                                   + (double ? " in float64" : ""), detail: estimate.breakdown)
        } catch { throw PruningError(error.description) }
    }

    /// Prunes `network` (which is left unchanged) to the requested amount. Throws `PruningError`,
    /// or `Interruption` when `cancel` stops an iterative method between steps.
    public static func prune(_ network: Network<Float>, method: PruningMethod, data: BatchSource?, amount: PruningAmount,
                             options: PruningOptions = PruningOptions(), cancel: CancellationToken? = nil,
                             onStep: ((PruningStep, Mask) -> Void)? = nil) throws -> PruningResult {
        let density = try amount.density()
        if method.needsData, data?.isEmpty ?? true { throw PruningError("\(method.rawValue) needs data to prune") }
        let iterative: IterativeMethod?
        switch method {
        case .force: iterative = .force
        case .iterSnip: iterative = .iterSnip
        case .graspIt: iterative = .graspIt
        case .synflow: iterative = .synflow
        default: iterative = nil
        }
        if let iterative {
            try checkMemory(network, method: method, data: data, options: options)   // one-shot: `scores` checks
            let steps = options.steps ?? method.defaultSteps
            let opts = IterativePruning.Options(steps: steps, schedule: options.schedule, batchesPerStep: options.batchesPerStep,
                                                loss: options.loss.resolved(for: method), ties: options.ties, scope: options.scope,
                                                precision: options.precision, tensors: options.tensors)
            let (mask, records) = try IterativePruning.run(iterative, network: network, data: data ?? .list([]), density: density,
                                                           options: opts, cancel: cancel, onStep: onStep)
            return PruningResult(mask: mask, method: method, density: density, steps: records,
                                 loss: method.usesLoss ? options.loss.resolved(for: method) : nil)
        }
        var s = try scores(network, method: method, data: data, options: options)
        if method == .grasp { s = s.negated() }
        let ranked = Selection.rankedCount(s.maskTemplate(), among: options.tensors)
        let k = DensitySchedule.keptCount(total: ranked, density: density)
        let mask = Selection.keepTop(s, k: k, ties: options.ties, scope: options.scope, among: options.tensors)
        return PruningResult(mask: mask, method: method, density: density, steps: [],
                             loss: method.usesLoss ? options.loss.resolved(for: method) : nil)
    }
}
