import Glibc

extension Loss {
    /// The mean loss and ∂loss/∂logits in Double, for row-major logits `[N, C]` (N = labels.count):
    /// the formulas of the float32 `evaluate`, for `Float64Pass`.
    public func evaluate(logits: [Double], labels: [Int]) -> (loss: Double, gradient: [Double]) {
        let n = labels.count
        precondition(n > 0 && logits.count % n == 0, "\(logits.count) logits for \(n) labels")
        let c = logits.count / n
        var grad = [Double](repeating: 0, count: logits.count)
        var total = 0.0
        for (i, y) in labels.enumerated() {
            precondition(y >= 0 && y < c, "label \(y) outside 0..<\(c)")
            let row = i * c
            switch self {
            case .crossEntropy:
                var m = -Double.infinity
                for j in 0..<c { m = max(m, logits[row + j]) }
                var s = 0.0
                for j in 0..<c { s += exp(logits[row + j] - m) }
                let logSum = m + log(s)
                total += logSum - logits[row + y]
                for j in 0..<c { grad[row + j] = (exp(logits[row + j] - logSum) - (j == y ? 1 : 0)) / Double(n) }
            case .targetLogit:
                total -= logits[row + y]
                grad[row + y] = -1 / Double(n)
            }
        }
        return (total / Double(n), grad)
    }
}
