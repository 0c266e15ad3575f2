import Tensor

/// 2-D convolution in its general form (ONNX's Conv): rectangular kernels, per-axis strides and
/// dilations, asymmetric padding, and groups (depthwise when groups = channels). Weight
/// `[out, in / groups, kh, kw]` (OIHW), optional bias `[out]`.
///
/// Computed per image and group as im2col + GEMM, backward as GEMMs + col2im; images run on the
/// cores concurrently, each lane with its own weight-gradient partial, summed in lane order.
/// `Conv2d` is the fast special case (square, symmetric, one group) that the zoo uses.
public final class Convolution<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    public let stride: (h: Int, w: Int)
    public let dilation: (h: Int, w: Int)
    public let pads: (top: Int, left: Int, bottom: Int, right: Int)
    public let groups: Int
    public var propagatesGradient = true

    private var input = Tensor<Scalar>(zeros: [0])
    private var outputGrad = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?

    public init(weight: Parameter<Scalar>, bias: Parameter<Scalar>?, stride: (h: Int, w: Int) = (1, 1),
                dilation: (h: Int, w: Int) = (1, 1), pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                groups: Int = 1) {
        self.weight = weight
        self.bias = bias
        (self.stride, self.dilation, self.pads, self.groups) = (stride, dilation, pads, groups)
    }

    public var outChannels: Int { weight.shape[0] }
    public var inChannels: Int { weight.shape[1] * groups }
    private var kh: Int { weight.shape[2] }
    private var kw: Int { weight.shape[3] }

    public var parameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    private func outHW(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + pads.top + pads.bottom - dilation.h * (kh - 1) - 1) / stride.h + 1,
         (w + pads.left + pads.right - dilation.w * (kw - 1) - 1) / stride.w + 1)
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard weight.shape.count == 4, groups > 0, outChannels % groups == 0 else {
            throw ShapeError("Conv weight \(weight.shape) does not fit \(groups) groups")
        }
        guard input.count == 3 else { throw ShapeError("Conv expects [C, H, W], got \(input)") }
        guard input[0] == inChannels else { throw ShapeError("Conv(\(inChannels) → \(outChannels)) got \(input[0]) input channels") }
        guard stride.h > 0, stride.w > 0, dilation.h > 0, dilation.w > 0,
              [pads.top, pads.left, pads.bottom, pads.right].allSatisfy({ $0 >= 0 }) else {
            throw ShapeError("Conv strides and dilations must be positive, pads non-negative")
        }
        let (oh, ow) = outHW(input[1], input[2])
        guard oh > 0, ow > 0 else { throw ShapeError("Conv kernel \(kh)×\(kw) does not fit a \(input[1])×\(input[2]) input") }
        return [outChannels, oh, ow]
    }

    /// Visits each row segment of the column matrix: `body(column, input, valid)` for the segment
    /// at column-matrix offset `column` (ow entries), the input row offset it reads (nil when the
    /// row is padding), and the output columns whose input column `valid` lies inside the image
    /// (the input column of output column ox is ox·sw − pl + j·dw).
    @inline(__always)
    private func forEachRow(channels: Int, h: Int, w: Int, oh: Int, ow: Int,
                            _ body: (_ column: Int, _ input: Int?, _ valid: Range<Int>, _ firstInputColumn: Int) -> Void) {
        let p = oh * ow
        for c in 0..<channels {
            for i in 0..<kh { for j in 0..<kw {
                let x0 = j * dilation.w - pads.left
                // ox·sw + x0 ∈ [0, w)
                let lo = x0 >= 0 ? 0 : min(ow, (-x0 + stride.w - 1) / stride.w)
                let hi = w - x0 <= 0 ? 0 : min(ow, (w - x0 + stride.w - 1) / stride.w)
                for oy in 0..<oh {
                    let y = oy * stride.h - pads.top + i * dilation.h
                    let input = y >= 0 && y < h ? (c * h + y) * w : nil
                    body(((c * kh + i) * kw + j) * p + oy * ow, input, lo..<max(lo, hi), x0)
                }
            } }
        }
    }

    /// cols[(c·kh + i)·kw + j][p] = x[c][oy·sh − pt + i·dh][ox·sw − pl + j·dw] (0 outside), for
    /// `channels` channels from `x`.
    private func im2col(_ x: UnsafePointer<Scalar>, channels: Int, h: Int, w: Int, oh: Int, ow: Int,
                        _ cols: UnsafeMutablePointer<Scalar>) {
        let sw = stride.w
        forEachRow(channels: channels, h: h, w: w, oh: oh, ow: ow) { column, input, valid, x0 in
            let row = cols + column
            guard let input else { row.update(repeating: 0, count: ow); return }
            row.update(repeating: 0, count: valid.lowerBound)
            for ox in valid { row[ox] = x[input + ox * sw + x0] }
            (row + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound)
        }
    }

    /// The adjoint of `im2col`: adds the columns back into `dx`.
    private func col2im(_ cols: UnsafePointer<Scalar>, channels: Int, h: Int, w: Int, oh: Int, ow: Int,
                        _ dx: UnsafeMutablePointer<Scalar>) {
        let sw = stride.w
        forEachRow(channels: channels, h: h, w: w, oh: oh, ow: ow) { column, input, valid, x0 in
            guard let input else { return }
            for ox in valid { dx[input + ox * sw + x0] += cols[column + ox] }
        }
    }

    /// y = conv(x, w) (+ bias).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func convolve(_ x: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
        let (n, h, wd) = (x.shape[0], x.shape[2], x.shape[3])
        let (oh, ow) = outHW(h, wd)
        let (cg, og, p) = (inChannels / groups, outChannels / groups, oh * ow)
        let k = cg * kh * kw
        var y = Tensor<Scalar>(uninitialized: [n, outChannels, oh, ow])
        let biasValues = bias?.scalars
        x.withUnsafePointer { xp in
            w.withUnsafePointer { wp in
                y.withUnsafeMutablePointer { yp in
                    nonisolated(unsafe) let (xs, ws, ys) = (xp, wp, yp)
                    Parallel.forEach(n) { img in
                        Scratch.with([k * p], of: Scalar.self) { buffers in
                            let cols = buffers[0]
                            for g in 0..<groups {
                                im2col(xs + (img * inChannels + g * cg) * h * wd, channels: cg, h: h, w: wd, oh: oh, ow: ow, cols)
                                BLAS.gemmSingleThreaded(m: og, n: p, k: k, ws + g * og * k, lda: k, cols, ldb: p,
                                                        ys + (img * outChannels + g * og) * p, ldc: p)
                            }
                            if let biasValues {
                                for o in 0..<outChannels {
                                    let row = ys + (img * outChannels + o) * p
                                    for q in 0..<p { row[q] += biasValues[o] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// corr(dy, x) (when `weightGradient`) and convᵀ(dy, w) (when `w` is given).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backwardKernels(input x: Tensor<Scalar>, dy: Tensor<Scalar>, weightGradient: Bool,
                         inputWeights w: Tensor<Scalar>?) -> (weight: Tensor<Scalar>?, input: Tensor<Scalar>?) {
        let (n, h, wd) = (x.shape[0], x.shape[2], x.shape[3])
        let (oh, ow) = outHW(h, wd)
        let (cg, og, p) = (inChannels / groups, outChannels / groups, oh * ow)
        let k = cg * kh * kw
        let lanes = max(1, min(n, 4))
        let wc = weight.value.count
        // one weight-gradient partial per lane, summed in lane order below
        var partial = Tensor<Scalar>(zeros: [weightGradient ? lanes * wc : 0])
        var dx = Tensor<Scalar>(zeros: w == nil ? [0] : x.shape)
        let wt = w ?? Tensor<Scalar>(zeros: [0])
        let (wantsWeight, wantsInput) = (weightGradient, w != nil)
        x.withUnsafePointer { xp in
            dy.withUnsafePointer { dp in
                wt.withUnsafePointer { wp in
                    partial.withUnsafeMutablePointer { pp in
                        dx.withUnsafeMutablePointer { dxp in
                            nonisolated(unsafe) let (xs, ds, ws, ps, dxs) = (xp, dp, wp, pp, dxp)
                            Parallel.forEach(lanes) { lane in
                                Scratch.with([k * p], of: Scalar.self) { buffers in
                                    let cols = buffers[0]
                                    let gw = ps + lane * wc
                                    for img in Parallel.range(lane, of: lanes, count: n) {
                                        for g in 0..<groups {
                                            let dyg = ds + (img * outChannels + g * og) * p
                                            if wantsWeight {
                                                im2col(xs + (img * inChannels + g * cg) * h * wd, channels: cg, h: h, w: wd, oh: oh, ow: ow, cols)
                                                // gw_g += dy_g · colsᵀ
                                                BLAS.gemmSingleThreaded(transB: true, m: og, n: k, k: p, dyg, lda: p, cols, ldb: p,
                                                                        beta: 1, gw + g * og * k, ldc: k)
                                            }
                                            if wantsInput {
                                                // cols = w_gᵀ · dy_g, added back into dx by col2im
                                                BLAS.gemmSingleThreaded(transA: true, m: k, n: p, k: og, ws + g * og * k, lda: k, dyg, ldb: p,
                                                                        cols, ldc: p)
                                                col2im(cols, channels: cg, h: h, w: wd, oh: oh, ow: ow,
                                                       dxs + (img * inChannels + g * cg) * h * wd)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var gw: Tensor<Scalar>?
        if weightGradient {
            var total = Tensor<Scalar>(zeros: weight.shape)
            partial.withUnsafePointer { pp in
                total.withUnsafeMutableBufferPointer { t in
                    for lane in 0..<lanes { for i in 0..<wc { t[i] += pp[lane * wc + i] } }
                }
            }
            gw = total
        }
        return (gw, wantsInput ? dx : nil)
    }

    private func addBiasGradient(_ dy: Tensor<Scalar>, into gb: inout Tensor<Scalar>) {
        let (n, o) = (dy.shape[0], dy.shape[1])
        let p = dy.count / max(1, n * o)
        dy.withUnsafeBufferPointer { d in
            gb.withUnsafeMutableBufferPointer { g in
                for c in 0..<o {
                    var s = 0.0
                    for img in 0..<n { for q in 0..<p { s += Double(d[(img * o + c) * p + q]) } }
                    g[c] += Scalar(s)
                }
            }
        }
    }

    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        input = x
        inputTangent = nil
        return convolve(x, weight.value, bias: bias?.value)
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        if let b = bias { addBiasGradient(dy, into: &b.grad) }
        let (gw, dx) = backwardKernels(input: input, dy: dy, weightGradient: true,
                                       inputWeights: propagatesGradient ? weight.value : nil)
        if let gw { weight.grad.add(gw) }
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = dy }
        return dx ?? Tensor<Scalar>(zeros: input.shape)
    }

    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        inputTangent = rx
        var ry = convolve(rx, weight.value, bias: bias?.tangent)
        if let v = weight.tangent { ry.add(convolve(input, v, bias: nil)) }
        return ry
    }

    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        // R{dW} = corr(R{dy}, x) + corr(dy, R{x});  R{dx} = convᵀ(R{dy}, W) + convᵀ(dy, R{W})
        let first = backwardKernels(input: input, dy: rdy, weightGradient: true, inputWeights: weight.value)
        var rgw = first.weight ?? Tensor<Scalar>(zeros: weight.shape)
        var rdx = first.input ?? Tensor<Scalar>(zeros: input.shape)
        if let rx = inputTangent, let extra = backwardKernels(input: rx, dy: outputGrad, weightGradient: true, inputWeights: nil).weight {
            rgw.add(extra)
        }
        if let v = weight.tangent, let extra = backwardKernels(input: input, dy: outputGrad, weightGradient: false, inputWeights: v).input {
            rdx.add(extra)
        }
        weight.accumulateTangentGrad(rgw)
        if let b = bias {
            var rgb = Tensor<Scalar>(zeros: b.shape)
            addBiasGradient(rdy, into: &rgb)
            b.accumulateTangentGrad(rgb)
        }
        (input, outputGrad, inputTangent) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil)
        return rdx
    }

    public func clone() -> any Layer<Scalar> { converted(to: Scalar.self) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        let c = Convolution<Other>(weight: weight.converted(to: Other.self), bias: bias?.converted(to: Other.self),
                                   stride: stride, dilation: dilation, pads: pads, groups: groups)
        c.propagatesGradient = propagatesGradient
        return c
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        let w = kept(weight)
        let (cg, og, kk) = (inChannels / groups, outChannels / groups, kh * kw)
        return (0..<outChannels).map { oc in
            let g = oc / og
            return (0..<cg).contains { ic in
                reachable[g * cg + ic] && (0..<kk).contains { (w?[(oc * cg + ic) * kk + $0] ?? 1) != 0 }
            }
        }
    }

    public func macsPerWeight(outputShape: [Int]) -> Int? { outputShape[1] * outputShape[2] }

    public func skipInputGradient() -> Bool {
        propagatesGradient = false
        return false
    }

    public var description: String {
        "conv(\(inChannels), \(outChannels), \(kh)×\(kw), stride: \(stride.h)×\(stride.w), dilation: \(dilation.h)×\(dilation.w), "
            + "pads: \([pads.top, pads.left, pads.bottom, pads.right]), groups: \(groups)" + (bias == nil ? ", bias: false" : "") + ")"
    }
}
