import Foundation
import Tensor
import Testing
import Training

@Suite struct LossTests {
    @Test func crossEntropyByHand() {
        let z = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let (loss, g) = Loss.crossEntropy.evaluate(logits: z, labels: [2, 0])
        let l0 = -3 + log(exp(1.0) + exp(2.0) + exp(3.0)), l1 = log(3.0)
        #expect(abs(loss - (l0 + l1) / 2) < 1e-6)
        let p = [exp(1.0), exp(2.0), exp(3.0)].map { $0 / (exp(1.0) + exp(2.0) + exp(3.0)) }
        #expect(abs(Double(g[[0, 2]]) - (p[2] - 1) / 2) < 1e-7)
        let third: Double = 1.0 / 3
        let g10 = Double(g[[1, 0]]), g11 = Double(g[[1, 1]])
        #expect(abs(g10 - (third - 1) / 2) < 1e-7)
        #expect(abs(g11 - third / 2) < 1e-7)
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        let z = Tensor<Float>(shape: [1, 2], scalars: [1e4, -1e4])
        let (loss, g) = Loss.crossEntropy.evaluate(logits: z, labels: [1])
        #expect(abs(loss - 2e4) < 1)
        #expect(g.scalars.allSatisfy { $0.isFinite })
    }

    @Test func targetLogit() {
        let z = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let (loss, g) = Loss.targetLogit.evaluate(logits: z, labels: [1, 0])
        #expect(loss == -2.5)
        #expect(g.scalars == [0, -0.5, -0.5, 0])
    }
}
