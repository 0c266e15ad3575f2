import Tensor

/// 2-D convolution (cross-correlation, as in PyTorch) with square kernels, stride and zero padding.
/// Weight `[out, in, k, k]` (OIHW), optional bias `[out]`.
///
/// Computed as im2col + GEMM on chunks of images that stay in cache, the batch split into a few
/// lanes that run on the cores concurrently (see `ConvPlan`); backward as GEMMs + col2im in one
/// pass over the batch. 3×3 stride-1 layers of the shapes `DenseConvAlgorithm` picks compute
/// directly instead, in register tiles on zero-padded planes (`DirectConvKernels.swift`). Scratch memory comes from `Scratch`, so a step allocates only its outputs.
///
/// With a mask and sparse kernels (`kernels`), forward and backward run on the kept weights only,
/// by im2col + sparse product or by direct sparse convolution (`SparseConvKernels.swift`).
public final class Conv2d<Scalar: TensorScalar>: Layer, SparseCapable {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    public let stride: Int
    public let padding: Int
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    private var input = Tensor<Scalar>(zeros: [0])
    private var outputGrad = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?
    /// Which kernels training and evaluation use (scoring passes leave it `.dense`).
    public var kernels: KernelChoice = .dense
    /// The path and weights of the last forward when it ran sparse.
    private var sparse: (path: ConvKernelPath, weights: SparseMatrix<Scalar>)?
    /// Forces a path whenever the kernels are not `.dense` (tests compare the paths on one shape).
    var pathOverride: ConvKernelPath?

    /// Forces the dense algorithm (direct or im2col + GEMM) where both apply, or nil for the rule's
    /// choice (`DenseConvAlgorithm.chosen`): for benchmarks and tests that compare them.
    public var denseAlgorithm: DenseConvAlgorithm?

    /// Forces a path whenever the kernels are not `.dense`, or nil for the rule's choice: for
    /// benchmarks and tests that compare the paths on one shape.
    public func setPathOverride(_ path: ConvKernelPath?) { pathOverride = path }
    /// The path the last forward took.
    public var lastForwardPath: ConvKernelPath { sparse?.path ?? .dense }

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

    public var parameters: [(name: String, parameter: Parameter<Scalar>)] {
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

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2d expects [N, \(inChannels), H, W], got \(x.shape)")
        input = x
        inputTangent = nil
        sparse = sparsePlan(inputShape: x.shape)
        if let (path, w) = sparse { return sparseConvolve(x, w, path: path, bias: bias?.value) }
        return convolve(x, weight.value, bias: bias?.value)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        if let (path, w) = sparse, inputTangent == nil {
            sparse = nil
            defer { input = Tensor<Scalar>(zeros: [0]) }
            return sparseBackward(input: input, dy: dy, w, path: path)
        }
        sparse = nil
        if let b = bias { Conv2d.addBiasGradient(dy, into: &b.grad) }
        let w = propagatesGradient ? weight.value : nil
        let dx = weight.grad.withUnsafeMutablePointer { gw in
            backwardKernels(input: input, dy: dy, weightGrad: gw, inputWeights: w)
        } ?? Tensor<Scalar>(zeros: input.shape)
        // The saved input is freed as soon as it is used, as autograd frees saved tensors, unless
        // `forwardR` ran since the forward: then `backwardR` needs the input and this gradient too.
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = dy }
        return dx
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        inputTangent = rx
        var ry = convolve(rx, weight.value, bias: nil)
        if let v = weight.tangent { ry.add(convolve(input, v, bias: nil)) }
        return ry
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        // R{dW} = corr(R{dy}, x) + corr(dy, R{x});  R{dx} = convᵀ(R{dy}, W) + convᵀ(dy, R{W})
        var rgw = Tensor<Scalar>(zeros: weight.shape)
        var rdx = rgw.withUnsafeMutablePointer { gw in
            backwardKernels(input: input, dy: rdy, weightGrad: gw, inputWeights: weight.value)
        } ?? Tensor<Scalar>(zeros: input.shape)
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
            var rgb = Tensor<Scalar>(zeros: b.shape)
            Conv2d.addBiasGradient(rdy, into: &rgb)
            b.accumulateTangentGrad(rgb)
        }
        (input, outputGrad, inputTangent) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil)
        return rdx
    }

    /// gb[o] += Σ over images and positions of dy (per image in the scalar type, over images in Double).
    static func addBiasGradient(_ dy: Tensor<Scalar>, into gb: inout Tensor<Scalar>) {
        let (batch, O) = (dy.shape[0], dy.shape[1])
        let P = dy.count / max(1, batch * O)
        dy.withUnsafePointer { dyp in
            gb.withUnsafeMutablePointer { g in
                nonisolated(unsafe) let (d, out) = (dyp, g)
                Parallel.forRanges(O, grain: max(1, Parallel.grain / max(1, batch * P))) { r in
                    for o in r {
                        var s = 0.0
                        for n in 0..<batch { s += Double(VectorOps.sum(d + (n * O + o) * P, count: P)) }
                        out[o] += Scalar(s)
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
        c.kernels = kernels
        return c
    }

    public func clone() -> any Layer<Scalar> { copy() }

    /// A deep copy computing in another precision (masked-out weights zero).
    public func copy<Other: TensorScalar>(as: Other.Type) -> Conv2d<Other> {
        let c = Conv2d<Other>(weight: weight.converted(to: Other.self), bias: bias?.converted(to: Other.self),
                              stride: stride, padding: padding)
        c.propagatesGradient = propagatesGradient
        c.kernels = kernels
        return c
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { copy(as: Other.self) }

    private init(weight: Parameter<Scalar>, bias: Parameter<Scalar>?, stride: Int, padding: Int) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        let w = kept(weight)
        let (o, c, kk) = (outChannels, inChannels, kernelSize * kernelSize)
        var result = [Bool](repeating: false, count: o)
        for oc in 0..<o {
            search: for ic in 0..<c where reachable[ic] {
                for k in 0..<kk where (w?[(oc * c + ic) * kk + k] ?? 1) != 0 { result[oc] = true; break search }
            }
        }
        return result
    }

    public func macsPerWeight(outputShape: [Int]) -> Int? { outputShape[1] * outputShape[2] }

    public func skipInputGradient() -> Bool {
        propagatesGradient = false
        return false
    }

    /// How the layer is written in PruneScript.
    public var description: String { "conv2d(\(inChannels), \(outChannels), \(kernelSize)" + (stride == 1 ? "" : ", stride: \(stride)")
        + (padding == 0 ? "" : ", padding: \(padding)") + (bias == nil ? ", bias: false" : "") + ")" }
}
