import NeuralNet
import Tensor
import Training

/// Connection sensitivities of the prunable weights, in the precision of the network they are
/// computed on: a `Network<Float>` for the float32 engine, the same network `converted(to: Double.self)`
/// for scores ranked in Double (`ScorePrecision.double`). One implementation serves both.
public enum Saliency {
    /// Mean over `batches` of ∂loss/∂w for every prunable weight, BatchNorm in train mode.
    /// The network's gradients are overwritten; its parameters are not changed
    /// (BatchNorm running statistics are: pass a copy when they matter).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func meanGradients<Scalar: TensorScalar>(_ network: Network<Scalar>, batches: [Int], from source: BatchSource,
                                                           loss: Loss) -> [Tensor<Scalar>] {
        let prunable = network.prunable.map(\.parameter)
        var sum = prunable.map { Tensor<Scalar>(zeros: $0.shape) }
        for i in batches {
            let b = source.batch(i)
            network.zeroGradients()
            let logits = network.forward(b.inputs.converted(to: Scalar.self), mode: .train)
            network.backward(loss.evaluate(logits: logits, labels: b.labels).gradient)
            for (k, p) in prunable.enumerated() {
                sum[k].add(p.grad, scaledBy: 1 / Scalar(batches.count))
            }
        }
        return sum
    }

    /// SNIP (Lee et al. 2019): |w ⊙ ∂L/∂w| on the first `batchesPerStep` batches, BN in train mode.
    /// Computed on a copy: the network is not changed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func snip<Scalar: TensorScalar>(_ network: Network<Scalar>, data: BatchSource, loss: Loss = .crossEntropy,
                                                  batchesPerStep: Int = 1) -> ScoreSet {
        let work = network.copy()
        let g = meanGradients(work, batches: Array(0..<batchesPerStep), from: data, loss: loss)
        return ScoreSet(names: network.prunable.map(\.name),
                        scores: zip(network.prunable, g).map { p, gi in (p.parameter.value * gi).map { abs($0) } })
    }

    /// |w|.
    public static func magnitude(_ network: Network<Float>) -> ScoreSet {
        ScoreSet(entries: network.prunable.map { ($0.name, $0.parameter.value.map { abs($0) }) })
    }

    /// Independent standard normal draws per weight (a uniformly random mask once ranked),
    /// from the `pruning` stream of `seed`.
    public static func random(_ network: Network<Float>, seed: UInt64) -> ScoreSet {
        var rng = RandomPurpose.pruning.generator(seed: seed)
        return ScoreSet(entries: network.prunable.map { p in
            (p.name, Tensor(shape: p.parameter.shape, scalars: (0..<p.parameter.value.count).map { _ in Float(rng.normal()) }))
        })
    }

    /// SynFlow (Tanaka et al. 2020): every parameter and BN buffer replaced by its absolute value
    /// (pruned weights zero under `mask`), BN in eval mode, an all-ones input of one image,
    /// R = sum of the logits, score |w ⊙ ∂R/∂w|. The network is not changed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func synflow<Scalar: TensorScalar>(_ network: Network<Scalar>, mask: Mask? = nil) throws(PruningError) -> ScoreSet {
        let work = network.copy()
        for (_, p) in work.namedParameters {
            p.mask = nil
            p.value = p.value.map { abs($0) }
        }
        for (_, b) in work.namedBuffers { b.value = b.value.map { abs($0) } }
        if let mask {
            try mask.apply(to: work)
        }
        work.zeroGradients()
        let logits = work.forward(Tensor(repeating: 1, shape: [1] + work.inputShape), mode: .eval)
        work.backward(Tensor(repeating: 1, shape: logits.shape))
        return ScoreSet(names: work.prunable.map(\.name),
                        scores: work.prunable.map { p in (p.parameter.value * p.parameter.grad).map { abs($0) } })
    }
}
