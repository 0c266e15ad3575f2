import NeuralNet
import Tensor
import Testing
import Training

@Suite struct SGDTests {
    /// PyTorch's update by hand: d = g + wd·w; buf = d, then μ·buf + d; w −= lr·buf.
    @Test func momentumAndWeightDecayByHand() {
        let p = Parameter(Tensor<Float>(shape: [2], scalars: [1, -2]), role: .bias)
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        p.grad = Tensor<Float>(shape: [2], scalars: [0.5, 0.5])
        sgd.step()
        // d = 0.5 + 0.01·w → 0.51, 0.48; w = 1 − 0.051, −2 − 0.048
        #expect(abs(p.value[flat: 0] - 0.949) < 1e-6 && abs(p.value[flat: 1] + 2.048) < 1e-6)
        sgd.step()
        // d2 = 0.5 + 0.01·0.949 = 0.50949; buf = 0.9·0.51 + 0.50949 = 0.96849; w = 0.949 − 0.096849
        #expect(abs(p.value[flat: 0] - 0.852151) < 1e-6)
    }

    @Test func nesterov() {
        let p = Parameter(Tensor<Float>(shape: [1], scalars: [0]), role: .bias)
        let sgd = SGD(parameters: [p], learningRate: 1, momentum: 0.5, nesterov: true)
        p.grad = Tensor<Float>(shape: [1], scalars: [1])
        sgd.step()   // buf = 1; d = 1 + 0.5 = 1.5
        #expect(p.value[flat: 0] == -1.5)
        sgd.step()   // buf = 1.5; d = 1 + 0.75
        #expect(p.value[flat: 0] == -3.25)
    }

    @Test func maskedWeightsStayZero() {
        let p = Parameter(Tensor<Float>(shape: [4], scalars: [1, 2, 3, 4]), role: .weight)
        p.mask = Tensor<Float>(shape: [4], scalars: [1, 0, 1, 0])
        p.applyMask()
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        for _ in 0..<5 {
            p.grad = Tensor<Float>(repeating: 1, shape: [4])
            sgd.step()
            #expect(p.value[flat: 1] == 0 && p.value[flat: 3] == 0)
        }
        #expect(p.value[flat: 0] != 1)
    }
}
