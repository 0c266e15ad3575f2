import Foundation
import Training

/// The pruning methods, by the names the language uses.
public enum PruningMethod: String, Sendable, CaseIterable {
    case random, magnitude, snip, grasp, synflow
    case iterSnip = "iter_snip"
    case force
    /// "GRASP-It", the FORCE authors' third method (naver/force `--prune_method 2`): Iterative
    /// SNIP's loop with score ḡ². Not GraSP.
    case graspIt = "grasp_it"

    /// Default number of steps: FORCE and Iterative SNIP 60 (the FORCE authors), SynFlow 100 (the SynFlow paper), others 1.
    public var defaultSteps: Int {
        switch self {
        case .force, .iterSnip, .graspIt: return 60
        case .synflow: return 100
        default: return 1
        }
    }

    public var isIterative: Bool { self == .force || self == .iterSnip || self == .graspIt || self == .synflow }
    public var needsData: Bool { self == .snip || self == .grasp || self == .force || self == .iterSnip || self == .graspIt }

    /// Accepts the canonical names and common spellings.
    public init?(parsing s: String) {
        switch s.lowercased().replacingOccurrences(of: "-", with: "_") {
        case "random": self = .random
        case "magnitude", "mag": self = .magnitude
        case "snip": self = .snip
        case "grasp": self = .grasp
        case "synflow", "syn_flow": self = .synflow
        case "iter_snip", "itersnip", "iterative_snip": self = .iterSnip
        case "force": self = .force
        case "grasp_it", "graspit": self = .graspIt
        default: return nil
        }
    }

    /// The code each method's published numbers came from, its choices, and how they map onto the
    /// options here (algorithms.md §3), for `help(method)`.
    public var referenceCode: String {
        switch self {
        case .random:
            return "a baseline in every code base; here one global draw of exactly k weights from the seed"
        case .magnitude:
            return "|θ| at initialization, global (SynFlow's Mag baseline); here ties keep exactly k"
        case .snip:
            return "Lee et al.'s TensorFlow code: mean cross-entropy over one minibatch (loss: \"auto\" resolves to \"ce\"), "
                + "exactly k kept; the FORCE code's SNIP is its FORCE loop with T = 1 and the target-logit loss (loss: \"target_logit\")"
        case .grasp:
            return "Wang et al.'s code (pruner/GraSP.py): cross-entropy of logits / 200, a class-balanced sample of 10 images "
                + "per class, the copy in train mode (BatchNorm batch statistics), Linear layers re-initialised; see algorithms.md §3.4"
        case .synflow:
            return "Tanaka et al.'s code: all-ones input, eval mode, 100 steps on an exponential schedule, as here"
        case .iterSnip, .force, .graspIt:
            return "naver/force pruning_algos.py: the pruning loss is nll_loss on raw logits, i.e. −mean target logit "
                + "(loss: \"auto\" resolves to \"target_logit\"); every score ≥ the k-th is kept (ties: \"all\"; "
                + "here \"exact\"); train mode (BatchNorm batch statistics), as here; exponential schedule; T = 60 in its README"
        }
    }

    /// Whether the method's scores are gradients of a loss (the `loss:` option).
    public var usesLoss: Bool { self == .snip || self == .force || self == .iterSnip || self == .graspIt }

    /// The loss of the code the method's published numbers came from: the FORCE authors' code
    /// scores FORCE, Iterative SNIP and GRASP-It with `nll_loss` on raw logits (the target logit);
    /// Lee et al.'s SNIP code with cross-entropy. (GraSP's cross-entropy of logits / 200 is fixed.)
    public var referenceLoss: Loss {
        switch self {
        case .force, .iterSnip, .graspIt: return .targetLogit
        default: return .crossEntropy
        }
    }

    /// The paper each method comes from.
    public var reference: String {
        switch self {
        case .random: return "uniformly random mask (a baseline)"
        case .magnitude: return "magnitude at initialization (a baseline; Han et al. 2015 prune after training)"
        case .snip: return "Lee, Ajanthan, Torr: SNIP: Single-shot Network Pruning based on Connection Sensitivity, ICLR 2019"
        case .grasp: return "Wang, Zhang, Grosse: Picking Winning Tickets Before Training by Preserving Gradient Flow, ICLR 2020"
        case .synflow: return "Tanaka, Kunin, Yamins, Ganguli: Pruning neural networks without any data by iteratively conserving synaptic flow, NeurIPS 2020"
        case .iterSnip, .force: return "de Jorge, Sanyal, Behl, Torr, Rogez, Dokania: Progressive Skeletonization: Trimming more fat from a network at initialization, ICLR 2021"
        case .graspIt: return "de Jorge et al., ICLR 2021, code (naver/force, --prune_method 2, \"GRASP-It\"): Iterative SNIP's loop scoring the squared gradient"
        }
    }
}

/// How much to prune, in one of three units; all resolve to a density (fraction kept).
public enum PruningAmount: Sendable, Equatable {
    /// Fraction removed, 0 ≤ s < 1.
    case sparsity(Double)
    /// Fraction kept, 0 < d ≤ 1.
    case density(Double)
    /// 10^x times fewer weights (x ≥ 0): density 10^−x.
    case compression(Double)

    /// The density; sparsity s gives 1 − s exactly as written in Double.
    public func density() throws(PruningError) -> Double {
        switch self {
        case .sparsity(let s):
            guard s >= 0, s < 1, s.isFinite else { throw PruningError("sparsity must be in [0, 1) (a fraction removed), got \(s)") }
            return 1 - s
        case .density(let d):
            guard d > 0, d <= 1, d.isFinite else { throw PruningError("density must be in (0, 1] (a fraction kept), got \(d)") }
            return d
        case .compression(let x):
            guard x >= 0, x.isFinite else { throw PruningError("compression must be ≥ 0 (density 10^−x), got \(x)") }
            return pow(10, -x)
        }
    }
}

/// The `loss:` of a gradient-based method: `auto` (the default) is the loss of the code its paper's
/// numbers came from (`PruningMethod.referenceLoss`); the others force one.
public enum PruningLoss: String, Sendable, CaseIterable {
    case auto
    case crossEntropy = "ce"
    case targetLogit = "target_logit"

    public init(_ loss: Loss) {
        switch loss {
        case .crossEntropy: self = .crossEntropy
        case .targetLogit: self = .targetLogit
        }
    }

    /// The loss `method` scores with.
    public func resolved(for method: PruningMethod) -> Loss {
        switch self {
        case .auto: return method.referenceLoss
        case .crossEntropy: return .crossEntropy
        case .targetLogit: return .targetLogit
        }
    }
}
