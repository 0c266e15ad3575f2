import Tensor

/// 2-D convolution (cross-correlation, as in PyTorch) with square kernels, stride and zero padding.
/// Weight `[out, in, k, k]` (OIHW), optional bias `[out]`.
///
/// Computed as im2col + GEMM on chunks of images that stay in cache, the batch split into a few
/// lanes that run on the cores concurrently (see `ConvPlan`); backward as GEMMs + col2im in one
/// pass over the batch. Scratch memory comes from `Scratch`, so a step allocates only its outputs.
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    /// Upper bound on the bytes of all lanes' column matrices together (`ConvPlan` keeps each
    /// lane's chunk far below it, so that it stays in cache).
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

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2d expects [N, \(inChannels), H, W], got \(x.shape)")
        input = x
        inputTangent = nil
        return convolve(x, weight.value, bias: bias?.value)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        if let b = bias { Conv2d.addBiasGradient(dy, into: &b.grad) }
        let w = propagatesGradient ? weight.value : nil
        let dx = weight.grad.withUnsafeMutablePointer { gw in
            backwardKernels(input: input, dy: dy, weightGrad: gw, inputWeights: w)
        } ?? Tensor(zeros: input.shape)
        // The saved input is freed as soon as it is used, as autograd frees saved tensors, unless
        // `forwardR` ran since the forward: then `backwardR` needs the input and this gradient too.
        if inputTangent == nil { input = Tensor(zeros: [0]) } else { outputGrad = dy }
        return dx
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
        var rdx = rgw.withUnsafeMutablePointer { gw in
            backwardKernels(input: input, dy: rdy, weightGrad: gw, inputWeights: weight.value)
        } ?? Tensor(zeros: input.shape)
        let rx = inputTangent, v = weight.tangent
        if rx != nil || v != nil {
            // corr(dy, R{x}) into R{dW} and convᵀ(dy, R{W}) into R{dx}, in one pass
            let extra = rgw.withUnsafeMutablePointer { gw in
                backwardKernels(input: rx ?? input, dy: outputGrad, weightGrad: rx == nil ? nil : gw, inputWeights: v)
            }
            if let extra { rdx.add(extra) }
        }
        weight.accumulateTangentGrad(rgw)
        if let b = bias {
            var rgb = Tensor(zeros: b.shape)
            Conv2d.addBiasGradient(rdy, into: &rgb)
            b.accumulateTangentGrad(rgb)
        }
        (input, outputGrad, inputTangent) = (Tensor(zeros: [0]), Tensor(zeros: [0]), nil)
        return rdx
    }

    /// gb[o] += Σ over images and positions of dy (per image in Float, over images in Double).
    static func addBiasGradient(_ dy: Tensor, into gb: inout Tensor) {
        let (batch, O) = (dy.shape[0], dy.shape[1])
        let P = dy.count / max(1, batch * O)
        dy.withUnsafePointer { dyp in
            gb.withUnsafeMutablePointer { g in
                nonisolated(unsafe) let (d, out) = (dyp, g)
                Parallel.forRanges(O, grain: max(1, Tensor.parallelGrain / max(1, batch * P))) { r in
                    for o in r {
                        var s = 0.0
                        for n in 0..<batch { s += Double(VectorOps.sum(d + (n * O + o) * P, count: P)) }
                        out[o] += Float(s)
                    }
                }
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
