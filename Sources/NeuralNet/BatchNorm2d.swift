import Tensor

/// Batch normalization over the channel dimension of `[N, C, H, W]` (or `[N, C]`), as PyTorch's
/// BatchNorm2d/1d with affine parameters and running statistics.
///
/// Train: normalize with the batch mean and biased variance; update the running mean and the
/// running *unbiased* variance with `momentum`. Eval: normalize with the running statistics.
/// A channel with zero variance is normalized by sqrt(eps). Statistics accumulate in Double.
/// The R-operator (for Hessian-vector products) computes in Double whatever the scalar.
public final class BatchNorm2d<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>
    public let runningMean: Buffer<Scalar>
    public let runningVar: Buffer<Scalar>
    public let eps: Double
    public let momentum: Double

    private var input = Tensor<Scalar>(zeros: [0])
    private var mean: [Double] = []
    private var invStd: [Double] = []
    private var lastMode = ForwardMode.train
    private var outputGrad = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?
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

    public var parameters: [(name: String, parameter: Parameter<Scalar>)] { [("weight", weight), ("bias", bias)] }
    public var buffers: [(name: String, buffer: Buffer<Scalar>)] { [("running_mean", runningMean), ("running_var", runningVar)] }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.first == channels else {
            throw ShapeError("BatchNorm2d(\(channels)) got \(input.first ?? 0) channels (shape \(input))")
        }
        return input
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        forward(x, mode: mode, rectified: false)
    }

    /// The forward with the ReLU after it in the normalization's pass.
    public func forwardRectified(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar>? {
        forward(x, mode: mode, rectified: true)
    }

    /// The forward, and when `rectified` max(y, 0) in the same pass, as `ReLU` computes it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: Tensor<Scalar>, mode: ForwardMode, rectified: Bool) -> Tensor<Scalar> {
        let (n, c) = (x.shape[0], x.shape[1])
        precondition(c == channels, "BatchNorm2d(\(channels)) got input \(x.shape)")
        let hw = x.count / max(1, n * c)
        input = x
        inputTangent = nil
        lastMode = mode
        mean = [Double](repeating: 0, count: c)
        invStd = [Double](repeating: 0, count: c)
        var y = Tensor<Scalar>(uninitialized: x.shape)
        if mode == .train {
            let m = Double(n * hw)
            var unbiased = [Double](repeating: 0, count: c)
            let (gammas, betas) = (weight.value.scalars, bias.value.scalars)
            x.withUnsafePointer { xp in y.withUnsafeMutablePointer { yp in
                mean.withUnsafeMutableBufferPointer { meanP in
                    invStd.withUnsafeMutableBufferPointer { istdP in
                        unbiased.withUnsafeMutableBufferPointer { ubP in
                            nonisolated(unsafe) let (src, dst, mp, ip, up) = (xp, yp, meanP, istdP, ubP)
                            let eps = self.eps
                            // two passes per channel (mean, then squared deviations); each image's
                            // run sums in SIMD lanes of the scalar type, the runs add in Double;
                            // then the channel's output, while its values are still in cache
                            Parallel.forRanges(c, grain: BatchNorm2d.channelGrain(n * hw)) { r in
                                for ch in r {
                                    var s = 0.0
                                    for i in 0..<n { s += Double(VectorOps.sum(src + (i * c + ch) * hw, count: hw)) }
                                    let mu = s / m
                                    var v = 0.0
                                    for i in 0..<n {
                                        v += Double(VectorOps.sumAndSquares(src + (i * c + ch) * hw, count: hw, center: Scalar(mu)).1)
                                    }
                                    mp[ch] = mu
                                    ip[ch] = 1 / (v / m + eps).squareRoot()
                                    up[ch] = m > 1 ? v / (m - 1) : v / m
                                    let (fs, fb) = BatchNorm2d.affine(gamma: gammas[ch], beta: betas[ch], mean: mu, invStd: ip[ch])
                                    for i in 0..<n {
                                        BatchNorm2d.normalize(src + (i * c + ch) * hw, into: dst + (i * c + ch) * hw, count: hw,
                                                              scale: fs, shift: fb, rectified: rectified)
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            let mom = momentum
            runningMean.value.withUnsafeMutablePointer { rm in
                for ch in 0..<c { rm[ch] = Scalar((1 - mom) * Double(rm[ch]) + mom * mean[ch]) }
            }
            runningVar.value.withUnsafeMutablePointer { rv in
                for ch in 0..<c { rv[ch] = Scalar((1 - mom) * Double(rv[ch]) + mom * unbiased[ch]) }
            }
            return y
        }
        runningMean.value.withUnsafePointer { rm in
            runningVar.value.withUnsafePointer { rv in
                for ch in 0..<c {
                    mean[ch] = Double(rm[ch])
                    invStd[ch] = 1 / (Double(rv[ch]) + eps).squareRoot()
                }
            }
        }
        var affine = [(scale: Scalar, shift: Scalar)](repeating: (0, 0), count: c)
        weight.value.withUnsafePointer { gamma in
            bias.value.withUnsafePointer { beta in
                for ch in 0..<c { affine[ch] = BatchNorm2d.affine(gamma: gamma[ch], beta: beta[ch], mean: mean[ch], invStd: invStd[ch]) }
            }
        }
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                nonisolated(unsafe) let (src, dst) = (xp, yp)
                Parallel.forRanges(n * c, grain: max(1, Parallel.grain / max(1, hw))) { r in
                    for row in r {
                        let (fs, fb) = affine[row % c]
                        BatchNorm2d.normalize(src + row * hw, into: dst + row * hw, count: hw, scale: fs, shift: fb, rectified: rectified)
                    }
                }
            }
        }
        return y
    }

    /// The normalization as one multiply-add per value: y = x·scale + shift.
    @inline(__always)
    static func affine(gamma: Scalar, beta: Scalar, mean: Double, invStd: Double) -> (scale: Scalar, shift: Scalar) {
        let scale = Double(gamma) * invStd
        return (Scalar(scale), Scalar(Double(beta) - mean * scale))
    }

    /// b[q] = a[q]·scale + shift, rectified (max(·, 0) as `ReLU` computes it) when asked.
    @inline(__always)
    static func normalize(_ a: UnsafePointer<Scalar>, into b: UnsafeMutablePointer<Scalar>, count: Int,
                          scale fs: Scalar, shift fb: Scalar, rectified: Bool) {
        if rectified {
            for q in 0..<count { let v = a[q] * fs + fb; b[q] = v > 0 ? v : 0 }
        } else {
            for q in 0..<count { b[q] = a[q] * fs + fb }
        }
    }

    /// Channels per parallel chunk so that a chunk covers about `Parallel.grain` elements.
    static func channelGrain(_ perChannel: Int) -> Int { max(1, Parallel.grain / max(1, perChannel)) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, c) = (input.shape[0], input.shape[1])
        let hw = input.count / max(1, n * c)
        let m = Double(n * hw)
        var dx = Tensor<Scalar>(uninitialized: input.shape)
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
                                    let muF = Scalar(mu)
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
                                        let (fk, fkx, fk0) = (Scalar(k), Scalar(-k * b * istd), Scalar(-k * a))
                                        for i in 0..<n {
                                            let o = (i * c + ch) * hw
                                            let (dr, xr, outr) = (d + o, x + o, out + o)
                                            for q in 0..<hw { outr[q] = fk * dr[q] + fkx * (xr[q] - muF) + fk0 }
                                        }
                                    } else {
                                        let k = Scalar(gamma * istd)
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
        weight.grad.withUnsafeMutablePointer { g in for ch in 0..<c { g[ch] += Scalar(sums[ch].dyXhat) } }
        bias.grad.withUnsafeMutablePointer { g in for ch in 0..<c { g[ch] += Scalar(sums[ch].dy) } }
        // Freed once used unless `forwardR` ran since the forward (see Conv2d.backward).
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = dy }
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
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        inputTangent = rx
        var ry = Tensor<Scalar>(zeros: rx.shape)
        invStdTangent = [Double](repeating: 0, count: channels)
        let gamma = weight.value
        forEachChannel { ch, offs in
            let (mu, istd, g) = (mean[ch], invStd[ch], Double(gamma[flat: ch]))
            if lastMode == .eval {
                for o in offs { ry[flat: o] = Scalar(g * istd * Double(rx[flat: o])) }
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
                ry[flat: o] = Scalar(g * istd * ((Double(rx[flat: o]) - meanR) - xhat * meanXhatR))
            }
        }
        return ry
    }

    /// R of dx = γσ⁻¹(dy − a − x̂b), a = mean dy, b = mean(dy x̂), with R{σ⁻¹} and R{x̂} from `forwardR`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        var rdx = Tensor<Scalar>(zeros: rdy.shape)
        var rgGamma = Tensor<Scalar>(zeros: [channels]), rgBeta = Tensor<Scalar>(zeros: [channels])
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
            rgGamma[flat: ch] = Scalar(rb)
            rgBeta[flat: ch] = Scalar(sumRdy)
            if lastMode == .eval {
                for o in offs { rdx[flat: o] = Scalar(g * istd * Double(rdy[flat: o])) }
                return
            }
            (a, b, ra, rb) = (a / m, b / m, ra / m, rb / m)
            for o in offs {
                let xhat = (Double(input[flat: o]) - mu) * istd
                let dy = Double(outputGrad[flat: o]), r = Double(rdy[flat: o])
                let v = g * rIstd * (dy - a - xhat * b) + g * istd * (r - ra - rXhat(o, xhat) * b - xhat * rb)
                rdx[flat: o] = Scalar(v)
            }
        }
        weight.accumulateTangentGrad(rgGamma)
        bias.accumulateTangentGrad(rgBeta)
        (input, outputGrad, inputTangent) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil)
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

    public func clone() -> any Layer<Scalar> { copy() }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { copy(as: Other.self) }

    /// A deep copy computing in another precision.
    public func copy<Other: TensorScalar>(as: Other.Type) -> BatchNorm2d<Other> {
        BatchNorm2d<Other>(weight: weight.converted(to: Other.self), bias: bias.converted(to: Other.self),
                           runningMean: runningMean.converted(to: Other.self), runningVar: runningVar.converted(to: Other.self),
                           eps: eps, momentum: momentum)
    }

    private init(weight: Parameter<Scalar>, bias: Parameter<Scalar>, runningMean: Buffer<Scalar>, runningVar: Buffer<Scalar>,
                 eps: Double, momentum: Double) {
        self.weight = weight
        self.bias = bias
        self.runningMean = runningMean
        self.runningVar = runningVar
        self.eps = eps
        self.momentum = momentum
    }

    /// How the layer is written in PruneScript.
    public var description: String { "batchnorm2d(\(channels))" }
}
