import Glibc
import Tensor

/// A loss over a batch of logits and integer labels, with its gradient.
public enum Loss: String, Sendable, CaseIterable {
    /// Mean cross-entropy, computed with a stable log-sum-exp.
    case crossEntropy = "ce"
    /// −mean logit of the true class: what the FORCE reference code optimizes when pruning
    /// (`nll_loss` applied to raw logits).
    case targetLogit = "target_logit"

    /// The mean loss and ∂loss/∂logits for logits `[N, C]` and labels in `0..<C`, in the logits'
    /// precision (the log-sum-exp and the probabilities in Double either way).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate<Scalar: TensorScalar>(logits: Tensor<Scalar>, labels: [Int]) -> (loss: Double, gradient: Tensor<Scalar>) {
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(labels.count == n, "\(labels.count) labels for \(n) logits")
        var grad = Tensor<Scalar>(zeros: logits.shape)
        var total = 0.0
        logits.withUnsafePointer { z in
            grad.withUnsafeMutablePointer { g in
                for i in 0..<n {
                    let row = z + i * c, out = g + i * c
                    let y = labels[i]
                    precondition(y >= 0 && y < c, "label \(y) outside 0..<\(c)")
                    switch self {
                    case .crossEntropy:
                        var m = -Scalar.infinity
                        for j in 0..<c { m = max(m, row[j]) }
                        var s = 0.0
                        for j in 0..<c { s += Double(Scalar.exponential(row[j] - m)) }
                        let logSum = Double(m) + log(s)
                        total += logSum - Double(row[y])
                        for j in 0..<c {
                            let p = exp(Double(row[j]) - logSum)
                            out[j] = Scalar((p - (j == y ? 1 : 0)) / Double(n))
                        }
                    case .targetLogit:
                        total -= Double(row[y])
                        out[y] = Scalar(-1 / Double(n))
                    }
                }
            }
        }
        return (total / Double(n), grad)
    }
}
