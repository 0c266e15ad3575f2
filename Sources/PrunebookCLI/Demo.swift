import ArgumentParser
import NeuralNet
import Tensor
import Training

/// `prunebook demo`: the quickstart.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the quickstart on the bundled digits.")

    func run() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], seed: 0))
        print("lenet300: \(net.prunableCount) prunable weights, BLAS core \(BLAS.coreName)")
    }
}
