import Datasets
import Foundation
import NeuralNet
import Support
import Tensor
import Training

/// The stability measures of Frankle, Dziugaite, Roy, Carbin: "Stabilizing the Lottery Ticket
/// Hypothesis" (2019) and "Linear Mode Connectivity and the Lottery Ticket Hypothesis" (ICML 2020).
public enum Stability {
    /// How far apart two trained networks are on a mask's coordinates.
    public struct Distance: Sendable, Equatable {
        /// ‖m ⊙ W − m ⊙ W′‖₂ over the prunable weights.
        public var l2: Double
        /// The angle between m ⊙ W and m ⊙ W′, in degrees (0 for parallel vectors or a zero vector).
        public var angleDegrees: Double

        public init(l2: Double, angleDegrees: Double) {
            self.l2 = l2
            self.angleDegrees = angleDegrees
        }
    }

    /// Two trainings of the same starting point and what separates them.
    public struct Comparison {
        public var distance: Distance
        /// Final test accuracy of each trained network (0 without a test set).
        public var accuracies: [Double]
        public var networks: [Network<Float>]
    }

    /// A linear path between two networks: error at each α of α·W1 + (1 − α)·W2.
    public struct Interpolation: Sendable {
        public var alphas: [Double]
        /// Test error (1 − accuracy) at each α.
        public var errors: [Double]
        public var losses: [Double]
        /// Error barrier: sup over α of the error, minus the mean of the two end points' errors.
        public var barrier: Double {
            guard let first = errors.first, let last = errors.last else { return 0 }
            return (errors.max() ?? 0) - (first + last) / 2
        }
    }

    /// ‖m ⊙ a − m ⊙ b‖₂ and the angle between m ⊙ a and m ⊙ b over the prunable weights
    /// (every weight when `mask` is nil). Sums in Double.
    public static func distance(_ a: Network<Float>, _ b: Network<Float>, mask: Mask? = nil) throws(PruningError) -> Distance {
        let pa = a.prunable, pb = b.prunable
        guard pa.map(\.name) == pb.map(\.name), pa.map(\.parameter.shape) == pb.map(\.parameter.shape) else {
            throw PruningError("cannot compare \(a.architecture) with \(b.architecture): their weights differ")
        }
        if let mask, mask.names != pa.map(\.name) || mask.entries.map(\.shape) != pa.map(\.parameter.shape) {
            throw PruningError("mask does not fit \(a.architecture)")
        }
        var diff = 0.0, dot = 0.0, na = 0.0, nb = 0.0
        for (i, (x, y)) in zip(pa, pb).enumerated() {
            let u = x.parameter.value.scalars, v = y.parameter.value.scalars
            let bits = mask?.entries[i].bits
            for j in 0..<u.count where bits.map({ $0[j] != 0 }) ?? true {
                let p = Double(u[j]), q = Double(v[j])
                diff += (p - q) * (p - q)
                dot += p * q
                na += p * p
                nb += q * q
            }
        }
        let cosine = na > 0 && nb > 0 ? max(-1, min(1, dot / (na.squareRoot() * nb.squareRoot()))) : 1
        return Distance(l2: diff.squareRoot(), angleDegrees: acos(cosine) * 180 / Double.pi)
    }

    /// Stability to data order: two copies of the subnetwork m ⊙ W_k trained from step k with
    /// independent data orders (`seeds`), compared on the mask's coordinates.
    public static func dataOrder(rewind: Network<Float>, mask: Mask, rewindStep: Int, train: ImageSet, test: ImageSet?,
                                 normalization: Normalization, training: TrainingOptions, seeds: (UInt64, UInt64),
                                 cancel: CancellationToken? = nil) throws -> Comparison {
        var runs: [(Network<Float>, Double)] = []
        for seed in [seeds.0, seeds.1] {
            var recipe = training
            recipe.seed = seed
            runs.append(try trainCopy(rewind, mask: mask, rewindStep: rewindStep, train: train, test: test,
                                      normalization: normalization, training: recipe, cancel: cancel))
        }
        return Comparison(distance: try distance(runs[0].0, runs[1].0, mask: mask), accuracies: runs.map(\.1),
                          networks: runs.map(\.0))
    }

    /// Stability to pruning: the full network W_k and the subnetwork m ⊙ W_k trained from step k with
    /// the same data order, compared on the mask's coordinates.
    public static func pruning(rewind: Network<Float>, mask: Mask, rewindStep: Int, train: ImageSet, test: ImageSet?,
                               normalization: Normalization, training: TrainingOptions,
                               cancel: CancellationToken? = nil) throws -> Comparison {
        let full = try trainCopy(rewind, mask: nil, rewindStep: rewindStep, train: train, test: test,
                                 normalization: normalization, training: training, cancel: cancel)
        let sub = try trainCopy(rewind, mask: mask, rewindStep: rewindStep, train: train, test: test,
                                normalization: normalization, training: training, cancel: cancel)
        return Comparison(distance: try distance(full.0, sub.0, mask: mask), accuracies: [full.1, sub.1],
                          networks: [full.0, sub.0])
    }

    /// Test error along α·a + (1 − α)·b for `points` evenly spaced α in [0, 1], every parameter and BN
    /// buffer interpolated. Each value is b + α·(a − b) in Double, so a network with itself gives
    /// itself at every α (barrier exactly 0) and weights both masks prune stay exactly 0.
    public static func interpolate(_ a: Network<Float>, _ b: Network<Float>, test: ImageSet, normalization: Normalization,
                                   points: Int = 30, cancel: CancellationToken? = nil) throws -> Interpolation {
        guard points >= 2 else { throw PruningError("interpolation needs at least 2 points, got \(points)") }
        guard a.namedParameters.map(\.name) == b.namedParameters.map(\.name),
              a.namedParameters.map(\.parameter.shape) == b.namedParameters.map(\.parameter.shape) else {
            throw PruningError("cannot interpolate \(a.architecture) and \(b.architecture): their parameters differ")
        }
        guard Array(test.shape) == a.inputShape else {
            throw PruningError("\(a.architecture) takes inputs \(a.inputShape), \(test.name) has \(test.shape)")
        }
        let loader = DataLoader(images: test, normalization: normalization, batchSize: 500, shuffle: false)
        let net = b.copy()
        for (_, p) in net.namedParameters { p.mask = nil }
        var result = Interpolation(alphas: [], errors: [], losses: [])
        for i in 0..<points {
            if cancel?.isCancelled == true { throw Interruption("Interrupted at interpolation point \(i + 1) of \(points)") }
            let alpha = Double(i) / Double(points - 1)
            for ((_, p), ((_, pa), (_, pb))) in zip(net.namedParameters, zip(a.namedParameters, b.namedParameters)) {
                p.value = mix(pa.value, pb.value, alpha)
            }
            for ((_, q), ((_, qa), (_, qb))) in zip(net.namedBuffers, zip(a.namedBuffers, b.namedBuffers)) {
                q.value = mix(qa.value, qb.value, alpha)
            }
            let e = Evaluation.run(net, on: loader)
            result.alphas.append(alpha)
            result.errors.append(1 - e.accuracy)
            result.losses.append(e.loss)
        }
        return result
    }

    static func mix(_ a: Tensor<Float>, _ b: Tensor<Float>, _ alpha: Double) -> Tensor<Float> {
        let x = a.scalars, y = b.scalars
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let q = Double(y[i])
            out[i] = Float(q + alpha * (Double(x[i]) - q))
        }
        return Tensor<Float>(shape: a.shape, scalars: out)
    }

    /// Trains a copy of `rewind` (masked when `mask` is given) from `rewindStep`; returns it and its accuracy.
    static func trainCopy(_ rewind: Network<Float>, mask: Mask?, rewindStep: Int, train: ImageSet, test: ImageSet?,
                          normalization: Normalization, training: TrainingOptions,
                          cancel: CancellationToken?) throws -> (Network<Float>, Double) {
        let net = rewind.copy()
        for (_, p) in net.namedParameters { p.mask = nil }
        try mask?.apply(to: net)
        var recipe = training
        recipe.startStep = rewindStep
        let run = try Trainer.train(net, train: train, test: test, normalization: normalization, options: recipe, cancel: cancel)
        if run.cancelled { throw Interruption("Interrupted after \(run.steps) training steps") }
        return (net, run.test?.accuracy ?? 0)
    }
}
