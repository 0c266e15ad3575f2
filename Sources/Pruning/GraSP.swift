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

    public static func scores(_ network: Network<Float>, data: BatchSource, batchesPerStep: Int = 1,
                              temperature: Float = GraSP.temperature) -> ScoreSet {
        let work = network.copy()
        for (_, p) in work.namedParameters { p.mask = nil }
        let prunable = work.prunable.map(\.parameter)
        let batches = (0..<batchesPerStep).map { data.batch($0) }
        // ĝ: the mean over batches of ∇ CE(z / T)
        var g = prunable.map { Tensor<Float>(zeros: $0.shape) }
        for b in batches {
            work.zeroGradients()
            let z = work.forward(b.inputs, mode: .train)
            work.backward(lossGradient(z, labels: b.labels, temperature: temperature).gradient)
            for (k, p) in prunable.enumerated() { g[k].add(p.grad, scaledBy: 1 / Float(batches.count)) }
        }
        // H ĝ: R-operator along ĝ (prunable weights only; biases and BN have no tangent)
        for (k, p) in prunable.enumerated() { p.tangent = g[k] }
        var hg = prunable.map { Tensor<Float>(zeros: $0.shape) }
        for b in batches {
            work.zeroGradients()
            let z = work.forward(b.inputs, mode: .train)
            let (_, dz, p) = lossGradient(z, labels: b.labels, temperature: temperature)
            // forwardR before backward: it tells each layer to keep what backwardR needs
            let rz = work.body.forwardR(Tensor<Float>(zeros: b.inputs.shape))
            work.backward(dz)
            _ = work.body.backwardR(softmaxR(p, rz: rz, temperature: temperature))
            for (k, param) in prunable.enumerated() {
                if let t = param.tangentGrad { hg[k].add(t, scaledBy: 1 / Float(batches.count)) }
            }
        }
        return ScoreSet(entries: zip(network.prunable, hg).map { p, h in (p.name, (p.parameter.value * h).map { -$0 }) })
    }

    /// Mean CE of z/T: loss, ∂/∂z, and the softmax probabilities of z/T.
    static func lossGradient(_ z: Tensor<Float>, labels: [Int], temperature: Float) -> (loss: Double, gradient: Tensor<Float>, probabilities: Tensor<Float>) {
        let scaled = z * (1 / temperature)
        let (loss, g) = Loss.crossEntropy.evaluate(logits: scaled, labels: labels)
        var p = g * Float(labels.count)   // softmax − onehot
        for (i, y) in labels.enumerated() { p[[i, y]] += 1 }
        return (loss, g * (1 / temperature), p)
    }

    /// R{∂L/∂z} for mean CE of z/T: R{p}/(N·T) with R{p} = p ⊙ (r − Σ p r), r = R{z}/T.
    static func softmaxR(_ p: Tensor<Float>, rz: Tensor<Float>, temperature: Float) -> Tensor<Float> {
        let (n, c) = (p.shape[0], p.shape[1])
        var out = Tensor<Float>(zeros: p.shape)
        for i in 0..<n {
            var dot = 0.0
            for j in 0..<c { dot += Double(p[flat: i * c + j]) * Double(rz[flat: i * c + j]) / Double(temperature) }
            for j in 0..<c {
                let r = Double(rz[flat: i * c + j]) / Double(temperature)
                out[flat: i * c + j] = Float(Double(p[flat: i * c + j]) * (r - dot) / (Double(n) * Double(temperature)))
            }
        }
        return out
    }
}
