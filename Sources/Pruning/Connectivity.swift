import NeuralNet

/// Whether the network's outputs still depend on its input under a mask: which channels (or
/// features) each layer's output can reach from the input, through kept weights only.
public enum Connectivity {
    /// Per output unit (class): whether some input can still reach it through kept weights,
    /// through every layer type, residual branches and convolutions included.
    public static func reachability(_ network: Network, mask: Mask) -> [Bool] {
        var bits: [ObjectIdentifier: [UInt8]] = [:]
        for (p, e) in zip(network.prunable, mask.entries) { bits[ObjectIdentifier(p.parameter)] = e.bits }
        return reach(network.body, [Bool](repeating: true, count: network.inputShape[0]), network.inputShape, bits).0
    }

    /// Output units that some input can still reach.
    public static func reachableOutputs(_ network: Network, mask: Mask) -> Int {
        reachability(network, mask: mask).filter { $0 }.count
    }

    /// True when no output depends on the input any more.
    public static func isDisconnected(_ network: Network, mask: Mask) -> Bool {
        reachableOutputs(network, mask: mask) == 0
    }

    /// `r`: per channel for `[C, H, W]` shapes, per feature for `[F]`.
    static func reach(_ layer: any Layer, _ r: [Bool], _ shape: [Int], _ bits: [ObjectIdentifier: [UInt8]]) -> ([Bool], [Int]) {
        let out = (try? layer.outputShape(for: shape)) ?? shape
        switch layer {
        case let seq as Sequential:
            var (rr, s) = (r, shape)
            for c in seq.layers { (rr, s) = reach(c, rr, s, bits) }
            return (rr, s)
        case let block as BasicBlock:
            var (main, s) = (r, shape)
            for c in [block.conv1, block.bn1, block.conv2, block.bn2] as [any Layer] { (main, s) = reach(c, main, s, bits) }
            let (side, _) = reach(block.shortcut, r, shape, bits)
            return (zip(main, side).map { $0 || $1 }, s)
        case let conv as Conv2d:
            let w = bits[ObjectIdentifier(conv.weight)]
            let (o, c, kk) = (conv.outChannels, conv.inChannels, conv.kernelSize * conv.kernelSize)
            var result = [Bool](repeating: false, count: o)
            for oc in 0..<o {
                search: for ic in 0..<c where r[ic] {
                    for k in 0..<kk where (w?[(oc * c + ic) * kk + k] ?? 1) != 0 { result[oc] = true; break search }
                }
            }
            return (result, out)
        case let linear as Linear:
            let w = bits[ObjectIdentifier(linear.weight)]
            let (o, i) = (linear.outFeatures, linear.inFeatures)
            var result = [Bool](repeating: false, count: o)
            for oc in 0..<o {
                for ic in 0..<i where r[ic] && (w?[oc * i + ic] ?? 1) != 0 { result[oc] = true; break }
            }
            return (result, out)
        case is Flatten:
            let per = shape.count == 3 ? shape[1] * shape[2] : 1
            return (r.flatMap { Array(repeating: $0, count: per) }, out)
        default:
            // BatchNorm, ReLU, pooling: channel-wise
            return (r, out)
        }
    }
}
