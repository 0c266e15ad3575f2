import Support
import NeuralNet
import Tensor
import Testing
import Training

/// The float32 engine's exact bits: one SGD step of a masked resnet20 (every layer type, BatchNorm
/// in train mode, momentum and weight decay) must give the same weights, bit for bit, as the engine
/// that recorded the hash. A change to any kernel's order of operations shows here first, before it
/// reaches a transcript. The bits depend on OpenBLAS's kernel, so the hash is recorded per kernel
/// (and on the build's vector unit: the AVX-512 kernels, Cooperlake and SkylakeX, come with the
/// dense direct convolution's tiles, `DenseConvAlgorithm`; Haswell, Zen and Sandybridge machines
/// build for AVX2 or less, without them).
struct WeightHashTests {
    /// SHA-256 of the state after the step, by `BLAS.coreName` and whether the build runs the
    /// dense direct tiles.
    static let recorded: [String: String] = [
        "Cooperlake, tiles": "3d4a1ef653baef55011dc35968edd06134b4dbe7f67fcf0605889710f81d45a7",
        "SkylakeX, tiles": "3d4a1ef653baef55011dc35968edd06134b4dbe7f67fcf0605889710f81d45a7",
        "Haswell": "9aaea54c973ceb331c9edc98110ce022598c4b97c1961226c1eea2cc2a21eeb6",
        // AMD Zen 2 and 3 (AVX2): OpenBLAS's Zen kernels are its Haswell ones, and so are the bits
        "Zen": "9aaea54c973ceb331c9edc98110ce022598c4b97c1961226c1eea2cc2a21eeb6",
        "Sandybridge": "431339b4b9b4fc56f2cadb65219376daaa4f9570913053063d1bb5d8fec9b4b0",
    ]

    @Test func resnet20SGDStepIsBitIdentical() throws {
        let net = try ModelZoo.build(ModelSpec(name: "resnet20", seed: 7))
        // a fixed mask: every third weight of every prunable tensor pruned
        var k = 0
        for (_, p) in net.prunable {
            p.mask = Tensor<Float>(shape: p.shape, scalars: (0..<p.value.count).map { _ in k += 1; return k % 3 == 0 ? 0 : 1 })
        }
        net.applyMasks()
        var rng = Philox(seed: 11)
        let batch = 8
        let x = Tensor<Float>(shape: [batch, 3, 32, 32], scalars: (0..<(batch * 3 * 32 * 32)).map { _ in Float(rng.normal()) })
        let y = (0..<batch).map { $0 % 10 }
        let sgd = SGD(parameters: net.namedParameters.map(\.parameter), learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        net.zeroGradients()
        let logits = net.forward(x, mode: .train)
        net.backward(Loss.crossEntropy.evaluate(logits: logits, labels: y).gradient)
        sgd.step()
        var bytes: [UInt8] = []
        for (name, value) in net.state {
            bytes += Array(name.utf8)
            for v in value.scalars { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        }
        let hash = Digest.sha256(bytes)
        let core = BLAS.coreName + (DenseConvAlgorithm.tilesFitRegisters ? ", tiles" : "")
        let expected = try #require(Self.recorded[core],
                                    "no hash recorded for OpenBLAS kernel \(core); this engine gives \(hash)")
        #expect(hash == expected, "resnet20 weights after one SGD step changed (kernel \(core))")
    }
}
