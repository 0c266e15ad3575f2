import ArgumentParser
import Datasets
import NeuralNet
import Tensor
import Training

/// `prunebook demo`: a smoke test without files. It trains LeNet-300-100 on the
/// bundled 8×8 digits with the reference recipe and reports test accuracy.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train LeNet-300-100 on the bundled digits and print its accuracy (a smoke test that writes no files; make demo replays the quickstart notebook).")

    @Option(help: "Seed for initialization and data order.")
    var seed: UInt64 = 0

    @Option(help: "Training epochs.")
    var epochs = 20

    func run() throws {
        let train = try BundledDigits.split(.train)
        let test = try BundledDigits.split(.test)
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], classes: 10, seed: seed))
        print("lenet300 on the bundled digits: \(train.count) train / \(test.count) test images, "
              + "\(net.prunableCount) prunable weights, BLAS core \(BLAS.coreName)")
        let options = TrainingOptions(epochs: epochs, batchSize: 32, learningRate: 0.05, momentum: 0.9,
                                      weightDecay: 5e-4, seed: seed)
        let run = try Trainer.train(net, train: train, test: test, normalization: .digits, options: options,
                                    progress: ConsoleProgress())
        let acc = (run.test?.accuracy ?? 0) * 100
        print("test accuracy \((acc * 100).rounded() / 100)% after \(run.steps) steps")
    }
}
