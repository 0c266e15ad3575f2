/// CIFAR ResNet-(6n+2) (He et al. 2016; open_lth's `cifar_resnet_D`): 3×3 conv (16·width) + BN + ReLU,
/// three stages of n basic blocks (`Residual.basicBlock`) at widths 16, 32, 64 (stride 2 entering stages 2 and 3, with 1×1
/// conv + BN projection shortcuts), global average pooling and a Linear `fc`.
enum ResNet {
    static func make(depth: Int, input: [Int], classes: Int, scaled: (Int) -> Int) -> Sequential<Float> {
        let n = (depth - 2) / 6
        let widths = [scaled(16), scaled(32), scaled(64)]
        var layers: [(String, any Layer<Float>)] = [
            ("conv1", Conv2d(inChannels: input[0], outChannels: widths[0], kernelSize: 3, padding: 1, bias: false)),
            ("bn1", BatchNorm2d(channels: widths[0])),
            ("relu", ReLU()),
        ]
        var c = widths[0]
        for (stage, width) in widths.enumerated() {
            var blocks: [any Layer<Float>] = []
            for b in 0..<n {
                blocks.append(Residual.basicBlock(inChannels: c, outChannels: width, stride: stage > 0 && b == 0 ? 2 : 1))
                c = width
            }
            layers.append(("layer\(stage + 1)", Sequential(blocks)))
        }
        layers += [("pool", GlobalAvgPool()), ("fc", Linear(inFeatures: c, outFeatures: classes))]
        return Sequential(named: layers)
    }
}
