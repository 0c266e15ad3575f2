import NeuralNet
import Tensor

/// Whether the network's outputs still depend on its input under a mask: which channels (or
/// features) each layer's output can reach from the input, through kept weights only. Each layer
/// answers for itself (`Layer.reachableOutputs`), so every layer type takes part.
public enum Connectivity {
    /// Per output unit (class): whether some input can still reach it through kept weights,
    /// through every layer type, residual branches and convolutions included.
    public static func reachability<Scalar: TensorScalar>(_ network: Network<Scalar>, mask: Mask) -> [Bool] {
        var bits: [ObjectIdentifier: [UInt8]] = [:]
        for (p, e) in zip(network.prunable, mask.entries) { bits[ObjectIdentifier(p.parameter)] = e.bits }
        return network.body.reachableOutputs(from: [Bool](repeating: true, count: network.inputShape[0]),
                                             inputShape: network.inputShape) { bits[ObjectIdentifier($0)] }
    }

    /// Output units that some input can still reach.
    public static func reachableOutputs<Scalar: TensorScalar>(_ network: Network<Scalar>, mask: Mask) -> Int {
        reachability(network, mask: mask).filter { $0 }.count
    }

    /// True when no output depends on the input any more.
    public static func isDisconnected<Scalar: TensorScalar>(_ network: Network<Scalar>, mask: Mask) -> Bool {
        reachableOutputs(network, mask: mask) == 0
    }
}
