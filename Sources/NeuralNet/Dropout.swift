import Tensor

/// Inverted dropout, as PyTorch's `nn.Dropout`: in training each value is zeroed with probability
/// `p` and the rest scaled by 1/(1 − p); in evaluation the identity. The draws come from the
/// `dropout` stream of `seed`, one block per forward in training, so a seed fixes every mask.
public final class Dropout<Scalar: TensorScalar>: Layer {
    public let p: Double
    public let seed: UInt64
    /// Training forwards so far: the next one draws from this position of the stream.
    private var draws: UInt64 = 0
    /// The last training forward's scale per element (0 or 1/(1 − p)); empty after an eval forward.
    private var keep = Tensor<Scalar>(zeros: [0])

    public init(p: Double, seed: UInt64) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        self.p = p
        self.seed = seed
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { input }

    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        guard mode == .train, p > 0 else {
            keep = Tensor(zeros: [0])
            return x
        }
        var rng = RandomPurpose.dropout.generator(seed: seed, index: UInt32(truncatingIfNeeded: draws))
        draws += 1
        let scale = Scalar(1 / (1 - p))
        let threshold = p
        keep = Tensor(shape: x.shape, scalars: (0..<x.count).map { _ in rng.uniformDouble() < threshold ? 0 : scale })
        return x * keep
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> { keep.count == 0 ? dy : dy * keep }
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> { keep.count == 0 ? rx : rx * keep }
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { backward(rdy) }

    public func clone() -> any Layer<Scalar> { Dropout(p: p, seed: seed) }
    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { Dropout<Other>(p: p, seed: seed) }

    /// How the layer is written in PruneScript.
    public var description: String { "dropout(\(p))" }
}
