import NeuralNet
import Tensor
import TestSupport
import Testing
import Training

/// Logits, loss and every gradient of batch 0 (BN in train mode) against PyTorch.
@Suite(.enabled(if: Golden.available, "golden fixtures not found at ../shared/golden"))
struct GoldenForwardBackwardTests {
    static func network(_ f: GoldenFixture) throws -> Network<Float> {
        let net = try ModelZoo.build(ModelSpec(name: f.model, input: f.input, classes: f.classes, width: f.width))
        try net.loadWeights(from: f.file, prefix: "param.")
        return net
    }

    @Test(arguments: Golden.names)
    func prunableNamesMatch(name: String) throws {
        let f = try GoldenFixture(name)
        let net = try Self.network(f)
        #expect(net.prunable.map(\.name) == f.prunable)
    }

    @Test(arguments: Golden.names)
    func logitsLossAndGradients(name: String) throws {
        let f = try GoldenFixture(name)
        let net = try Self.network(f)
        let (x, y) = try f.batch(0)
        let logits = net.forward(x, mode: .train)
        #expect(logits.relativeError(to: try f.tensor("logits")) <= 1e-4, "\(name) logits")
        let (loss, dLogits) = Loss.crossEntropy.evaluate(logits: logits, labels: y)
        let ref = Double(try f.tensor("loss")[flat: 0])
        #expect(abs(loss - ref) / abs(ref) <= 1e-4, "\(name) loss \(loss) vs \(ref)")
        net.zeroGradients()
        net.backward(dLogits)
        for (pname, p) in net.namedParameters {
            let e = p.grad.relativeError(to: try f.tensor("grad.\(pname)"))
            #expect(e <= 1e-4, "\(name) grad.\(pname): relative error \(e)")
        }
    }

    @Test func loadWeightsChecksNamesAndShapes() throws {
        let f = try GoldenFixture("lenet5_mnist")
        let wrong = try ModelZoo.build(ModelSpec(name: "lenet5", width: 0.5))
        #expect {
            try wrong.loadWeights(from: f.file, prefix: "param.")
        } throws: { error in
            let m = (error as? StateError)?.message ?? ""
            return m.contains("wrong shape") && m.contains("param.conv1.weight: file has [6, 1, 5, 5], model has [3, 1, 5, 5]")
        }
        let other = try ModelZoo.build(ModelSpec(name: "lenet300"))
        #expect {
            try other.loadWeights(from: f.file, prefix: "param.")
        } throws: { error in
            let m = (error as? StateError)?.message ?? ""
            return m.contains("missing") || m.contains("unexpected")
        }
    }
}
