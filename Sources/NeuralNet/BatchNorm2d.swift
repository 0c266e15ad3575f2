import Tensor

/// Batch normalization over the channel dimension of `[N, C, H, W]` (or `[N, C]`), as PyTorch's
/// BatchNorm2d/1d with affine parameters and running statistics.
///
/// Train: normalize with the batch mean and biased variance; update the running mean and the
/// running *unbiased* variance with `momentum`. Eval: normalize with the running statistics.
/// A channel with zero variance is normalized by sqrt(eps). Statistics accumulate in Double.
public final class BatchNorm2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVar: Buffer
    public let eps: Double
    public let momentum: Double

    private var input = Tensor(zeros: [0])
    private var mean: [Double] = []
    private var invStd: [Double] = []
    private var lastMode = ForwardMode.train
    private var outputGrad = Tensor(zeros: [0])
    private var inputTangent: Tensor?
    private var invStdTangent: [Double] = []

    public init(channels: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        weight = Parameter(Tensor(repeating: 1, shape: [channels]), role: .normScale)
        bias = Parameter(Tensor(zeros: [channels]), role: .normShift)
        runningMean = Buffer(Tensor(zeros: [channels]))
        runningVar = Buffer(Tensor(repeating: 1, shape: [channels]))
        self.eps = eps
        self.momentum = momentum
    }

    public var channels: Int { weight.shape[0] }

    public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var buffers: [(name: String, buffer: Buffer)] { [("running_mean", runningMean), ("running_var", runningVar)] }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.first == channels else {
            throw ShapeError("BatchNorm2d(\(channels)) got \(input.first ?? 0) channels (shape \(input))")
        }
        return input
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        precondition(c == channels, "BatchNorm2d(\(channels)) got input \(x.shape)")
        let hw = x.count / max(1, n * c)
        input = x
        inputTangent = nil
        lastMode = mode
        mean = [Double](repeating: 0, count: c)
        invStd = [Double](repeating: 0, count: c)
        if mode == .train {
            let m = Double(n * hw)
            var unbiased = [Double](repeating: 0, count: c)
            x.withUnsafePointer { xp in
                mean.withUnsafeMutableBufferPointer { meanP in
                    invStd.withUnsafeMutableBufferPointer { istdP in
                        unbiased.withUnsafeMutableBufferPointer { ubP in
                            nonisolated(unsafe) let (src, mp, ip, up) = (xp, meanP, istdP, ubP)
                            let eps = self.eps
                            // two passes per channel (mean, then squared deviations); each image's
                            // run sums in Float lanes, the runs add in Double
                            Parallel.forRanges(c, grain: BatchNorm2d.channelGrain(n * hw)) { r in
                                for ch in r {
                                    var s = 0.0
                                    for i in 0..<n { s += Double(VectorOps.sum(src + (i * c + ch) * hw, count: hw)) }
                                    let mu = s / m
                                    var v = 0.0
                                    for i in 0..<n {
                                        v += Double(VectorOps.sumAndSquares(src + (i * c + ch) * hw, count: hw, center: Float(mu)).1)
                                    }
                                    mp[ch] = mu
                                    ip[ch] = 1 / (v / m + eps).squareRoot()
                                    up[ch] = m > 1 ? v / (m - 1) : v / m
                                }
                            }
                        }
                    }
                }
            }
            let mom = momentum
            runningMean.value.withUnsafeMutablePointer { rm in
                for ch in 0..<c { rm[ch] = Float((1 - mom) * Double(rm[ch]) + mom * mean[ch]) }
            }
            runningVar.value.withUnsafeMutablePointer { rv in
                for ch in 0..<c { rv[ch] = Float((1 - mom) * Double(rv[ch]) + mom * unbiased[ch]) }
            }
        } else {
            runningMean.value.withUnsafePointer { rm in
                runningVar.value.withUnsafePointer { rv in
                    for ch in 0..<c {
                        mean[ch] = Double(rm[ch])
                        invStd[ch] = 1 / (Double(rv[ch]) + eps).squareRoot()
                    }
                }
            }
        }
        var y = Tensor(uninitialized: x.shape)
        var affine = [(scale: Float, shift: Float)](repeating: (0, 0), count: c)
        weight.value.withUnsafePointer { gamma in
            bias.value.withUnsafePointer { beta in
                for ch in 0..<c {
                    let scale = Double(gamma[ch]) * invStd[ch]
                    affine[ch] = (Float(scale), Float(Double(beta[ch]) - mean[ch] * scale))
                }
            }
        }
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                nonisolated(unsafe) let (src, dst) = (xp, yp)
                Parallel.forRanges(n * c, grain: max(1, Tensor.parallelGrain / max(1, hw))) { r in
                    for row in r {
                        let (fs, fb) = affine[row % c]
                        let (a, b) = (src + row * hw, dst + row * hw)
                        for q in 0..<hw { b[q] = a[q] * fs + fb }
                    }
                }
            }
        }
        return y
    }

    /// Channels per parallel chunk so that a chunk covers about `Tensor.parallelGrain` elements.
    static func channelGrain(_ perChannel: Int) -> Int { max(1, Tensor.parallelGrain / max(1, perChannel)) }

    public func backward(_ dy: Tensor) -> Tensor {
        let (n, c) = (input.shape[0], input.shape[1])
        let hw = input.count / max(1, n * c)
        let m = Double(n * hw)
        var dx = Tensor(uninitialized: input.shape)
        var sums = [(dy: Double, dyXhat: Double)](repeating: (0, 0), count: c)
        let train = lastMode == .train
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                dx.withUnsafeMutablePointer { dxp in
                    weight.value.withUnsafePointer { gammaP in
                        sums.withUnsafeMutableBufferPointer { sumsP in
                            nonisolated(unsafe) let (x, d, out, gam, sp) = (xp, dyp, dxp, gammaP, sumsP)
                            let (meanV, istdV) = (mean, invStd)
                            Parallel.forRanges(c, grain: BatchNorm2d.channelGrain(n * hw)) { r in
                                for ch in r {
                                    let (mu, istd) = (meanV[ch], istdV[ch])
                                    let muF = Float(mu)
                                    var sumDy = 0.0, sumDyCentered = 0.0
                                    for i in 0..<n {
                                        let o = (i * c + ch) * hw
                                        let (s1, s2) = VectorOps.sumAndDot(d + o, x + o, count: hw, center: muF)
                                        sumDy += Double(s1)
                                        sumDyCentered += Double(s2)
                                    }
                                    let sumDyXhat = sumDyCentered * istd
                                    sp[ch] = (sumDy, sumDyXhat)
                                    let gamma = Double(gam[ch])
                                    if train {
                                        // dx = γ·istd·(dy − mean(dy) − x̂·mean(dy·x̂)) = k·dy + kx·(x − μ) + k0
                                        let (a, b, k) = (sumDy / m, sumDyXhat / m, gamma * istd)
                                        let (fk, fkx, fk0) = (Float(k), Float(-k * b * istd), Float(-k * a))
                                        for i in 0..<n {
                                            let o = (i * c + ch) * hw
                                            let (dr, xr, outr) = (d + o, x + o, out + o)
                                            for q in 0..<hw { outr[q] = fk * dr[q] + fkx * (xr[q] - muF) + fk0 }
                                        }
                                    } else {
                                        let k = Float(gamma * istd)
                                        for i in 0..<n {
                                            let o = (i * c + ch) * hw
                                            let (dr, outr) = (d + o, out + o)
                                            for q in 0..<hw { outr[q] = dr[q] * k }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.grad.withUnsafeMutablePointer { g in for ch in 0..<c { g[ch] += Float(sums[ch].dyXhat) } }
        bias.grad.withUnsafeMutablePointer { g in for ch in 0..<c { g[ch] += Float(sums[ch].dy) } }
        // Freed once used unless `forwardR` ran since the forward (see Conv2d.backward).
        if inputTangent == nil { input = Tensor(zeros: [0]) } else { outputGrad = dy }
        return dx
    }

    /// Per channel, over its n·h·w values: calls `body(channel, offsets)` where offsets lists the
    /// element offsets of the channel in row-major order.
    private func forEachChannel(_ body: (Int, [Int]) -> Void) {
        let (n, c) = (input.shape[0], input.shape[1])
        let hw = input.count / max(1, n * c)
        for ch in 0..<c {
            var offsets: [Int] = []
            offsets.reserveCapacity(n * hw)
            for i in 0..<n { for q in 0..<hw { offsets.append((i * c + ch) * hw + q) } }
            body(ch, offsets)
        }
    }

    /// Train mode: R{x̂} = σ⁻¹((R{x} − mean R{x}) − x̂·mean(x̂ R{x})), R{y} = γ R{x̂} (γ, β have no tangent).
    public func forwardR(_ rx: Tensor) -> Tensor {
        inputTangent = rx
        var ry = Tensor(zeros: rx.shape)
        invStdTangent = [Double](repeating: 0, count: channels)
        let gamma = weight.value
        forEachChannel { ch, offs in
            let (mu, istd, g) = (mean[ch], invStd[ch], Double(gamma[flat: ch]))
            if lastMode == .eval {
                for o in offs { ry[flat: o] = Float(g * istd * Double(rx[flat: o])) }
                return
            }
            let m = Double(offs.count)
            var meanR = 0.0, meanXhatR = 0.0
            for o in offs {
                let r = Double(rx[flat: o])
                meanR += r
                meanXhatR += (Double(input[flat: o]) - mu) * istd * r
            }
            meanR /= m
            meanXhatR /= m
            invStdTangent[ch] = -istd * istd * meanXhatR
            for o in offs {
                let xhat = (Double(input[flat: o]) - mu) * istd
                ry[flat: o] = Float(g * istd * ((Double(rx[flat: o]) - meanR) - xhat * meanXhatR))
            }
        }
        return ry
    }

    /// R of dx = γσ⁻¹(dy − a − x̂b), a = mean dy, b = mean(dy x̂), with R{σ⁻¹} and R{x̂} from `forwardR`.
    public func backwardR(_ rdy: Tensor) -> Tensor {
        var rdx = Tensor(zeros: rdy.shape)
        var rgGamma = Tensor(zeros: [channels]), rgBeta = Tensor(zeros: [channels])
        let gamma = weight.value
        let rx = inputTangent
        forEachChannel { ch, offs in
            let (mu, istd, g) = (mean[ch], invStd[ch], Double(gamma[flat: ch]))
            let m = Double(offs.count)
            let rIstd = rx == nil ? 0 : invStdTangent[ch]
            var meanR = 0.0, meanXhatR = 0.0
            if let rx, lastMode == .train {
                for o in offs {
                    let r = Double(rx[flat: o])
                    meanR += r
                    meanXhatR += (Double(input[flat: o]) - mu) * istd * r
                }
                meanR /= m
                meanXhatR /= m
            }
            func rXhat(_ o: Int, _ xhat: Double) -> Double {
                guard let rx, lastMode == .train else { return 0 }
                return istd * ((Double(rx[flat: o]) - meanR) - xhat * meanXhatR)
            }
            var a = 0.0, b = 0.0, ra = 0.0, rb = 0.0, sumRdy = 0.0
            for o in offs {
                let xhat = (Double(input[flat: o]) - mu) * istd
                let dy = Double(outputGrad[flat: o]), r = Double(rdy[flat: o])
                a += dy
                b += dy * xhat
                ra += r
                rb += r * xhat + dy * rXhat(o, xhat)
                sumRdy += r
            }
            rgGamma[flat: ch] = Float(rb)
            rgBeta[flat: ch] = Float(sumRdy)
            if lastMode == .eval {
                for o in offs { rdx[flat: o] = Float(g * istd * Double(rdy[flat: o])) }
                return
            }
            (a, b, ra, rb) = (a / m, b / m, ra / m, rb / m)
            for o in offs {
                let xhat = (Double(input[flat: o]) - mu) * istd
                let dy = Double(outputGrad[flat: o]), r = Double(rdy[flat: o])
                let v = g * rIstd * (dy - a - xhat * b) + g * istd * (r - ra - rXhat(o, xhat) * b - xhat * rb)
                rdx[flat: o] = Float(v)
            }
        }
        weight.accumulateTangentGrad(rgGamma)
        bias.accumulateTangentGrad(rgBeta)
        (input, outputGrad, inputTangent) = (Tensor(zeros: [0]), Tensor(zeros: [0]), nil)
        return rdx
    }

    /// A deep copy with its own parameters and running statistics.
    public func copy() -> BatchNorm2d {
        let c = BatchNorm2d(channels: channels, eps: eps, momentum: momentum)
        c.weight.copyState(from: weight)
        c.bias.copyState(from: bias)
        c.runningMean.value = runningMean.value
        c.runningVar.value = runningVar.value
        return c
    }

    public func clone() -> any Layer { copy() }
}
