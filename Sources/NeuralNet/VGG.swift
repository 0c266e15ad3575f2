/// CIFAR VGG as in the FORCE code: 3×3 conv (no bias) → BN → ReLU per entry, max pool 2 at "M",
/// global average pooling, one Linear `classifier`. `features.<i>` numbers every layer as
/// torchvision's VGG-with-BN does.
enum VGG {
    /// Channel lists; 0 marks a max pool.
    static let configurations: [Int: [Int]] = [
        11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512],
        13: [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512],
        16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512],
        19: [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512],
    ]

    static func make(depth: Int, input: [Int], classes: Int, scaled: (Int) -> Int) throws(ModelError) -> Sequential<Float> {
        guard let cfg = configurations[depth] else { throw ModelError("VGG depth must be 11, 13, 16 or 19, got \(depth)") }
        var features: [any Layer<Float>] = []
        var c = input[0]
        for v in cfg {
            if v == 0 {
                features.append(MaxPool2d(kernelSize: 2))
            } else {
                let out = scaled(v)
                features += [Conv2d(inChannels: c, outChannels: out, kernelSize: 3, padding: 1, bias: false),
                             BatchNorm2d(channels: out), ReLU()]
                c = out
            }
        }
        return Sequential(named: [
            ("features", Sequential(features)),
            ("pool", GlobalAvgPool()),
            ("classifier", Linear(inFeatures: c, outFeatures: classes)),
        ])
    }
}
