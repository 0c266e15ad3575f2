import NeuralNet
import Tensor
import Training

/// GraSP (Wang, Zhang, Grosse, ICLR 2020): S = −θ ⊙ Hg with g = ∇ CE(logits / T) over the prunable
/// weights and H its Hessian there; the method keeps the lowest scores. Hg is exact: Pearlmutter's
/// R-operator through each layer's forward and backward (float32 finite differences are not accurate
/// enough). BatchNorm in train mode.
public enum GraSP {
    /// The temperature of the official code.
    public static let temperature: Float = 200

    /// The scores of `network` in its own precision (a network converted to Double gives exact
    /// ranks where float32 rounding would decide them).
    public static func scores<Scalar: TensorScalar>(_ network: Network<Scalar>, data: BatchSource, batchesPerStep: Int = 1,
                                                    temperature: Float = GraSP.temperature) -> ScoreSet {
        let work = network.copy()
        for (_, p) in work.namedParameters { p.mask = nil }
        let prunable = work.prunable.map(\.parameter)
        let batches = (0..<batchesPerStep).map { data.batch($0) }
        let share = 1 / Scalar(batches.count)
        // ĝ: the mean over batches of ∇ CE(z / T)
        var g = prunable.map { Tensor<Scalar>(zeros: $0.shape) }
        for b in batches {
            work.zeroGradients()
            let z = work.forward(b.inputs.converted(to: Scalar.self), mode: .train)
            work.backward(lossGradient(z, labels: b.labels, temperature: temperature).gradient)
            for (k, p) in prunable.enumerated() { g[k].add(p.grad, scaledBy: share) }
        }
        // H ĝ: R-operator along ĝ (prunable weights only; biases and BN have no tangent)
        for (k, p) in prunable.enumerated() { p.tangent = g[k] }
        var hg = prunable.map { Tensor<Scalar>(zeros: $0.shape) }
        for b in batches {
            work.zeroGradients()
            let x = b.inputs.converted(to: Scalar.self)
            let z = work.forward(x, mode: .train)
            let (_, dz, p) = lossGradient(z, labels: b.labels, temperature: temperature)
            // forwardR before backward: it tells each layer to keep what backwardR needs
            let rz = work.body.forwardR(Tensor<Scalar>(zeros: x.shape))
            work.backward(dz)
            _ = work.body.backwardR(softmaxR(p, rz: rz, temperature: temperature))
            for (k, param) in prunable.enumerated() {
                if let t = param.tangentGrad { hg[k].add(t, scaledBy: share) }
            }
        }
        return ScoreSet(names: network.prunable.map(\.name),
                        scores: zip(network.prunable, hg).map { p, h in (p.parameter.value * h).map { -$0 } })
    }

    /// Mean CE of z/T: loss, ∂/∂z, and the softmax probabilities of z/T.
    static func lossGradient<Scalar: TensorScalar>(_ z: Tensor<Scalar>, labels: [Int], temperature: Float)
        -> (loss: Double, gradient: Tensor<Scalar>, probabilities: Tensor<Scalar>) {
        let t = Scalar(temperature)
        let scaled = z * (1 / t)
        let (loss, g) = Loss.crossEntropy.evaluate(logits: scaled, labels: labels)
        var p = g * Scalar(labels.count)   // softmax − onehot
        for (i, y) in labels.enumerated() { p[[i, y]] += 1 }
        return (loss, g * (1 / t), p)
    }

    /// R{∂L/∂z} for mean CE of z/T: R{p}/(N·T) with R{p} = p ⊙ (r − Σ p r), r = R{z}/T.
    static func softmaxR<Scalar: TensorScalar>(_ p: Tensor<Scalar>, rz: Tensor<Scalar>, temperature: Float) -> Tensor<Scalar> {
        let (n, c) = (p.shape[0], p.shape[1])
        var out = Tensor<Scalar>(zeros: p.shape)
        for i in 0..<n {
            var dot = 0.0
            for j in 0..<c { dot += Double(p[flat: i * c + j]) * Double(rz[flat: i * c + j]) / Double(temperature) }
            for j in 0..<c {
                let r = Double(rz[flat: i * c + j]) / Double(temperature)
                out[flat: i * c + j] = Scalar(Double(p[flat: i * c + j]) * (r - dot) / (Double(n) * Double(temperature)))
            }
        }
        return out
    }
}
