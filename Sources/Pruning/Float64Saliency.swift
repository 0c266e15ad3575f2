import NeuralNet
import Tensor
import Training

/// Saliencies whose gradients come from the float64 pass (`ScorePrecision.double`): formed in
/// Double and kept in Double for the ranking.
extension Saliency {
    /// Mean over `batches` of ∂loss/∂w for every prunable weight, by `Float64Pass`, BatchNorm in
    /// train mode. The network is not changed (its running statistics neither).
    public static func meanGradientsInDouble(_ network: Network, batches: [Int], from source: BatchSource,
                                             loss: Loss) throws(PruningError) -> [[Double]] {
        let pass = try float64Pass(network)
        var sum = network.prunable.map { [Double](repeating: 0, count: $0.parameter.value.count) }
        let scale = 1 / Double(batches.count)
        for i in batches {
            let b = source.batch(i)
            let g = pass.gradients(inputs: b.inputs, mode: .train) { loss.evaluate(logits: $0, labels: b.labels).gradient }
            for k in sum.indices {
                for j in sum[k].indices { sum[k][j] += g.weightGradients[k][j] * scale }
            }
        }
        return sum
    }

    /// SNIP in Double: |w ⊙ ∂L/∂w| on the first `batchesPerStep` batches, BatchNorm in train mode.
    public static func snipInDouble(_ network: Network, data: BatchSource, loss: Loss = .crossEntropy,
                                    batchesPerStep: Int = 1) throws(PruningError) -> ScoreSet {
        let g = try meanGradientsInDouble(network, batches: Array(0..<batchesPerStep), from: data, loss: loss)
        return ScoreSet(doubleEntries: zip(network.prunable, g).map { p, gi in
            (p.name, p.parameter.shape, magnitudes(p.parameter.float64Values, times: gi))
        })
    }

    /// SynFlow (see `synflow`) with the forward and backward in Double, BatchNorm in eval mode.
    public static func synflowInDouble(_ network: Network, mask: Mask? = nil) throws(PruningError) -> ScoreSet {
        let work = network.copy()
        for (_, p) in work.namedParameters {
            p.mask = nil
            p.value = p.value.map { abs($0) }
        }
        for (_, b) in work.namedBuffers { b.value = b.value.map { abs($0) } }
        if let mask { try mask.apply(to: work) }
        let pass = try float64Pass(work)
        let r = pass.gradients(inputs: Tensor(repeating: 1, shape: [1] + work.inputShape), mode: .eval) { logits in
            [Double](repeating: 1, count: logits.count)   // R = sum of the logits
        }
        return ScoreSet(doubleEntries: zip(work.prunable, r.weightGradients).map { p, gi in
            (p.name, p.parameter.shape, magnitudes(p.parameter.float64Values, times: gi))
        })
    }

    /// |a ⊙ b| elementwise.
    static func magnitudes(_ a: [Double], times b: [Double]) -> [Double] {
        zip(a, b).map { abs($0 * $1) }
    }

    static func float64Pass(_ network: Network) throws(PruningError) -> Float64Pass {
        do {
            return try Float64Pass(network)
        } catch {
            throw PruningError("precision \"double\" is not available for this network: \(error.message)")
        }
    }
}
