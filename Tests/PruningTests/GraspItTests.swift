import Datasets
import Foundation
import NeuralNet
import Pruning
import Tensor
import Testing
import Training

/// GRASP-It (naver/force `--prune_method 2`, algorithms.md §3.7.1): Iterative SNIP's loop with
/// score ḡ², ḡ the gradient of the loss at m ⊙ θ0; pruned weights score 0 and never return.
@Suite struct GraspItTests {
    /// y = W2·relu(W1·x) by hand, one image, cross-entropy: the step's scores are the squared
    /// gradients at the masked weights, and 0 where the previous mask pruned.
    @Test func scoresAreSquaredGradientsAtTheMaskedWeights() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 2, 2], classes: 2, width: 0.01, seed: 3))
        // 4 → 3 → 1 → 2 (width 0.01 rounds the hidden layers to 3 and 1)
        #expect(net.prunable.map { $0.parameter.shape } == [[3, 4], [1, 3], [2, 1]])
        let x = Tensor<Float>(shape: [1, 1, 2, 2], scalars: [0.5, -1, 2, 0.25])
        let data = BatchSource.list([Batch(inputs: x, labels: [1])])
        var previous = Mask.dense(for: net)
        previous.entries[0].bits[5] = 0          // one weight of the first layer already pruned
        let scores = try IterativePruning.stepScores(.graspIt, original: net, work: net.copy(), previous: previous, step: 1,
                                                     data: data, options: .init(steps: 2, precision: .double))
        // by hand: the same forward and backward on m ⊙ θ0 in Double
        let w1 = net.prunable[0].parameter.value.scalars.enumerated().map { $0.offset == 5 ? 0 : Double($0.element) }
        let b1 = net.namedParameters.first { $0.name == "fc1.bias" }?.parameter.value.scalars.map(Double.init) ?? []
        let w2 = net.prunable[1].parameter.value.scalars.map(Double.init)
        let b2 = net.namedParameters.first { $0.name == "fc2.bias" }?.parameter.value.scalars.map(Double.init) ?? []
        let w3 = net.prunable[2].parameter.value.scalars.map(Double.init)
        let b3 = net.namedParameters.first { $0.name == "fc3.bias" }?.parameter.value.scalars.map(Double.init) ?? []
        let xs = x.scalars.map(Double.init)
        let z1 = (0..<3).map { r in (0..<4).reduce(b1[r]) { $0 + w1[r * 4 + $1] * xs[$1] } }, h1 = z1.map { max($0, 0) }
        let z2 = (0..<3).reduce(b2[0]) { $0 + w2[$1] * h1[$1] }, h2 = max(z2, 0)
        let logits = (0..<2).map { b3[$0] + w3[$0] * h2 }
        let e = logits.map { exp($0 - logits.max()!) }, p = e.map { $0 / e.reduce(0, +) }
        let dlogits = [p[0], p[1] - 1]
        let g3 = dlogits.map { $0 * h2 }
        let dh2 = (0..<2).reduce(0.0) { $0 + w3[$1] * dlogits[$1] }, dz2 = z2 > 0 ? dh2 : 0
        let g2 = h1.map { $0 * dz2 }
        let dz1 = (0..<3).map { r in z1[r] > 0 ? w2[r] * dz2 : 0 }
        let g1: [Double] = (0..<12).map { dz1[$0 / 4] * xs[$0 % 4] }
        let s1: [Double] = g1.enumerated().map { $0.offset == 5 ? 0 : $0.element * $0.element }
        let s2: [Double] = g2.map { $0 * $0 }
        let s3: [Double] = g3.map { $0 * $0 }
        let expected: [[Double]] = [s1, s2, s3]
        for (k, want) in expected.enumerated() {
            let got = scores.doubles(entry: k)
            for (a, b) in zip(got, want) {
                let tolerance: Double = 1e-12 * Swift.max(1.0, Swift.abs(b))
                #expect(Swift.abs(a - b) <= tolerance, "layer \(k): \(a) vs \(b)")
            }
        }
    }

    @Test func graspItPrunesLikeIterativeSnipNeverReviving() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], seed: 0))
        let digits = try BundledDigits.split(.train)
        let data = BatchSource.loader(DataLoader(images: digits, normalization: .digits, batchSize: 64, seed: 0))
        let r = try Pruner.prune(net, method: .graspIt, data: data, amount: .sparsity(0.99), options: PruningOptions(steps: 10))
        #expect(r.mask.kept == 502)
        #expect(r.steps.count == 10)
        #expect(r.steps.allSatisfy { $0.resurrected == 0 })
        #expect(PruningMethod(parsing: "GRASP-It") == .graspIt && PruningMethod.graspIt.defaultSteps == 60)
    }
}
