import Tensor

/// How conv and linear weights are drawn. Biases start at 0, BatchNorm at γ = 1, β = 0.
public enum Initialization: String, Sendable, CaseIterable {
    /// N(0, 2 / fan_in): PyTorch's `kaiming_normal_(nonlinearity='relu')`, the FORCE code's default.
    case kaimingNormal = "kaiming_normal"
    /// N(0, 2 / fan_out).
    case kaimingNormalFanOut = "kaiming_normal_fan_out"
    /// N(0, 2 / (fan_in + fan_out)).
    case xavierNormal = "xavier_normal"

    /// Standard deviation for a weight of this shape (`[out, in, ...]`).
    public func std(for shape: [Int]) -> Double {
        let receptive = shape.dropFirst(2).reduce(1, *)
        let fanIn = Double(shape[1] * receptive), fanOut = Double(shape[0] * receptive)
        switch self {
        case .kaimingNormal: return (2 / fanIn).squareRoot()
        case .kaimingNormalFanOut: return (2 / fanOut).squareRoot()
        case .xavierNormal: return (2 / (fanIn + fanOut)).squareRoot()
        }
    }

    /// Initializes every parameter of `network` from the `initialization` stream of `seed`:
    /// weights in registration order, row-major, one normal draw each.
    public func apply(to network: Network<Float>, seed: UInt64) {
        var rng = RandomPurpose.initialization.generator(seed: seed)
        for (_, p) in network.namedParameters {
            switch p.role {
            case .weight:
                let std = self.std(for: p.shape)
                let n = p.value.count
                p.value.withUnsafeMutablePointer { w in
                    for i in 0..<n { w[i] = Float(rng.normal() * std) }
                }
            case .bias, .normShift:
                p.value.zero()
            case .normScale:
                p.value = Tensor(repeating: 1, shape: p.shape)
            }
        }
        for (name, b) in network.namedBuffers {
            b.value = Tensor(repeating: name.hasSuffix("running_var") ? 1 : 0, shape: b.value.shape)
        }
    }
}
