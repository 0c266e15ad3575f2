import Datasets
import NeuralNet
import Support
import Tensor
import Training

/// Iterative magnitude pruning with rewinding (Frankle & Carbin 2019; Frankle, Dziugaite, Roy,
/// Carbin: "Stabilizing the Lottery Ticket Hypothesis", 2019): train, remove a fraction of the
/// remaining weights by magnitude, rewind the survivors to their values at step k, repeat.
public enum IMP {
    public struct Options: Sendable {
        /// Pruning rounds after the dense round 0.
        public var rounds: Int
        /// Fraction of the remaining weights removed per round (0.2 in the papers).
        public var fraction: Double
        /// k: the iteration to rewind to (0 = the original lottery ticket, rewinding to initialization).
        public var rewindStep: Int
        public var scope: PruningScope
        /// Prunable tensors that stay dense (open_lth ignores `fc.weight` of LeNet and VGG by default).
        public var ignore: [String]
        /// The training recipe of every round, and of the k iterations that make the rewind point.
        public var training: TrainingOptions

        public init(rounds: Int, fraction: Double = 0.2, rewindStep: Int = 0, scope: PruningScope = .global,
                    ignore: [String] = [], training: TrainingOptions) {
            self.rounds = rounds
            self.fraction = fraction
            self.rewindStep = rewindStep
            self.scope = scope
            self.ignore = ignore
            self.training = training
        }
    }

    /// One round: the mask it trained under and what training gave.
    public struct Round {
        /// 0 is the dense network.
        public var round: Int
        public var mask: Mask
        /// Kept fraction of all prunable weights (ignored tensors count as kept).
        public var density: Double
        /// Final test accuracy (0 without a test set).
        public var accuracy: Double
        public var run: TrainingRun
        /// The trained network of this round (masked).
        public var network: Network<Float>
    }

    /// Everything a run produced.
    public struct Result {
        /// W_k: the dense network after `rewindStep` iterations, which every round starts from.
        public var rewind: Network<Float>
        public var rounds: [Round]
    }

    /// Runs round 0 (dense) and `rounds` pruning rounds. `network` is left unchanged.
    /// Cancellation stops after the current round's training with the rounds done so far.
    public static func run(_ network: Network<Float>, train: ImageSet, test: ImageSet?, normalization: Normalization,
                           options: Options, progress: (any TrainingProgress)? = nil,
                           cancel: CancellationToken? = nil) throws -> Result {
        guard options.fraction > 0, options.fraction < 1 else {
            throw PruningError("fraction must be in (0, 1) (the share of remaining weights removed per round), got \(options.fraction)")
        }
        guard options.rounds >= 0 else { throw PruningError("rounds must be ≥ 0, got \(options.rounds)") }
        guard options.rewindStep >= 0 else { throw PruningError("rewind step must be ≥ 0, got \(options.rewindStep)") }
        let names = network.prunable.map(\.name)
        let unknown = options.ignore.filter { !names.contains($0) }
        guard unknown.isEmpty else {
            throw PruningError("cannot ignore \(unknown.joined(separator: ", ")): not a prunable tensor (prunable: \(Mask.describe(names)))")
        }
        let rewind = try rewindPoint(network, train: train, normalization: normalization, options: options, cancel: cancel)
        var mask = Mask.dense(for: rewind)
        var rounds: [Round] = []
        for r in 0...options.rounds {
            if let last = rounds.last {
                mask = nextMask(trained: last.network, mask: mask, options: options)
            }
            let net = rewind.copy()
            try mask.apply(to: net)
            var recipe = options.training
            recipe.startStep = options.rewindStep
            let run = try Trainer.train(net, train: train, test: test, normalization: normalization, options: recipe,
                                        progress: progress, cancel: cancel)
            rounds.append(Round(round: r, mask: mask, density: mask.density, accuracy: run.test?.accuracy ?? 0,
                                run: run, network: net))
            if run.cancelled { break }
        }
        return Result(rewind: rewind, rounds: rounds)
    }

    /// W_k: the dense network trained `rewindStep` iterations with the main recipe (its schedule
    /// spans the whole run, as open_lth's pretraining does); W_0 is the network itself.
    public static func rewindPoint(_ network: Network<Float>, train: ImageSet, normalization: Normalization, options: Options,
                                   cancel: CancellationToken? = nil) throws -> Network<Float> {
        let rewind = network.copy()
        for (_, p) in rewind.namedParameters { p.mask = nil }
        if options.rewindStep > 0 {
            var pre = options.training
            pre.stopStep = options.rewindStep
            pre.evaluateEachEpoch = false
            let run = try Trainer.train(rewind, train: train, test: nil, normalization: normalization, options: pre, cancel: cancel)
            if run.cancelled { throw Interruption("Interrupted while training to the rewind point (step \(run.steps) of \(options.rewindStep))") }
        }
        return rewind
    }

    /// The next round's mask: of the R weights the current mask keeps outside `ignore`, keep the
    /// floor(R·(1 − f)) with the largest trained magnitudes (per tensor with `.layerwise`); ties by
    /// the exact rule. open_lth removes ceil(f·R) + 1 per level; we remove exactly R − floor(R·(1 − f)).
    public static func nextMask(trained: Network<Float>, mask: Mask, options: Options) -> Mask {
        let ignored = Set(options.ignore)
        let magnitudes = Saliency.magnitude(trained)
        var out = mask
        let active = mask.entries.indices.filter { !ignored.contains(mask.entries[$0].name) }
        func keep(_ remaining: Int) -> Int { Int((Double(remaining) * (1 - options.fraction)).rounded(.down)) }
        switch options.scope {
        case .global:
            var scores: [Float] = [], previous: [UInt8] = []
            for i in active {
                scores += magnitudes.entries[i].scores.scalars
                previous += mask.entries[i].bits
            }
            let k = keep(previous.reduce(0) { $0 + Int($1) })
            // a pruned weight of a trained masked network is exactly 0, so it never outranks a survivor
            let bits = Selection.keepTop(flat: scores, k: k, previous: previous)
            var o = 0
            for i in active {
                let n = out.entries[i].count
                out.entries[i].bits = Array(bits[o..<(o + n)])
                o += n
            }
        case .layerwise:
            for i in active {
                let e = mask.entries[i]
                out.entries[i].bits = Selection.keepTop(flat: magnitudes.entries[i].scores.scalars, k: keep(e.kept), previous: e.bits)
            }
        }
        return out
    }
}
