import Datasets
import NeuralNet
import Pruning
import Tensor
import Testing
import Training

/// IMP with rewinding and the stability measures, on the bundled digits (small and fast).
@Suite struct LotteryTests {
    static func net(seed: UInt64 = 0) throws -> Network<Float> {
        try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], seed: seed))
    }

    static func data() throws -> (ImageSet, ImageSet) {
        (try BundledDigits.split(.train), try BundledDigits.split(.test))
    }

    static func weights(_ n: Network<Float>) -> [[Float]] { n.namedParameters.map(\.parameter.value.scalars) }

    @Test func removesTheFractionEachRoundAndKeepsIgnoredTensorsDense() throws {
        let (train, test) = try Self.data()
        let recipe = TrainingOptions(steps: 30, batchSize: 32, learningRate: 0.05, seed: 3)
        let result = try IMP.run(try Self.net(), train: train, test: test, normalization: .digits,
                                 options: IMP.Options(rounds: 4, fraction: 0.2, ignore: ["fc3.weight"], training: recipe))
        #expect(result.rounds.count == 5)
        var previous = result.rounds[0].mask
        #expect(previous.kept == previous.total)
        for round in result.rounds.dropFirst() {
            let active = { (m: Mask) in m.entries.filter { $0.name != "fc3.weight" }.reduce(0) { $0 + $1.kept } }
            #expect(active(round.mask) == Int((Double(active(previous)) * 0.8).rounded(.down)), "round \(round.round)")
            #expect(round.mask.entry("fc3.weight")?.kept == 100 * 10)
            // nested: a weight pruned once stays pruned
            #expect(try round.mask.and(previous) == round.mask)
            // the trained network of the round honours its mask
            for (p, e) in zip(round.network.prunable, round.mask.entries) {
                #expect(zip(p.parameter.value.scalars, e.bits).allSatisfy { $1 == 1 || $0 == 0 })
            }
            #expect(round.accuracy > 0.5, "round \(round.round) accuracy \(round.accuracy)")
            previous = round.mask
        }
        // 4 rounds of 20%: 0.8^4 of the 8,200 active weights (floored each round)
        var expected = 64 * 300 + 300 * 100
        for _ in 0..<4 { expected = Int((Double(expected) * 0.8).rounded(.down)) }
        #expect(result.rounds[4].mask.kept == expected + 1000)
    }

    @Test func layerwiseRemovesTheFractionFromEveryTensor() throws {
        let (train, test) = try Self.data()
        let recipe = TrainingOptions(steps: 10, batchSize: 32, learningRate: 0.05)
        let result = try IMP.run(try Self.net(), train: train, test: test, normalization: .digits,
                                 options: IMP.Options(rounds: 2, scope: .layerwise, training: recipe))
        for (a, b) in zip(result.rounds[1].mask.entries, result.rounds[2].mask.entries) {
            #expect(b.kept == Int((Double(a.kept) * 0.8).rounded(.down)), "\(a.name)")
        }
    }

    /// Every round starts from m ⊙ W_k, not from the previous round's trained weights: retraining
    /// the rewind point under a round's mask reproduces that round bit for bit.
    @Test func rewindsExactlyToStepK() throws {
        let (train, test) = try Self.data()
        let recipe = TrainingOptions(steps: 40, batchSize: 32, learningRate: 0.05, seed: 7)
        let net = try Self.net(seed: 1)
        let result = try IMP.run(net, train: train, test: test, normalization: .digits,
                                 options: IMP.Options(rounds: 2, rewindStep: 12, training: recipe))
        // W_k is the first k steps of the dense recipe
        let pre = net.copy()
        var first = recipe
        first.stopStep = 12
        _ = try Trainer.train(pre, train: train, test: nil, normalization: .digits, options: first)
        #expect(Self.weights(pre) == Self.weights(result.rewind))
        for round in result.rounds {
            let again = result.rewind.copy()
            try round.mask.apply(to: again)
            var resumed = recipe
            resumed.startStep = 12
            _ = try Trainer.train(again, train: train, test: test, normalization: .digits, options: resumed)
            #expect(Self.weights(again) == Self.weights(round.network), "round \(round.round)")
        }
        // the original network is untouched
        #expect(Self.weights(net) == Self.weights(try Self.net(seed: 1)))
    }

    /// Without momentum, stopping at k and resuming from k is the same run as going straight through.
    @Test func resumingAtStepKContinuesTheSameRun() throws {
        let (train, _) = try Self.data()
        var recipe = TrainingOptions(steps: 70, batchSize: 32, learningRate: 0.05, momentum: 0, seed: 5)
        let straight = try Self.net()
        _ = try Trainer.train(straight, train: train, test: nil, normalization: .digits, options: recipe)
        let split = try Self.net()
        recipe.stopStep = 50   // crosses an epoch boundary (44 batches per epoch)
        let a = try Trainer.train(split, train: train, test: nil, normalization: .digits, options: recipe)
        #expect(a.steps == 50)
        recipe.stopStep = nil
        recipe.startStep = 50
        let b = try Trainer.train(split, train: train, test: nil, normalization: .digits, options: recipe)
        #expect(b.steps == 70)
        #expect(Self.weights(straight) == Self.weights(split))
    }

    @Test func rejectsBadOptions() throws {
        let (train, test) = try Self.data()
        let recipe = TrainingOptions(steps: 1)
        #expect(throws: PruningError.self) {
            try IMP.run(try Self.net(), train: train, test: test, normalization: .digits,
                        options: IMP.Options(rounds: 1, fraction: 1.2, training: recipe))
        }
        do {
            _ = try IMP.run(try Self.net(), train: train, test: test, normalization: .digits,
                            options: IMP.Options(rounds: 1, ignore: ["fc9.weight"], training: recipe))
            Issue.record("expected an error")
        } catch let e as PruningError {
            #expect(e.message.contains("fc9.weight"))
        }
    }

    @Test func distancesByHand() throws {
        let a = try Self.net(), b = try Self.net()
        #expect(try Stability.distance(a, a.copy()) == Stability.Distance(l2: 0, angleDegrees: 0))
        // move two weights of b: one inside the mask, one outside it
        var w = b.prunable[0].parameter.value.scalars
        w[0] += 3
        w[1] += 4
        b.prunable[0].parameter.value = Tensor<Float>(shape: b.prunable[0].parameter.shape, scalars: w)
        #expect(abs(try Stability.distance(a, b).l2 - 5) < 1e-6)
        var mask = Mask.dense(for: a)
        mask.entries[0].bits[1] = 0
        #expect(abs(try Stability.distance(a, b, mask: mask).l2 - 3) < 1e-6)
        // the angle between w and −w is 180°
        let c = a.copy()
        for (_, p) in c.prunable { p.value = p.value.map { -$0 } }
        #expect(abs(try Stability.distance(a, c).angleDegrees - 180) < 1e-6)
    }

    @Test func interpolationOfANetworkWithItselfHasNoBarrier() throws {
        let (train, test) = try Self.data()
        let net = try Self.net()
        _ = try Trainer.train(net, train: train, test: nil, normalization: .digits,
                              options: TrainingOptions(steps: 40, batchSize: 32, learningRate: 0.05))
        let path = try Stability.interpolate(net, net.copy(), test: test, normalization: .digits, points: 7)
        #expect(path.alphas == (0..<7).map { Double($0) / 6 })
        #expect(Set(path.errors).count == 1)
        #expect(path.barrier == 0)
    }

    @Test func dataOrderAndPruningStability() throws {
        let (train, test) = try Self.data()
        let recipe = TrainingOptions(steps: 40, batchSize: 32, learningRate: 0.05)
        let net = try Self.net()
        let mask = try Pruner.prune(net, method: .magnitude, data: nil, amount: .sparsity(0.8)).mask
        let same = try Stability.dataOrder(rewind: net, mask: mask, rewindStep: 0, train: train, test: test,
                                           normalization: .digits, training: recipe, seeds: (4, 4))
        #expect(same.distance.l2 == 0)
        let different = try Stability.dataOrder(rewind: net, mask: mask, rewindStep: 0, train: train, test: test,
                                                normalization: .digits, training: recipe, seeds: (4, 5))
        #expect(different.distance.l2 > 0)
        #expect(different.distance.angleDegrees > 0 && different.distance.angleDegrees < 90)
        let pruning = try Stability.pruning(rewind: net, mask: mask, rewindStep: 0, train: train, test: test,
                                            normalization: .digits, training: recipe)
        #expect(pruning.distance.l2 > 0)
        #expect(pruning.accuracies.count == 2 && pruning.accuracies.allSatisfy { $0 > 0.3 })
        // the interpolation between the two data orders ends at each network's own error
        let path = try Stability.interpolate(different.networks[0], different.networks[1], test: test,
                                             normalization: .digits, points: 5)
        #expect(abs(path.errors[4] - (1 - different.accuracies[0])) < 1e-12)
        #expect(abs(path.errors[0] - (1 - different.accuracies[1])) < 1e-12)
        #expect(path.barrier >= 0)
    }
}
