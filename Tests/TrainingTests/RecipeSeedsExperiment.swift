import Datasets
import Foundation
import NeuralNet
import TestSupport
import Testing
import Training

/// The spread of the LeNet-5 / Fashion-MNIST recipe over many seeds, to set beside
/// `scripts/torch_recipes.py fashion-mnist --seeds 0,...,39` (not part of `make test`: about
/// 15 minutes for 40 seeds on two cores). Run with
/// `PRUNEBOOK_EXPERIMENTS=1 PRUNEBOOK_SEEDS=40 swift test -c release -Xswiftc -enable-testing --filter RecipeSeedsExperiment`.
/// It prints every seed's test accuracy, the median, mean and standard deviation, and how often a
/// median of three consecutive seeds falls below the 85.5% floor.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PRUNEBOOK_EXPERIMENTS"] == "1", "set PRUNEBOOK_EXPERIMENTS=1 to run"))
struct RecipeSeedsExperiment {
    @Test func lenet5OnFashionMNIST() throws {
        let seeds = UInt64(ProcessInfo.processInfo.environment["PRUNEBOOK_SEEDS"].flatMap { Int($0) } ?? 12)
        let dir = DataDirectory(explicit: Golden.dataFolder)
        let train = try DatasetCatalog.load(.fashionMNIST, split: .train, directory: dir)
        let test = try DatasetCatalog.load(.fashionMNIST, split: .test, directory: dir)
        var accuracy: [Double] = []
        for seed in 0..<seeds {
            let net = try ModelZoo.build(ModelSpec(name: "lenet5", input: [1, 28, 28], seed: seed))
            let run = try Trainer.train(net, train: train, test: test, normalization: .mnist,
                                        options: TrainingOptions(epochs: 2, batchSize: 128, learningRate: 0.01, seed: seed,
                                                                 evaluateEachEpoch: false))
            let a = 100 * (run.test?.accuracy ?? 0)
            accuracy.append(a)
            print(String(format: "seed %2d  %.2f%%", Int(seed), a))
        }
        let sorted = accuracy.sorted()
        let mean = accuracy.reduce(0, +) / Double(accuracy.count)
        let sd = (accuracy.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, accuracy.count - 1))).squareRoot()
        let triples = accuracy.count >= 3 ? (0...(accuracy.count - 3)).map { Array(accuracy[$0..<($0 + 3)]).sorted()[1] } : []
        let low = triples.filter { $0 < 85.5 }.count
        print(String(format: "lenet5/fashion-mnist, %d seeds: median %.2f%%, mean %.2f ± %.2f%%, %d of %d consecutive triples have a median below 85.5%%",
                     accuracy.count, sorted[sorted.count / 2], mean, sd, low, triples.count))
        #expect(accuracy.allSatisfy { $0 > 80 }, "a seed trained far below the recipe's range")
    }
}
