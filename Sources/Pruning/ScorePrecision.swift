import NeuralNet
import Tensor

/// The arithmetic saliency scores are computed and ranked in.
///
/// Float32 resolves a score to about 1e-4 relative (PyTorch's float32 too). Where the k-th and
/// (k+1)-th scores are closer than that, which of the two is kept is decided by rounding; in
/// networks with BatchNorm one weight flipped early in FORCE or Iterative SNIP can change the
/// later steps by percent (golden README, "Why the last row has a condition"). Double decides
/// such near-ties as float64 does.
public enum ScorePrecision: String, Sendable, CaseIterable {
    /// `double` for FORCE, Iterative SNIP and GRASP-It on networks with BatchNorm (where float32 near-ties
    /// cascade), `single` otherwise.
    case auto
    /// The float32 engine.
    case single
    /// The network converted to Double (`Network.converted(to:)`): forward, backward, scores and
    /// ranking in float64.
    case double

    /// What this precision means for `method` on `network`: `auto` resolved, the others as they are.
    public func resolved<Scalar: TensorScalar>(for method: PruningMethod, on network: Network<Scalar>) -> ScorePrecision {
        guard self == .auto else { return self }
        let iterativeWithData = method == .force || method == .iterSnip || method == .graspIt
        let hasBatchNorm = network.namedParameters.contains { $0.parameter.role == .normScale }
        return iterativeWithData && hasBatchNorm ? .double : .single
    }
}
