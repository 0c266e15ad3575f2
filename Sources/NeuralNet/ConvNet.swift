/// Conv-2/4/6 of Frankle & Carbin (2019): pairs of 3×3 same-padded convolutions with bias
/// (64, 64 | 128, 128 | 256, 256), a 2×2 max pool after each pair, then fc 256-256-classes.
enum ConvNet {
    static func make(depth: Int, input: [Int], classes: Int, scaled: (Int) -> Int) throws(ModelError) -> Sequential<Float> {
        guard [2, 4, 6].contains(depth) else { throw ModelError("Conv-N depth must be 2, 4 or 6, got \(depth)") }
        var layers: [(String, any Layer<Float>)] = []
        var c = input[0], h = input[1], w = input[2]
        for (i, width) in [64, 64, 128, 128, 256, 256].prefix(depth).enumerated() {
            let out = scaled(width)
            layers.append(("conv\(i + 1)", Conv2d(inChannels: c, outChannels: out, kernelSize: 3, padding: 1)))
            layers.append(("relu\(i + 1)", ReLU()))
            if i % 2 == 1 {
                layers.append(("pool\(i / 2 + 1)", MaxPool2d(kernelSize: 2)))
                h /= 2
                w /= 2
            }
            c = out
        }
        let f = scaled(256)
        layers += [
            ("flatten", Flatten()),
            ("fc1", Linear(inFeatures: c * h * w, outFeatures: f)), ("relu_fc1", ReLU()),
            ("fc2", Linear(inFeatures: f, outFeatures: f)), ("relu_fc2", ReLU()),
            ("fc3", Linear(inFeatures: f, outFeatures: classes)),
        ]
        return Sequential(named: layers)
    }
}
