import Tensor

/// y = x Wᵀ + b, with W of shape `[out, in]` as in PyTorch.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    private var input = Tensor(zeros: [0])

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
        let batch = x.shape[0]
        let (i, o) = (inFeatures, outFeatures)
        precondition(x.count == batch * i, "Linear expects [batch, \(i)], got \(x.shape)")
        input = x
        var y = Tensor(uninitialized: [batch, o])
        y.withUnsafeMutablePointer { yp in
            if let b = bias {
                b.value.withUnsafePointer { bp in
                    for n in 0..<batch { (yp + n * o).update(from: bp, count: o) }
                }
            }
            x.withUnsafePointer { xp in
                weight.value.withUnsafePointer { wp in
                    BLAS.gemm(transB: true, m: batch, n: o, k: i, xp, lda: i, wp, ldb: i,
                              beta: bias == nil ? 0 : 1, yp, ldc: o)
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let batch = input.shape[0]
        let (i, o) = (inFeatures, outFeatures)
        dy.withUnsafePointer { dyp in
            input.withUnsafePointer { xp in
                weight.grad.withUnsafeMutablePointer { gw in
                    // dW += dyᵀ · x
                    BLAS.gemm(transA: true, m: o, n: i, k: batch, dyp, lda: o, xp, ldb: i, beta: 1, gw, ldc: i)
                }
            }
            bias?.grad.withUnsafeMutablePointer { gb in
                for j in 0..<o {
                    var s: Float = 0
                    for n in 0..<batch { s += dyp[n * o + j] }
                    gb[j] += s
                }
            }
        }
        guard propagatesGradient else { return Tensor(zeros: input.shape) }
        var dx = Tensor(uninitialized: input.shape)
        dy.withUnsafePointer { dyp in
            weight.value.withUnsafePointer { wp in
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
