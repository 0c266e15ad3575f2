import Tensor

/// 2-D convolution (cross-correlation, as in PyTorch) with square kernels, stride and zero padding.
/// Weight `[out, in, k, k]` (OIHW), optional bias `[out]`.
///
/// Computed as im2col + one GEMM per chunk of images (a chunk's column matrix stays under
/// `columnBudget` bytes); backward as GEMMs + col2im.
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    /// Upper bound on the bytes of one chunk's column matrix.
    public static let columnBudget = 32 << 20
    private var input = Tensor(zeros: [0])
    private var outputGrad = Tensor(zeros: [0])
    private var inputTangent: Tensor?

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) {
        precondition(kernelSize > 0 && stride > 0 && padding >= 0)
        weight = Parameter(Tensor(zeros: [outChannels, inChannels, kernelSize, kernelSize]), role: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outChannels]), role: .bias) : nil
        self.stride = stride
        self.padding = padding
    }

    public var inChannels: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: Int { weight.shape[2] }

    public var parameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    func geometry(_ shape: [Int]) -> ConvGeometry {
        ConvGeometry(channels: shape[shape.count - 3], height: shape[shape.count - 2], width: shape[shape.count - 1],
                     kernelH: kernelSize, kernelW: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.count == 3 else { throw ShapeError("Conv2d expects [C, H, W], got \(input)") }
        guard input[0] == inChannels else {
            throw ShapeError("Conv2d(\(inChannels) → \(outChannels)) got \(input[0]) input channels")
        }
        let g = geometry(input)
        guard g.fits else {
            throw ShapeError("Conv2d kernel \(kernelSize)×\(kernelSize) (padding \(padding)) does not fit a \(input[1])×\(input[2]) input")
        }
        return [outChannels, g.outH, g.outW]
    }

    /// Images per GEMM chunk for this geometry.
    func chunkSize(_ g: ConvGeometry, batch: Int) -> Int {
        let perImage = g.patch * g.positions * MemoryLayout<Float>.size
        return max(1, min(batch, Conv2d.columnBudget / max(1, perImage)))
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2d expects [N, \(inChannels), H, W], got \(x.shape)")
        input = x
        inputTangent = nil
        return convolve(x, weight.value, bias: bias?.value)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        outputGrad = dy
        if let b = bias { Conv2d.addBiasGradient(dy, into: &b.grad) }
        addWeightGradient(input: input, dy: dy, into: &weight.grad)
        return propagatesGradient ? inputGradient(dy, weight.value) : Tensor(zeros: input.shape)
    }

    public func forwardR(_ rx: Tensor) -> Tensor {
        inputTangent = rx
        var ry = convolve(rx, weight.value, bias: nil)
        if let v = weight.tangent { ry.add(convolve(input, v, bias: nil)) }
        return ry
    }

    public func backwardR(_ rdy: Tensor) -> Tensor {
        // R{dW} = corr(R{dy}, x) + corr(dy, R{x});  R{dx} = convᵀ(R{dy}, W) + convᵀ(dy, R{W})
        var rgw = Tensor(zeros: weight.shape)
        addWeightGradient(input: input, dy: rdy, into: &rgw)
        if let rx = inputTangent { addWeightGradient(input: rx, dy: outputGrad, into: &rgw) }
        weight.accumulateTangentGrad(rgw)
        if let b = bias {
            var rgb = Tensor(zeros: b.shape)
            Conv2d.addBiasGradient(rdy, into: &rgb)
            b.accumulateTangentGrad(rgb)
        }
        var rdx = inputGradient(rdy, weight.value)
        if let v = weight.tangent { rdx.add(inputGradient(outputGrad, v)) }
        return rdx
    }

    /// y = conv(x, w) + b.
    func convolve(_ x: Tensor, _ w: Tensor, bias: Tensor?) -> Tensor {
        let batch = x.shape[0]
        let g = geometry(x.shape)
        let (O, K, P) = (outChannels, g.patch, g.positions)
        var y = Tensor(uninitialized: [batch, O, g.outH, g.outW])
        let chunk = chunkSize(g, batch: batch)
        var cols = Tensor(uninitialized: [K * chunk * P])
        var out = Tensor(uninitialized: [O * chunk * P])
        x.withUnsafePointer { xp in
            w.withUnsafePointer { wp in
                y.withUnsafeMutablePointer { yp in
                    cols.withUnsafeMutablePointer { cp in
                        out.withUnsafeMutablePointer { op in
                            var first = 0
                            while first < batch {
                                let count = min(chunk, batch - first)
                                Im2col.fill(cp, from: xp, g, first: first, count: count)
                                BLAS.gemm(m: O, n: count * P, k: K, wp, lda: K, cp, ldb: count * P, op, ldc: count * P)
                                Conv2d.scatter(op, into: yp + first * O * P, channels: O, images: count,
                                               positions: P, bias: bias)
                                first += count
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// gw += dY · colsᵀ (the weight gradient for input `input` and output gradient `dy`).
    func addWeightGradient(input: Tensor, dy: Tensor, into gw: inout Tensor) {
        let batch = input.shape[0]
        let g = geometry(input.shape)
        let (O, K, P) = (outChannels, g.patch, g.positions)
        let chunk = chunkSize(g, batch: batch)
        var cols = Tensor(uninitialized: [K * chunk * P])
        var dout = Tensor(uninitialized: [O * chunk * P])
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                gw.withUnsafeMutablePointer { gwp in
                    cols.withUnsafeMutablePointer { cp in
                        dout.withUnsafeMutablePointer { dp in
                            var first = 0
                            while first < batch {
                                let count = min(chunk, batch - first)
                                let n = count * P
                                Conv2d.gather(dyp + first * O * P, into: dp, channels: O, images: count, positions: P)
                                Im2col.fill(cp, from: xp, g, first: first, count: count)
                                BLAS.gemm(transB: true, m: O, n: K, k: n, dp, lda: n, cp, ldb: n, beta: 1, gwp, ldc: K)
                                first += count
                            }
                        }
                    }
                }
            }
        }
    }

    /// convᵀ(dy, w): the gradient with respect to the last forward's input.
    func inputGradient(_ dy: Tensor, _ w: Tensor) -> Tensor {
        let batch = input.shape[0]
        let g = geometry(input.shape)
        let (O, K, P) = (outChannels, g.patch, g.positions)
        let chunk = chunkSize(g, batch: batch)
        var cols = Tensor(uninitialized: [K * chunk * P])
        var dout = Tensor(uninitialized: [O * chunk * P])
        var dx = Tensor(zeros: input.shape)
        dy.withUnsafePointer { dyp in
            w.withUnsafePointer { wp in
                dx.withUnsafeMutablePointer { dxp in
                    cols.withUnsafeMutablePointer { cp in
                        dout.withUnsafeMutablePointer { dp in
                            var first = 0
                            while first < batch {
                                let count = min(chunk, batch - first)
                                let n = count * P
                                Conv2d.gather(dyp + first * O * P, into: dp, channels: O, images: count, positions: P)
                                BLAS.gemm(transA: true, m: K, n: n, k: O, wp, lda: K, dp, ldb: n, cp, ldc: n)
                                Im2col.accumulate(cp, into: dxp, g, first: first, count: count)
                                first += count
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// gb[o] += Σ over images and positions of dy.
    static func addBiasGradient(_ dy: Tensor, into gb: inout Tensor) {
        let (batch, O) = (dy.shape[0], dy.shape[1])
        let P = dy.count / max(1, batch * O)
        dy.withUnsafePointer { dyp in
            gb.withUnsafeMutablePointer { g in
                for o in 0..<O {
                    var s = 0.0
                    for n in 0..<batch {
                        let base = dyp + (n * O + o) * P
                        var part: Float = 0
                        for q in 0..<P { part += base[q] }
                        s += Double(part)
                    }
                    g[o] += Float(s)
                }
            }
        }
    }

    /// `src` is `[channels, images·positions]`; writes `dst` as `[images, channels, positions]` (+ bias per channel).
    static func scatter(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                        channels: Int, images: Int, positions: Int, bias: Tensor?) {
        nonisolated(unsafe) let (s, d) = (src, dst)
        let ld = images * positions
        let b = bias?.scalars
        Parallel.forRanges(images * channels, grain: 8) { range in
            for job in range {
                let j = job / channels, o = job % channels
                let from = s + o * ld + j * positions
                let to = d + (j * channels + o) * positions
                if let b {
                    let v = b[o]
                    for q in 0..<positions { to[q] = from[q] + v }
                } else {
                    to.update(from: from, count: positions)
                }
            }
        }
    }

    /// Inverse layout of `scatter` (no bias): `[images, channels, positions]` → `[channels, images·positions]`.
    static func gather(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                       channels: Int, images: Int, positions: Int) {
        nonisolated(unsafe) let (s, d) = (src, dst)
        let ld = images * positions
        Parallel.forRanges(images * channels, grain: 8) { range in
            for job in range {
                let j = job / channels, o = job % channels
                (d + o * ld + j * positions).update(from: s + (j * channels + o) * positions, count: positions)
            }
        }
    }

    /// A deep copy with its own parameters.
    public func copy() -> Conv2d {
        let c = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                       stride: stride, padding: padding, bias: bias != nil)
        c.weight.copyState(from: weight)
        if let b = bias { c.bias?.copyState(from: b) }
        c.propagatesGradient = propagatesGradient
        return c
    }

    public func clone() -> any Layer { copy() }
}
