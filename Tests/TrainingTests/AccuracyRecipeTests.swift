import Datasets
import Foundation
import NeuralNet
import Tensor
import TestSupport
import Testing
import Training

/// The reference recipes (SGD momentum 0.9, weight decay 5e-4, Kaiming init, no augmentation,
/// seeded shuffling): the median test accuracy of five seeds must reach the stated floor. Five, not three:
/// LeNet-5 on Fashion-MNIST after two epochs spreads over 84.0–87.6% across 40 seeds, as PyTorch's
/// runs of the same recipe do (84.0–87.6%, means 86.37 and 86.51, Welch p = 0.41; see
/// `RecipeSeedsExperiment`), so a median of three falls below the 85.5% floor for about 4% of seed
/// triples (1.6% of PyTorch's), our seeds 0–2 among them; a median of five, for about 1.6%.
/// Run in the release test build; each prints its numbers for the record.
@Suite(.serialized) struct AccuracyRecipeTests {
    static func median(_ seeds: [UInt64], _ run: (UInt64) throws -> Double) rethrows -> (median: Double, all: [Double]) {
        let all = try seeds.map(run)
        return (all.sorted()[all.count / 2], all)
    }

    @Test func lenet300OnDigits() throws {
        let train = try BundledDigits.split(.train), test = try BundledDigits.split(.test)
        let (m, all) = try Self.median([0, 1, 2, 3, 4]) { seed in
            let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], seed: seed))
            return try Trainer.train(net, train: train, test: test, normalization: .digits,
                                     options: TrainingOptions(epochs: 20, batchSize: 32, learningRate: 0.05, seed: seed)).test?.accuracy ?? 0
        }
        print("recipe lenet300/digits: median \(m), seeds \(all)")
        #expect(m >= 0.92)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "../shared/data not found"),
          arguments: [(DatasetName.mnist, 0.978), (.fashionMNIST, 0.855)])
    func lenet5(dataset: DatasetName, floor: Double) throws {
        let dir = DataDirectory(explicit: Golden.dataFolder)
        let train = try DatasetCatalog.load(dataset, split: .train, directory: dir)
        let test = try DatasetCatalog.load(dataset, split: .test, directory: dir)
        var seconds: [Double] = []
        let (m, all) = try Self.median([0, 1, 2, 3, 4]) { seed in
            let net = try ModelZoo.build(ModelSpec(name: "lenet5", input: [1, 28, 28], seed: seed))
            let run = try Trainer.train(net, train: train, test: test, normalization: .mnist,
                                        options: TrainingOptions(epochs: 2, batchSize: 128, learningRate: 0.01, seed: seed,
                                                                 evaluateEachEpoch: false))
            seconds += run.epochs.map(\.seconds)
            return run.test?.accuracy ?? 0
        }
        print("recipe lenet5/\(dataset.rawValue): median \(m), seeds \(all), seconds per epoch \(seconds)")
        #expect(m >= floor)
    }

    /// A 95%-pruned LeNet-300-100 trained with the sparse kernels reaches the accuracy the dense
    /// kernels reach: the medians of five seeds differ by less than the dense seeds' own spread.
    @Test func sparseKernelsTrainAsDenseOnes() throws {
        let train = try BundledDigits.split(.train), test = try BundledDigits.split(.test)
        func run(_ kernels: KernelChoice, seed: UInt64) throws -> Double {
            let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], seed: seed))
            var g = Philox(seed: seed, stream: 3)
            for (_, p) in net.prunable {
                p.mask = Tensor(shape: p.shape, scalars: (0..<p.value.count).map { _ in g.uniformDouble() < 0.05 ? 1 : 0 })
            }
            var options = TrainingOptions(epochs: 20, batchSize: 32, learningRate: 0.05, seed: seed)
            options.kernels = kernels
            let r = try Trainer.train(net, train: train, test: test, normalization: .digits, options: options)
            for (_, p) in net.prunable {
                guard let m = p.mask else { continue }
                #expect((0..<m.count).allSatisfy { m[flat: $0] != 0 || p.value[flat: $0] == 0 }, "pruned weights stay zero")
            }
            return r.test?.accuracy ?? 0
        }
        let seeds: [UInt64] = [0, 1, 2, 3, 4]
        let dense = try Self.median(seeds) { try run(.dense, seed: $0) }
        let sparse = try Self.median(seeds) { try run(.sparse, seed: $0) }
        let spread = (dense.all.max() ?? 0) - (dense.all.min() ?? 0)
        print("recipe lenet300/digits at density 0.05: dense \(dense.all), sparse \(sparse.all)")
        #expect(abs(sparse.median - dense.median) <= max(spread, 0.01), "sparse \(sparse.all) vs dense \(dense.all)")
        #expect(dense.median >= 0.8)
    }
}
