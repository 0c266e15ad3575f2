import Datasets
import Foundation
import NeuralNet
import Pruning
import TestSupport
import Testing
import Training

/// The FORCE paper's claim in miniature (not part of `make test`: about ten minutes on two cores).
/// Run with `PRUNEBOOK_EXPERIMENTS=1 swift test -c release -Xswiftc -enable-testing --filter PaperClaimExperiment`.
/// lenet300 on MNIST; every method prunes the same initial weights with the same batches, and every
/// mask trains with the same recipe; three seeds (initialization, pruning batches, data order).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PRUNEBOOK_EXPERIMENTS"] == "1", "set PRUNEBOOK_EXPERIMENTS=1 to run"))
struct PaperClaimExperiment {
    @Test func lenet300OnMNIST() throws {
        let dir = DataDirectory(explicit: Golden.dataFolder)
        let train = try DatasetCatalog.load(.mnist, split: .train, directory: dir)
        let test = try DatasetCatalog.load(.mnist, split: .test, directory: dir)
        let methods: [PruningMethod] = [.random, .magnitude, .snip, .grasp, .synflow, .iterSnip, .force]
        let sparsities = [0.9, 0.99, 0.995, 0.999]
        let seeds: [UInt64] = [0, 1, 2]
        let recipe = { (seed: UInt64) in
            TrainingOptions(epochs: 3, batchSize: 128, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4,
                            schedule: .cosine, seed: seed, evaluateEachEpoch: false)
        }
        var rows: [String] = []
        var accuracy: [String: [Double]] = [:]
        for seed in seeds {
            let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 28, 28], seed: seed))
            let dense = net.copy()
            let d = try Trainer.train(dense, train: train, test: test, normalization: .mnist, options: recipe(seed))
            accuracy["dense", default: []].append(d.test?.accuracy ?? 0)
            let data = BatchSource.loader(DataLoader(images: train, normalization: .mnist, batchSize: 128, seed: seed + 100))
            for method in methods {
                for s in sparsities {
                    let start = Date()
                    let mask = try Pruner.prune(net, method: method, data: data, amount: .sparsity(s),
                                                options: PruningOptions(seed: seed)).mask
                    let pruneSeconds = Date().timeIntervalSince(start)
                    let report = try MaskReport(mask: mask, network: net)
                    let copy = net.copy()
                    try mask.apply(to: copy)
                    let run = try Trainer.train(copy, train: train, test: test, normalization: .mnist, options: recipe(seed))
                    let acc = run.test?.accuracy ?? 0
                    accuracy["\(method.rawValue)@\(s)", default: []].append(acc)
                    let layers = report.rows.map { "\($0.kept)" }.joined(separator: "/")
                    rows.append("seed \(seed) \(method.rawValue) \(s): acc \(acc) kept \(mask.kept) per layer \(layers)"
                                + (report.warnings.isEmpty ? "" : " COLLAPSE") + String(format: " prune %.2fs", pruneSeconds))
                    print(rows.last ?? "")
                }
            }
        }
        func stats(_ v: [Double]) -> String {
            let m = v.reduce(0, +) / Double(v.count)
            let sd = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, v.count - 1))).squareRoot()
            return String(format: "%.2f ± %.2f", 100 * m, 100 * sd)
        }
        print("dense: \(stats(accuracy["dense"] ?? []))")
        print("method      " + sparsities.map { String(format: "%14.1f%%", $0 * 100) }.joined())
        for method in methods {
            let cells = sparsities.map { s in stats(accuracy["\(method.rawValue)@\(s)"] ?? []).padding(toLength: 15, withPad: " ", startingAt: 0) }
            print(method.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + cells.joined())
        }
    }
}
