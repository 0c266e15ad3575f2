/// Per-channel affine map from byte pixels to network inputs: (x · scale − mean) / std.
public struct Normalization: Sendable, Equatable {
    /// Multiplies the raw byte value first (1/255 for 8-bit images, 1/16 for the digits).
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(scale: Float, mean: [Float], std: [Float]) {
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// Digits: x / 16.
    public static let digits = Normalization(scale: 1 / 16, mean: [0], std: [1])
    /// MNIST (and Fashion-MNIST by default): (x/255 − 0.1307) / 0.3081.
    public static let mnist = Normalization(scale: 1 / 255, mean: [0.1307], std: [0.3081])
    /// Fashion-MNIST's own statistics: (x/255 − 0.2860) / 0.3530.
    public static let fashionMNIST = Normalization(scale: 1 / 255, mean: [0.2860], std: [0.3530])
    /// CIFAR-10 as in the FORCE code: mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010).
    public static let cifar10 = Normalization(scale: 1 / 255, mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.2010])

    /// The value a byte `v` of channel `c` becomes.
    @inlinable
    public func apply(_ v: UInt8, channel c: Int) -> Float {
        (Float(v) * scale - mean[c]) / std[c]
    }
}
