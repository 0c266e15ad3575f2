import NeuralNet
import Tensor
import Testing

@Suite struct ModelZooTests {
    @Test(arguments: [
        ("lenet300", [1, 28, 28], 266_200),
        ("lenet5", [1, 28, 28], 61_470),
        ("resnet20", [3, 32, 32], 270_896),
        ("resnet32", [3, 32, 32], 464_432),
        ("resnet56", [3, 32, 32], 851_504),
        ("vgg16", [3, 32, 32], 14_715_584),
        ("vgg19", [3, 32, 32], 20_024_000),
        ("conv4", [3, 32, 32], 2_425_024),
        ("conv6", [3, 32, 32], 2_261_184),
        ("conv2", [3, 32, 32], 4_300_992),
    ])
    func prunableCounts(name: String, input: [Int], expected: Int) throws {
        let net = try ModelZoo.build(ModelSpec(name: name, input: input, classes: 10))
        #expect(net.prunableCount == expected)
    }

    @Test func totalParameterCounts() throws {
        #expect(try ModelZoo.build(ModelSpec(name: "lenet300")).parameterCount == 266_610)
        #expect(try ModelZoo.build(ModelSpec(name: "resnet20")).parameterCount == 272_474)
        #expect(try ModelZoo.build(ModelSpec(name: "vgg19")).parameterCount == 20_035_018)
    }

    @Test func widthScalingRoundsHalfToEven() throws {
        // resnet20 at width 0.5: 8/16/32 channels; vgg11 at 0.125: 64 → 8
        let r = try ModelZoo.build(ModelSpec(name: "resnet20", width: 0.5))
        #expect(r.prunableCount == 67_992)
        let v = try ModelZoo.build(ModelSpec(name: "vgg11", width: 0.125))
        #expect(v.prunableCount == 144_856)
        #expect(try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8])).prunableCount == 50_200)
    }

    @Test func pyTorchNames() throws {
        let r = try ModelZoo.build(ModelSpec(name: "resnet20"))
        let names = r.prunable.map(\.name)
        #expect(names.first == "conv1.weight")
        #expect(names.contains("layer2.0.shortcut.0.weight"))
        #expect(names.last == "fc.weight")
        #expect(r.state.map(\.name).contains("layer3.2.bn2.running_var"))
        let v = try ModelZoo.build(ModelSpec(name: "vgg11"))
        #expect(v.state.prefix(6).map(\.name) == [
            "features.0.weight", "features.1.weight", "features.1.bias",
            "features.1.running_mean", "features.1.running_var", "features.4.weight",
        ])
        #expect(v.prunable.last?.name == "classifier.weight")
        let l = try ModelZoo.build(ModelSpec(name: "lenet5"))
        #expect(l.namedParameters.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                  "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
    }

    @Test(arguments: [
        (ModelSpec(name: "lenet5", input: [1, 8, 8]), "lenet5 does not fit input [1, 8, 8]"),
        (ModelSpec(name: "resnet21"), "6n+2"),
        (ModelSpec(name: "resnet20", width: 0), "width must be positive"),
        (ModelSpec(name: "resnet20", width: -1), "width must be positive"),
        (ModelSpec(name: "vgg12"), "expected vgg11, vgg13, vgg16 or vgg19"),
        (ModelSpec(name: "lenet", classes: 10), "did you mean 'lenet5'"),
        (ModelSpec(name: "lenet5", classes: 0), "classes must be at least 1"),
        (ModelSpec(name: "vgg11", input: [3, 8, 8]), "does not fit input"),
        (ModelSpec(name: "conv6", input: [3, 32]), "[channels, height, width]"),
    ])
    func badOptionsAreClearErrors(spec: ModelSpec, fragment: String) {
        #expect {
            _ = try ModelZoo.build(spec)
        } throws: { error in
            (error as? ModelError)?.message.contains(fragment) == true
        }
    }

    @Test func kaimingInitIsSeededAndScaled() throws {
        let a = try ModelZoo.build(ModelSpec(name: "lenet300", seed: 1))
        let b = try ModelZoo.build(ModelSpec(name: "lenet300", seed: 1))
        let c = try ModelZoo.build(ModelSpec(name: "lenet300", seed: 2))
        let w = a.namedParameters[0].parameter.value
        #expect(w == b.namedParameters[0].parameter.value)
        #expect(w != c.namedParameters[0].parameter.value)
        // std ≈ sqrt(2 / 784) over 235,200 draws
        let std = (w.norm() * w.norm() / Double(w.count)).squareRoot()
        #expect(abs(std / (2.0 / 784).squareRoot() - 1) < 0.01)
        #expect(a.namedParameters[1].parameter.value.maxAbs() == 0)   // bias
    }

    @Test func copyIsDeep() throws {
        let a = try ModelZoo.build(ModelSpec(name: "resnet20", width: 0.25))
        let b = a.copy()
        a.namedParameters[0].parameter.value = Tensor<Float>(zeros: a.namedParameters[0].parameter.shape)
        a.namedBuffers[0].buffer.value = Tensor<Float>(repeating: 5, shape: a.namedBuffers[0].buffer.value.shape)
        #expect(b.namedParameters[0].parameter.value.maxAbs() > 0)
        #expect(b.namedBuffers[0].buffer.value.maxAbs() == 0)
        #expect(b.namedParameters.map(\.name) == a.namedParameters.map(\.name))
    }
}
