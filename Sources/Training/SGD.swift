import NeuralNet
import Tensor

/// Stochastic gradient descent with momentum, Nesterov option and weight decay, with PyTorch's
/// semantics: d = g + wd·w; buf = d on the first step, then buf = μ·buf + (1 − dampening)·d;
/// d = d + μ·buf (Nesterov) or buf; w −= lr·d. Weight decay applies to every parameter it is given
/// except those marked in `decayFree` (PyTorch's parameter group with weight_decay 0).
///
/// Masks: a parameter with a mask has its gradient masked before the step and its value after
/// it, so pruned weights stay exactly zero. When a sparse kernel computed a parameter's gradient
/// (only at its kept weights), the step visits those weights alone, with a momentum buffer of
/// their size: the same arithmetic per weight, so the same bits, at a cost proportional to the
/// kept weights.
public final class SGD<Scalar: TensorScalar>: Optimizer {
    public let parameters: [Parameter<Scalar>]
    public var learningRate: Double
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public let weightDecay: Double
    /// Per parameter: true when weight decay skips it (biases, BatchNorm with `wd_exclude`).
    public let decayFree: [Bool]
    private var buffers: [Tensor<Scalar>?]
    /// Momentum of parameters stepped at their kept weights only, one scalar per kept weight.
    private var compactBuffers: [(positions: [Int32], values: [Scalar])?]

    public init(parameters: [Parameter<Scalar>], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0, decayFree: [Bool] = []) {
        precondition(decayFree.isEmpty || decayFree.count == parameters.count, "one decayFree flag per parameter")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov needs momentum and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.decayFree = decayFree.isEmpty ? Array(repeating: false, count: parameters.count) : decayFree
        buffers = Array(repeating: nil, count: parameters.count)
        compactBuffers = Array(repeating: nil, count: parameters.count)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step() {
        let (lr, mu, damp) = (Scalar(learningRate), Scalar(momentum), Scalar(1 - dampening))
        for (k, p) in parameters.enumerated() {
            let wd = decayFree[k] ? 0 : Scalar(weightDecay)
            if let (positions, grads) = p.compactGradient {
                compactStep(k, p, positions: positions, grads: grads, lr: lr, mu: mu, wd: wd, damp: damp)
                continue
            }
            if let c = compactBuffers[k] {
                // the gradient is dense again: so is the momentum
                buffers[k] = SGD.expand(c, into: p.shape)
                compactBuffers[k] = nil
            }
            let n = p.value.count
            let mask = p.mask
            var first = false
            if mu != 0 && buffers[k] == nil {
                buffers[k] = Tensor<Scalar>(zeros: p.shape)
                first = true
            }
            var buf = buffers[k] ?? Tensor<Scalar>(zeros: [0])
            buffers[k] = nil  // keep the buffer uniquely referenced while it is updated
            let nesterov = self.nesterov
            p.grad.withUnsafeMutablePointer { g in
                p.value.withUnsafeMutablePointer { w in
                    buf.withUnsafeMutablePointer { b in
                        nonisolated(unsafe) let (gp, wp, bp) = (g, w, b)
                        withMask(mask) { m in
                            nonisolated(unsafe) let mp = m
                            Parallel.forRanges(n, grain: Parallel.grain) { r in
                                let (lo, count) = (r.lowerBound, r.count)
                                if let mp { SGD.multiply(gp + lo, by: mp + lo, count: count) }
                                SGD.update(g: gp + lo, w: wp + lo, b: mu != 0 ? bp + lo : nil, count: count, lr: lr, mu: mu,
                                           wd: wd, damp: damp, first: first, nesterov: nesterov)
                                // the parameter's applyMask, fused while the range is in cache
                                if let mp { VectorOps.zeroWhereMaskIsZero(mp + lo, wp + lo, count: count) }
                            }
                        }
                    }
                }
            }
            if mu != 0 { buffers[k] = buf }
        }
    }

    /// The step of a parameter whose gradient is held at `positions` only: the dense step's
    /// arithmetic on those weights, the momentum buffer one scalar per position.
    private func compactStep(_ k: Int, _ p: Parameter<Scalar>, positions: [Int32], grads: [Scalar],
                             lr: Scalar, mu: Scalar, wd: Scalar, damp: Scalar) {
        let count = positions.count
        var first = false
        if mu != 0 && compactBuffers[k]?.positions != positions {
            // a dense buffer (or one of an earlier mask) carries over at the kept positions
            if let old = compactBuffers[k] { buffers[k] = SGD.expand(old, into: p.shape) }
            first = buffers[k] == nil
            compactBuffers[k] = (positions, buffers[k].map { SGD.gather($0, at: positions) } ?? [Scalar](repeating: 0, count: count))
            buffers[k] = nil
        }
        var buf = compactBuffers[k]?.values ?? []
        compactBuffers[k] = nil  // uniquely referenced while updated
        let nesterov = self.nesterov
        p.value.withUnsafeMutablePointer { w in
            positions.withUnsafeBufferPointer { ps in
                grads.withUnsafeBufferPointer { gs in
                    buf.withUnsafeMutableBufferPointer { bs in
                        nonisolated(unsafe) let (wp, pp, gp, bp) = (w, ps, gs, bs)
                        Parallel.forRanges(count, grain: Parallel.grain) { r in
                            for e in r {
                                let i = Int(pp[e])
                                let d = wd != 0 ? gp[e] + wd * wp[i] : gp[e]
                                if mu == 0 { wp[i] -= lr * d; continue }
                                let v = first ? d : mu * bp[e] + damp * d
                                bp[e] = v
                                wp[i] -= lr * (nesterov ? d + mu * v : v)
                            }
                        }
                    }
                }
            }
        }
        if mu != 0 { compactBuffers[k] = (positions, buf) }
    }

    static func gather(_ t: Tensor<Scalar>, at positions: [Int32]) -> [Scalar] {
        t.withUnsafePointer { d in positions.map { d[Int($0)] } }
    }

    static func expand(_ c: (positions: [Int32], values: [Scalar]), into shape: [Int]) -> Tensor<Scalar> {
        var t = Tensor<Scalar>(zeros: shape)
        t.withUnsafeMutablePointer { d in
            for (e, i) in c.positions.enumerated() { d[Int(i)] = c.values[e] }
        }
        return t
    }

    /// g[i] *= m[i].
    static func multiply(_ g: UnsafeMutablePointer<Scalar>, by m: UnsafePointer<Scalar>, count: Int) {
        for i in 0..<count { g[i] *= m[i] }
    }

    /// The update of one range, with the loop-invariant choices taken outside the loops so each
    /// loop vectorises: d = g + wd·w; buf = d (first step) or μ·buf + (1 − dampening)·d;
    /// w −= lr·(d + μ·buf) with Nesterov, else lr·buf (lr·d without momentum).
    static func update(g: UnsafePointer<Scalar>, w: UnsafeMutablePointer<Scalar>, b: UnsafeMutablePointer<Scalar>?,
                       count n: Int, lr: Scalar, mu: Scalar, wd: Scalar, damp: Scalar, first: Bool, nesterov: Bool) {
        if wd != 0 {
            guard let b else { for i in 0..<n { w[i] -= lr * (g[i] + wd * w[i]) }; return }
            switch (first, nesterov) {
            case (true, true): for i in 0..<n { let d = g[i] + wd * w[i]; b[i] = d; w[i] -= lr * (d + mu * d) }
            case (true, false): for i in 0..<n { let d = g[i] + wd * w[i]; b[i] = d; w[i] -= lr * d }
            case (false, true):
                for i in 0..<n { let d = g[i] + wd * w[i]; let v = mu * b[i] + damp * d; b[i] = v; w[i] -= lr * (d + mu * v) }
            case (false, false):
                for i in 0..<n { let d = g[i] + wd * w[i]; let v = mu * b[i] + damp * d; b[i] = v; w[i] -= lr * v }
            }
        } else {
            guard let b else { for i in 0..<n { w[i] -= lr * g[i] }; return }
            switch (first, nesterov) {
            case (true, true): for i in 0..<n { let d = g[i]; b[i] = d; w[i] -= lr * (d + mu * d) }
            case (true, false): for i in 0..<n { let d = g[i]; b[i] = d; w[i] -= lr * d }
            case (false, true):
                for i in 0..<n { let d = g[i]; let v = mu * b[i] + damp * d; b[i] = v; w[i] -= lr * (d + mu * v) }
            case (false, false):
                for i in 0..<n { let d = g[i]; let v = mu * b[i] + damp * d; b[i] = v; w[i] -= lr * v }
            }
        }
    }

    /// Forgets momentum (the next step starts a new buffer).
    public func reset() {
        buffers = Array(repeating: nil, count: parameters.count)
        compactBuffers = Array(repeating: nil, count: parameters.count)
    }
}

/// Calls `body` with a pointer to the mask's elements, or nil without a mask.
private func withMask<Scalar: TensorScalar, R>(_ mask: Tensor<Scalar>?, _ body: (UnsafePointer<Scalar>?) -> R) -> R {
    guard let mask else { return body(nil) }
    return mask.withUnsafePointer { body($0) }
}
