import Foundation

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
