import Tensor

/// y = x Wᵀ + b, with W of shape `[out, in]` as in PyTorch.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    private var input = Tensor(zeros: [0])
    private var outputGrad = Tensor(zeros: [0])
    private var inputTangent: Tensor?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        weight = Parameter(Tensor(zeros: [outFeatures, inFeatures]), role: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outFeatures]), role: .bias) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public var parameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard Tensor.count(of: input) == inFeatures else {
            throw ShapeError("Linear(\(inFeatures) → \(outFeatures)) got \(Tensor.count(of: input)) input features (shape \(input))")
        }
        return [outFeatures]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.count == x.shape[0] * inFeatures, "Linear expects [batch, \(inFeatures)], got \(x.shape)")
        input = x
        inputTangent = nil
        return Linear.multiply(x, weight.value, bias: bias?.value)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        Linear.addGradients(x: input, dy: dy, weightGrad: &weight.grad, biasGrad: bias)
        let dx = propagatesGradient ? Linear.inputGradient(dy, weight.value, inputShape: input.shape)
                                    : Tensor(zeros: input.shape)
        // Freed once used unless `forwardR` ran since the forward (see Conv2d.backward).
        if inputTangent == nil { input = Tensor(zeros: [0]) } else { outputGrad = dy }
        return dx
    }

    public func forwardR(_ rx: Tensor) -> Tensor {
        inputTangent = rx
        var ry = Linear.multiply(rx, weight.value, bias: nil)
        if let v = weight.tangent { ry.add(Linear.multiply(input, v, bias: nil)) }
        return ry
    }

    public func backwardR(_ rdy: Tensor) -> Tensor {
        var rgw = Tensor(zeros: weight.shape)
        let rb = bias.map { Parameter(Tensor(zeros: $0.shape), role: .bias) }
        Linear.addGradients(x: input, dy: rdy, weightGrad: &rgw, biasGrad: rb)
        if let rx = inputTangent { Linear.addGradients(x: rx, dy: outputGrad, weightGrad: &rgw, biasGrad: nil) }
        weight.accumulateTangentGrad(rgw)
        if let b = bias, let rb { b.accumulateTangentGrad(rb.grad) }
        var rdx = Linear.inputGradient(rdy, weight.value, inputShape: input.shape)
        if let v = weight.tangent { rdx.add(Linear.inputGradient(outputGrad, v, inputShape: input.shape)) }
        (input, outputGrad, inputTangent) = (Tensor(zeros: [0]), Tensor(zeros: [0]), nil)
        return rdx
    }

    /// x Wᵀ (+ b) for x `[N, in]`.
    static func multiply(_ x: Tensor, _ w: Tensor, bias: Tensor?) -> Tensor {
        let batch = x.shape[0]
        let (o, i) = (w.shape[0], w.shape[1])
        var y = Tensor(uninitialized: [batch, o])
        y.withUnsafeMutablePointer { yp in
            if let bias {
                bias.withUnsafePointer { bp in
                    for n in 0..<batch { (yp + n * o).update(from: bp, count: o) }
                }
            }
            x.withUnsafePointer { xp in
                w.withUnsafePointer { wp in
                    BLAS.gemm(transB: true, m: batch, n: o, k: i, xp, lda: i, wp, ldb: i, beta: bias == nil ? 0 : 1, yp, ldc: o)
                }
            }
        }
        return y
    }

    /// dW += dyᵀ · x; db += Σ dy over the batch.
    static func addGradients(x: Tensor, dy: Tensor, weightGrad: inout Tensor, biasGrad: Parameter?) {
        let batch = x.shape[0]
        let (o, i) = (weightGrad.shape[0], weightGrad.shape[1])
        dy.withUnsafePointer { dyp in
            x.withUnsafePointer { xp in
                weightGrad.withUnsafeMutablePointer { gw in
                    BLAS.gemm(transA: true, m: o, n: i, k: batch, dyp, lda: o, xp, ldb: i, beta: 1, gw, ldc: i)
                }
            }
            biasGrad?.grad.withUnsafeMutablePointer { gb in
                // row by row, so the loop runs along memory; each sum still adds n = 0, 1, … in order
                var sums = [Float](repeating: 0, count: o)
                sums.withUnsafeMutableBufferPointer { s in
                    for n in 0..<batch {
                        let row = dyp + n * o
                        for j in 0..<o { s[j] += row[j] }
                    }
                    for j in 0..<o { gb[j] += s[j] }
                }
            }
        }
    }

    /// dy · W, reshaped to the input's shape.
    static func inputGradient(_ dy: Tensor, _ w: Tensor, inputShape: [Int]) -> Tensor {
        let batch = dy.shape[0]
        let (o, i) = (w.shape[0], w.shape[1])
        var dx = Tensor(uninitialized: inputShape)
        dy.withUnsafePointer { dyp in
            w.withUnsafePointer { wp in
                dx.withUnsafeMutablePointer { dxp in
                    BLAS.gemm(m: batch, n: i, k: o, dyp, lda: o, wp, ldb: i, dxp, ldc: i)
                }
            }
        }
        return dx
    }

    public func clone() -> any Layer {
        let c = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias != nil)
        c.weight.copyState(from: weight)
        if let b = bias { c.bias?.copyState(from: b) }
        c.propagatesGradient = propagatesGradient
        return c
    }
}
