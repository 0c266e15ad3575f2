import NeuralNet
import Tensor

/// Stochastic gradient descent with momentum, Nesterov option and weight decay, with PyTorch's
/// semantics: d = g + wd·w; buf = d on the first step, then buf = μ·buf + (1 − dampening)·d;
/// d = d + μ·buf (Nesterov) or buf; w −= lr·d. Weight decay applies to every parameter it is given.
///
/// Masks: a parameter with a mask has its gradient masked before the step and its value after
/// it, so pruned weights stay exactly zero.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Double
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public let weightDecay: Double
    private var buffers: [Tensor?]

    public init(parameters: [Parameter], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov needs momentum and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        let (lr, mu, wd, damp) = (Float(learningRate), Float(momentum), Float(weightDecay), Float(1 - dampening))
        for (k, p) in parameters.enumerated() {
            let n = p.value.count
            let mask = p.mask
            var first = false
            if mu != 0 && buffers[k] == nil {
                buffers[k] = Tensor(zeros: p.shape)
                first = true
            }
            var buf = buffers[k] ?? Tensor(zeros: [0])
            buffers[k] = nil  // keep the buffer uniquely referenced while it is updated
            p.grad.withUnsafeMutablePointer { g in
                if let mask { mask.withUnsafePointer { m in for i in 0..<n { g[i] *= m[i] } } }
                p.value.withUnsafeMutablePointer { w in
                    buf.withUnsafeMutablePointer { b in
                        for i in 0..<n {
                            var d = g[i]
                            if wd != 0 { d += wd * w[i] }
                            if mu != 0 {
                                b[i] = first ? d : mu * b[i] + damp * d
                                d = nesterov ? d + mu * b[i] : b[i]
                            }
                            w[i] -= lr * d
                        }
                    }
                }
            }
            if mu != 0 { buffers[k] = buf }
            p.applyMask()
        }
    }

    /// Forgets momentum (the next step starts a new buffer).
    public func reset() {
        buffers = Array(repeating: nil, count: parameters.count)
    }
}
