@testable import NeuralNet
import Tensor
import Testing

/// The fused elementwise passes (#22): a `Sequential` runs BatchNorm + ReLU as one pass and a
/// residual block its addition + ReLU as one pass. Both must give the bits of the layers run one
/// after the other, forward, backward and the R-op, with NaN and −0 handled as `ReLU` does.
@Suite struct FusedElementwiseTests {
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var g = Philox(seed: seed)
        return Tensor(shape: shape, scalars: (0..<TensorShape.count(of: shape)).map { _ in Float(g.normal()) })
    }

    static func bits(_ t: Tensor<Float>) -> [UInt32] { t.scalars.map(\.bitPattern) }

    /// conv → bn → relu → conv, with BatchNorm's affine parameters set so some outputs are
    /// negative, some exactly zero, and one NaN input.
    static func layers() -> [(String, any Layer<Float>)] {
        let conv1 = Conv2d<Float>(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1)
        conv1.weight.value = normal([4, 3, 3, 3], seed: 1)
        let bn = BatchNorm2d<Float>(channels: 4)
        bn.weight.value = Tensor(shape: [4], scalars: [1, -0.5, 0, 2])
        bn.bias.value = Tensor(shape: [4], scalars: [0.1, 0, 0, -0.3])
        let conv2 = Conv2d<Float>(inChannels: 4, outChannels: 2, kernelSize: 3, padding: 1)
        conv2.weight.value = normal([2, 4, 3, 3], seed: 2)
        return [("conv1", conv1), ("bn", bn), ("relu", ReLU()), ("conv2", conv2)]
    }

    @Test(arguments: [ForwardMode.train, .eval])
    func batchNormThenReLUHasTheBitsOfTwoLayers(mode: ForwardMode) {
        let x = Self.normal([3, 3, 6, 6], seed: 3)
        let dy = Self.normal([3, 2, 6, 6], seed: 4)
        let fused = Sequential(named: Self.layers())
        let separate = Self.layers().map(\.1)
        let yFused = fused.forward(x, mode: mode)
        var h = x
        for layer in separate { h = layer.forward(h, mode: mode) }
        #expect(Self.bits(yFused) == Self.bits(h))
        let dxFused = fused.backward(dy)
        var g = dy
        for layer in separate.reversed() { g = layer.backward(g) }
        #expect(Self.bits(dxFused) == Self.bits(g))
        let fusedParameters = fused.children.flatMap { $0.layer.parameters.map(\.parameter.grad) }
        let separateParameters = separate.flatMap { $0.parameters.map(\.parameter.grad) }
        #expect(fusedParameters.map(Self.bits) == separateParameters.map(Self.bits))
    }

    @Test func residualAdditionThenReLUHasTheBitsOfTwoSteps() throws {
        let block = Residual<Float>.basicBlock(inChannels: 4, outChannels: 4, stride: 1)
        var seed: UInt64 = 10
        func randomize(_ layer: any Layer<Float>) {
            for (_, p) in layer.parameters where p.role == .weight {
                p.value = Self.normal(p.shape, seed: seed)
                seed += 1
            }
            layer.children.forEach { randomize($0.layer) }
        }
        randomize(block)
        var x = Self.normal([2, 4, 5, 5], seed: 5)
        x.withUnsafeMutablePointer { $0[7] = .nan; $0[8] = -0.0 }
        let y = block.forward(x, mode: .train)
        // the same block's branches, added and rectified by the unfused steps
        let copy = try #require(block.clone() as? Residual<Float>)
        var sum = copy.main.forward(x, mode: .train)
        sum.add(copy.shortcut.forward(x, mode: .train))
        let expected = ReLU<Float>().forward(sum, mode: .train)
        #expect(Self.bits(y) == Self.bits(expected))
        #expect(!y.scalars.contains { $0.isNaN || ($0 == 0 && $0.sign == .minus) })
    }
}
