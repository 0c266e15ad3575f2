import NeuralNet
import Tensor
import TestSupport
import Testing
import Training

/// `after2.*`: the network masked with FORCE's first-sparsity mask, two SGD steps (lr 0.1,
/// momentum 0.9, weight decay 5e-4 on every parameter) on batches 0 and 1 in train mode,
/// then eval-mode logits of batch 2 — against PyTorch, with the README's floor rule; with the
/// dense kernels and with the sparse ones (compact gradients, SGD over kept weights only).
@Suite(.enabled(if: Golden.available, "golden fixtures not found at ../shared/golden"))
struct GoldenTrainingStepTests {
    @Test(arguments: Golden.names, [KernelChoice.dense, .sparse])
    func twoMaskedSGDSteps(name: String, kernels: KernelChoice) throws {
        let f = try GoldenFixture(name)
        let net = try ModelZoo.build(ModelSpec(name: f.model, input: f.input, classes: f.classes, width: f.width))
        try net.loadWeights(from: f.file, prefix: "param.")
        let tag = GoldenFixture.tag(f.sparsities[0])
        for (pname, p) in net.prunable {
            let m = try f.file.integers("mask.force.\(tag).\(pname)")
            p.mask = Tensor<Float>(shape: p.shape, scalars: m.map { Float($0) })
        }
        net.applyMasks()
        net.useKernels(kernels)
        let sgd = SGD(parameters: net.namedParameters.map(\.parameter), learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        for i in 0..<2 {
            let (x, y) = try f.batch(i)
            net.zeroGradients()
            let logits = net.forward(x, mode: .train)
            net.backward(Loss.crossEntropy.evaluate(logits: logits, labels: y).gradient)
            sgd.step()
        }
        let stateBound = max(1e-4, 30 * f.floor("after2_f32_vs_f64_rel_error", "state"))
        for (key, value) in net.state {
            let e = value.relativeError(to: try f.tensor("after2.\(key)"))
            #expect(e <= stateBound, "\(name) (\(kernels) kernels) after2.\(key): relative error \(e) > \(stateBound)")
        }
        for (_, p) in net.prunable {
            if let m = p.mask {
                for i in 0..<m.count where m[flat: i] == 0 { #expect(p.value[flat: i] == 0) }
            }
        }
        let logitsBound = max(1e-3, 30 * f.floor("after2_f32_vs_f64_rel_error", "eval_logits"))
        let eval = net.forward(try f.batch(2).inputs, mode: .eval)
        let e = eval.relativeError(to: try f.tensor("after2.eval_logits"))
        #expect(e <= logitsBound, "\(name) (\(kernels) kernels) eval logits: relative error \(e) > \(logitsBound)")
    }
}
