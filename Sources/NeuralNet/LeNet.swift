/// LeNet-300-100 (an MLP) and LeNet-5 with ReLU and max pooling.
enum LeNet {
    /// 784-300-100-10 for MNIST: `fc1`, `fc2`, `fc3`.
    static func mlp(input: [Int], classes: Int, scaled: (Int) -> Int) -> Sequential<Float> {
        let n = input.reduce(1, *)
        let (h1, h2) = (scaled(300), scaled(100))
        return Sequential(named: [
            ("flatten", Flatten()),
            ("fc1", Linear(inFeatures: n, outFeatures: h1)), ("relu1", ReLU()),
            ("fc2", Linear(inFeatures: h1, outFeatures: h2)), ("relu2", ReLU()),
            ("fc3", Linear(inFeatures: h2, outFeatures: classes)),
        ])
    }

    /// conv 5×5 (pad 2) → pool → conv 5×5 → pool → fc 120 → fc 84 → classes.
    static func lenet5(input: [Int], classes: Int, scaled: (Int) -> Int) -> Sequential<Float> {
        let (c1, c2, f1, f2) = (scaled(6), scaled(16), scaled(120), scaled(84))
        let hh = max(0, (input[1] / 2 - 4) / 2), ww = max(0, (input[2] / 2 - 4) / 2)
        return Sequential(named: [
            ("conv1", Conv2d(inChannels: input[0], outChannels: c1, kernelSize: 5, padding: 2)), ("relu1", ReLU()),
            ("pool1", MaxPool2d(kernelSize: 2)),
            ("conv2", Conv2d(inChannels: c1, outChannels: c2, kernelSize: 5)), ("relu2", ReLU()),
            ("pool2", MaxPool2d(kernelSize: 2)),
            ("flatten", Flatten()),
            ("fc1", Linear(inFeatures: c2 * hh * ww, outFeatures: f1)), ("relu3", ReLU()),
            ("fc2", Linear(inFeatures: f1, outFeatures: f2)), ("relu4", ReLU()),
            ("fc3", Linear(inFeatures: f2, outFeatures: classes)),
        ])
    }
}
