import Tensor

// The layers of `Float64Pass` that own parameters, read into Double. Each `forward` returns the
// output and a pullback that captures what the backward needs.

/// Conv2d in Double: im2col + `cblas_dgemm` on chunks of images, the batch split into lanes that
/// run concurrently, as `ConvPlan` splits the float32 convolution (so the split never depends
/// on the machine, and neither do the bits).
struct Float64Conv {
    let weight: [Double]
    let bias: [Double]?
    let outChannels, kernelSize, stride, padding: Int
    /// Gradient slot of the weight (nil: not prunable, no gradient wanted).
    let slot: Int?
    let propagatesGradient: Bool

    init(_ c: Conv2d, slot: Int?) {
        weight = c.weight.float64Values
        bias = c.bias.map { $0.float64Values }
        (outChannels, kernelSize, stride, padding) = (c.outChannels, c.kernelSize, c.stride, c.padding)
        self.slot = slot
        propagatesGradient = c.propagatesGradient
    }

    func forward(_ x: Float64Array, into sink: Float64GradientSink) -> (Float64Array, Float64Pullback) {
        let g = ConvGeometry(channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                             kernelH: kernelSize, kernelW: kernelSize, stride: stride, padding: padding)
        let plan = ConvPlan(g, outChannels: outChannels, batch: x.shape[0])
        let (O, K, P) = (plan.O, plan.K, plan.P)
        var y = Float64Kernels.filled(plan.batch * O * P) { ys in
            x.values.withUnsafeBufferPointer { xb in
                weight.withUnsafeBufferPointer { wb in
                    guard let xs = xb.baseAddress, let ws = wb.baseAddress else { return }
                    nonisolated(unsafe) let (xp, wp, yp) = (xs, ws, ys)
                    Parallel.forEach(plan.lanes) { lane in
                        let cols = UnsafeMutablePointer<Double>.allocate(capacity: K * plan.chunk * P)
                        let out = UnsafeMutablePointer<Double>.allocate(capacity: O * plan.chunk * P)
                        defer { cols.deallocate(); out.deallocate() }
                        plan.forEachChunk(of: lane) { first, count in
                            let n = count * P
                            Im2col.fill(cols, ld: n, from: xp + first * plan.imageSize, g, count: count)
                            BLAS.dgemmSingleThreaded(m: O, n: n, k: K, wp, lda: K, cols, ldb: n, out, ldc: n)
                            Float64Kernels.scatter(out, into: yp + first * O * P, channels: O, images: count, positions: P)
                        }
                    }
                }
            }
        }
        if let bias {
            for i in 0..<(plan.batch * O) {
                let b = bias[i % O]
                for q in (i * P)..<((i + 1) * P) { y[q] += b }
            }
        }
        let output = Float64Array(shape: [plan.batch, O, g.outH, g.outW], values: y)
        return (output, { dy in self.backward(x: x, dy: dy, plan: plan, into: sink) })
    }

    /// Adds dW = Σ dy · colsᵀ into the weight's slot (each lane a partial, added in lane order);
    /// returns dx = col2im(Wᵀ · dy) when the layer propagates.
    private func backward(x: Float64Array, dy: Float64Array, plan: ConvPlan, into sink: Float64GradientSink) -> Float64Array? {
        let (O, K, P) = (plan.O, plan.K, plan.P)
        let wantW = slot != nil
        var partials = [Double](repeating: 0, count: wantW ? plan.lanes * O * K : 0)
        var dx = [Double](repeating: 0, count: propagatesGradient ? x.count : 0)
        x.values.withUnsafeBufferPointer { xb in
            dy.values.withUnsafeBufferPointer { dyb in
                weight.withUnsafeBufferPointer { wb in
                    partials.withUnsafeMutableBufferPointer { pb in
                        dx.withUnsafeMutableBufferPointer { dxb in
                            guard let xs = xb.baseAddress, let dys = dyb.baseAddress, let ws = wb.baseAddress else { return }
                            // an empty array may still have a base address: decide by what is wanted
                            nonisolated(unsafe) let (xp, dyp, wp) = (xs, dys, ws)
                            nonisolated(unsafe) let parts = wantW ? pb.baseAddress : nil
                            nonisolated(unsafe) let dxp = propagatesGradient ? dxb.baseAddress : nil
                            Parallel.forEach(plan.lanes) { lane in
                                let cols = UnsafeMutablePointer<Double>.allocate(capacity: K * plan.chunk * P)
                                let dyc = UnsafeMutablePointer<Double>.allocate(capacity: O * plan.chunk * P)
                                defer { cols.deallocate(); dyc.deallocate() }
                                plan.forEachChunk(of: lane) { first, count in
                                    let n = count * P
                                    Float64Kernels.gather(dyp + first * O * P, into: dyc, channels: O, images: count, positions: P)
                                    if let parts {
                                        Im2col.fill(cols, ld: n, from: xp + first * plan.imageSize, plan.g, count: count)
                                        BLAS.dgemmSingleThreaded(transB: true, m: O, n: K, k: n, dyc, lda: n, cols, ldb: n,
                                                                 beta: 1, parts + lane * O * K, ldc: K)
                                    }
                                    if let dxp {
                                        // the column gradient reuses the column buffer
                                        BLAS.dgemmSingleThreaded(transA: true, m: K, n: n, k: O, wp, lda: K, dyc, ldb: n, cols, ldc: n)
                                        Im2col.accumulate(cols, ld: n, into: dxp + first * plan.imageSize, plan.g, count: count)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let slot {
            let size = O * K
            sink.gradients[slot].withUnsafeMutableBufferPointer { gw in
                for lane in 0..<plan.lanes {
                    for i in 0..<size { gw[i] += partials[lane * size + i] }
                }
            }
        }
        return propagatesGradient ? Float64Array(shape: x.shape, values: dx) : nil
    }
}

/// Linear in Double: y = x Wᵀ + b by `cblas_dgemm`.
struct Float64Linear {
    let weight: [Double]
    let bias: [Double]?
    let inFeatures, outFeatures: Int
    let slot: Int?
    let propagatesGradient: Bool

    init(_ l: Linear, slot: Int?) {
        weight = l.weight.float64Values
        bias = l.bias.map { $0.float64Values }
        (inFeatures, outFeatures) = (l.inFeatures, l.outFeatures)
        self.slot = slot
        propagatesGradient = l.propagatesGradient
    }

    func forward(_ x: Float64Array, into sink: Float64GradientSink) -> (Float64Array, Float64Pullback) {
        let (n, i, o) = (x.shape[0], inFeatures, outFeatures)
        precondition(x.count == n * i, "Linear expects [batch, \(i)], got \(x.shape)")
        var y = [Double](repeating: 0, count: n * o)
        if let bias { for r in 0..<n { for j in 0..<o { y[r * o + j] = bias[j] } } }
        x.values.withUnsafeBufferPointer { xb in
            weight.withUnsafeBufferPointer { wb in
                y.withUnsafeMutableBufferPointer { yb in
                    guard let xp = xb.baseAddress, let wp = wb.baseAddress, let yp = yb.baseAddress else { return }
                    BLAS.dgemmSingleThreaded(transB: true, m: n, n: o, k: i, xp, lda: i, wp, ldb: i,
                                             beta: bias == nil ? 0 : 1, yp, ldc: o)
                }
            }
        }
        return (Float64Array(shape: [n, o], values: y), { dy in self.backward(x: x, dy: dy, into: sink) })
    }

    /// dW += dyᵀ · x; dx = dy · W.
    private func backward(x: Float64Array, dy: Float64Array, into sink: Float64GradientSink) -> Float64Array? {
        let (n, i, o) = (x.shape[0], inFeatures, outFeatures)
        var dx = [Double](repeating: 0, count: propagatesGradient ? n * i : 0)
        x.values.withUnsafeBufferPointer { xb in
            dy.values.withUnsafeBufferPointer { dyb in
                guard let xp = xb.baseAddress, let dyp = dyb.baseAddress else { return }
                if let slot {
                    sink.gradients[slot].withUnsafeMutableBufferPointer { gb in
                        guard let gw = gb.baseAddress else { return }
                        BLAS.dgemmSingleThreaded(transA: true, m: o, n: i, k: n, dyp, lda: o, xp, ldb: i, beta: 1, gw, ldc: i)
                    }
                }
                guard propagatesGradient else { return }
                weight.withUnsafeBufferPointer { wb in
                    dx.withUnsafeMutableBufferPointer { dxb in
                        guard let wp = wb.baseAddress, let dxp = dxb.baseAddress else { return }
                        BLAS.dgemmSingleThreaded(m: n, n: i, k: o, dyp, lda: o, wp, ldb: i, dxp, ldc: i)
                    }
                }
            }
        }
        return propagatesGradient ? Float64Array(shape: x.shape, values: dx) : nil
    }
}

/// BatchNorm2d/1d in Double. Train: batch mean and biased variance; a channel of zero variance
/// is normalized by sqrt(eps), as PyTorch does. Eval: the running statistics. Running statistics
/// are read, never updated.
struct Float64BatchNorm {
    let gamma, beta, runningMean, runningVar: [Double]
    let eps: Double

    init(_ b: BatchNorm2d) {
        gamma = b.weight.float64Values
        beta = b.bias.float64Values
        runningMean = b.runningMean.value.scalars.map { Double($0) }
        runningVar = b.runningVar.value.scalars.map { Double($0) }
        eps = b.eps
    }

    func forward(_ x: Float64Array, mode: ForwardMode) -> (Float64Array, Float64Pullback) {
        let (n, c) = (x.shape[0], x.shape[1])
        precondition(c == gamma.count, "BatchNorm2d(\(gamma.count)) got input \(x.shape)")
        let hw = x.count / max(1, n * c)
        let m = Double(n * hw)
        var mean = [Double](repeating: 0, count: c), invStd = [Double](repeating: 0, count: c)
        let train = mode == .train
        let y = Float64Kernels.filled(x.count) { yb in
            x.values.withUnsafeBufferPointer { xb in
                mean.withUnsafeMutableBufferPointer { mb in
                    invStd.withUnsafeMutableBufferPointer { ib in
                        nonisolated(unsafe) let (xp, yp, mp, ip) = (xb, yb, mb, ib)
                        Parallel.forRanges(c, grain: Float64Kernels.channelGrain(n * hw)) { r in
                            for ch in r {
                                var mu = runningMean[ch], istd = 1 / (runningVar[ch] + eps).squareRoot()
                                if train {
                                    var s = 0.0
                                    for i in 0..<n { for q in 0..<hw { s += xp[(i * c + ch) * hw + q] } }
                                    mu = s / m
                                    var v = 0.0
                                    for i in 0..<n {
                                        for q in 0..<hw { let d = xp[(i * c + ch) * hw + q] - mu; v += d * d }
                                    }
                                    istd = 1 / (v / m + eps).squareRoot()
                                }
                                mp[ch] = mu
                                ip[ch] = istd
                                let (scale, shift) = (gamma[ch] * istd, beta[ch])
                                for i in 0..<n {
                                    let o = (i * c + ch) * hw
                                    for q in o..<(o + hw) { yp[q] = (xp[q] - mu) * scale + shift }
                                }
                            }
                        }
                    }
                }
            }
        }
        let output = Float64Array(shape: x.shape, values: y)
        return (output, { dy in self.backward(x: x, dy: dy, mean: mean, invStd: invStd, train: train) })
    }

    /// Train: dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)); eval: dx = γ·σ⁻¹·dy.
    private func backward(x: Float64Array, dy: Float64Array, mean: [Double], invStd: [Double], train: Bool) -> Float64Array {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(1, n * c)
        let m = Double(n * hw)
        let dx = Float64Kernels.filled(x.count) { ob in
            x.values.withUnsafeBufferPointer { xb in
                dy.values.withUnsafeBufferPointer { db in
                    nonisolated(unsafe) let (xp, dp, op) = (xb, db, ob)
                    Parallel.forRanges(c, grain: Float64Kernels.channelGrain(n * hw)) { r in
                        for ch in r {
                            let (mu, istd) = (mean[ch], invStd[ch])
                            let k = gamma[ch] * istd
                            var a = 0.0, b = 0.0
                            if train {
                                var sumDy = 0.0, sumDyXhat = 0.0
                                for i in 0..<n {
                                    let o = (i * c + ch) * hw
                                    for q in o..<(o + hw) {
                                        sumDy += dp[q]
                                        sumDyXhat += dp[q] * (xp[q] - mu) * istd
                                    }
                                }
                                (a, b) = (sumDy / m, sumDyXhat / m)
                            }
                            for i in 0..<n {
                                let o = (i * c + ch) * hw
                                for q in o..<(o + hw) { op[q] = k * (dp[q] - a - (xp[q] - mu) * istd * b) }
                            }
                        }
                    }
                }
            }
        }
        return Float64Array(shape: x.shape, values: dx)
    }
}
