import Tensor

/// A forward and backward pass of a `Network` in float64: the gradient of a loss with respect to
/// every prunable weight, with every intermediate value in Double.
///
/// The float32 engine resolves a score to about 1e-4 relative, as PyTorch's float32 does. Ranking
/// scores whose k-th and (k+1)-th differ by less than that is a coin toss, and in networks with
/// BatchNorm one flipped weight can change later pruning steps by percent (see the golden README).
/// This pass decides such near-ties as float64 does, at a few times the cost of the float32 pass.
///
/// It walks the layer tree by concrete type (Sequential, Conv2d, Linear, BatchNorm2d, ReLU,
/// MaxPool2d, AvgPool2d, GlobalAvgPool, Flatten, BasicBlock) with PyTorch's conventions for exact
/// zeros: ReLU′(0) = 0, max-pool's gradient to the first maximum in row-major order, a BatchNorm
/// channel of zero variance normalized by sqrt(eps). `init` reads parameter values (a weight whose
/// mask bit is 0 counts as zero, the invariant `applyMasks` keeps) and BatchNorm running
/// statistics; the network itself is never modified (no gradients, no running statistics).
public struct Float64Pass {
    /// Logits and weight gradients of one batch.
    public struct Result {
        /// `[N, classes]`, row-major.
        public var logits: [Double]
        /// ∂loss/∂w for every prunable weight, in `Network.prunable` order, row-major inside each tensor.
        public var weightGradients: [[Double]]
    }

    /// A layer the pass has no float64 implementation of.
    public struct UnsupportedLayer: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    let root: Float64Node
    /// Element counts of the prunable weights, in `Network.prunable` order.
    let prunableCounts: [Int]
    /// The network's input shape without the batch dimension.
    public let inputShape: [Int]
    /// Logits per image.
    public let classes: Int

    /// Reads `network`'s parameters and buffers into Double; later changes to the network are not seen.
    public init(_ network: Network) throws(UnsupportedLayer) {
        let slots = Dictionary(uniqueKeysWithValues: network.prunable.enumerated().map {
            (ObjectIdentifier($0.element.parameter), $0.offset)
        })
        root = try Float64Node(network.body, slots: slots, path: network.architecture)
        prunableCounts = network.prunable.map(\.parameter.value.count)
        inputShape = network.inputShape
        classes = network.classes
    }

    /// Whether every layer of `network` has a float64 implementation.
    public static func supports(_ network: Network) -> Bool {
        (try? Float64Pass(network)) != nil
    }

    /// Forward of `inputs` (`[N] + inputShape`) with BatchNorm in `mode`, then backward of the
    /// loss whose gradient with respect to the logits `lossGradient` returns (same layout as the logits).
    public func gradients(inputs: Tensor, mode: ForwardMode = .train,
                          lossGradient: (_ logits: [Double]) -> [Double]) -> Result {
        precondition(Array(inputs.shape.dropFirst()) == inputShape,
                     "the network expects inputs [N] + \(inputShape), got \(inputs.shape)")
        let sink = Float64GradientSink(counts: prunableCounts)
        let x = Float64Array(shape: inputs.shape, values: inputs.scalars.map { Double($0) })
        let (logits, pullback) = root.forward(x, mode: mode, into: sink)
        let dLogits = lossGradient(logits.values)
        precondition(dLogits.count == logits.values.count,
                     "the loss gradient has \(dLogits.count) elements for \(logits.values.count) logits")
        _ = pullback(Float64Array(shape: logits.shape, values: dLogits))
        return Result(logits: logits.values, weightGradients: sink.gradients)
    }
}

extension Parameter {
    /// The value in Double (exact), with masked-out entries zero: what `Float64Pass` computes with.
    public var float64Values: [Double] {
        var v = value.scalars.map { Double($0) }
        if let m = mask {
            m.withUnsafePointer { mp in
                for i in v.indices where mp[i] == 0 { v[i] = 0 }
            }
        }
        return v
    }
}
