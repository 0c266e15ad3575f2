import Tensor

/// A pointwise function with its first and second derivatives, which is all that forward,
/// backward and the R-operator of y = f(x) need: dx = dy·f′(x), R{y} = f′(x)·R{x},
/// R{dx} = R{dy}·f′(x) + dy·f″(x)·R{x}. Kinks take PyTorch's one-sided choices (named per case).
public enum Pointwise: Sendable, Equatable {
    /// 1 / (1 + e^−x).
    case sigmoid
    /// clamp(αx + β, 0, 1); the gradient is α strictly inside (PyTorch's hardsigmoid: −3 < x < 3).
    case hardSigmoid(alpha: Double, beta: Double)
    /// x·clamp(x + 3, 0, 6)/6; gradient 0 for x < −3, x/3 + 1/2 for x ≤ 3, 1 above (PyTorch).
    case hardSwish
    /// clamp(x, lo, hi); the gradient passes strictly inside (PyTorch's hardtanh, ReLU6).
    case clip(lo: Double, hi: Double)
    /// tanh(x).
    case tanh

    /// The ONNX operator.
    public var opType: String {
        switch self {
        case .sigmoid: "Sigmoid"
        case .hardSigmoid: "HardSigmoid"
        case .hardSwish: "HardSwish"
        case .clip: "Clip"
        case .tanh: "Tanh"
        }
    }

    /// (f, f′, f″) at x.
    @inline(__always)
    func evaluate(_ x: Double) -> (Double, Double, Double) {
        switch self {
        case .sigmoid:
            let s = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
            return (s, s * (1 - s), s * (1 - s) * (1 - 2 * s))
        case let .hardSigmoid(a, b):
            let t = a * x + b
            return t <= 0 ? (0, 0, 0) : t >= 1 ? (1, 0, 0) : (t, a, 0)
        case .hardSwish:
            if x < -3 { return (0, 0, 0) }
            if x <= 3 { return (x * (x + 3) / 6, x / 3 + 0.5, 1.0 / 3) }
            return (x, 1, 0)
        case let .clip(lo, hi):
            return x <= lo ? (lo, 0, 0) : x >= hi ? (hi, 0, 0) : (x, 1, 0)
        case .tanh:
            let t = stableTanh(x)
            return (t, 1 - t * t, -2 * t * (1 - t * t))
        }
    }
}

@inline(__always)
private func stableTanh(_ x: Double) -> Double {
    // tanh from exp, stable for large |x|
    let e = exp(-2 * abs(x))
    let t = (1 - e) / (1 + e)
    return x < 0 ? -t : t
}

@inline(__always)
private func exp(_ x: Double) -> Double { Double.exponential(x) }

/// A pointwise function as a graph op (`Pointwise`), computed in Double per element.
public final class PointwiseOp<Scalar: TensorScalar>: GraphOp {
    public let function: Pointwise
    private var input = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?
    private var outputGrad: Tensor<Scalar>?

    public init(_ function: Pointwise) { self.function = function }

    public var opType: String { function.opType }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard let x = inputs.first else { throw ShapeError("\(opType) needs an input") }
        return [x]
    }

    /// out[i] = body(x[i], other[i]) for `other` of the same shape (or none).
    private func map(_ x: Tensor<Scalar>, _ others: [Tensor<Scalar>],
                     _ body: @escaping @Sendable ((Double, Double, Double), [Double]) -> Double) -> Tensor<Scalar> {
        var y = Tensor<Scalar>(uninitialized: x.shape)
        let f = function
        let n = x.count
        let xs = x.scalars, os = others.map(\.scalars)
        y.withUnsafeMutablePointer { yp in
            nonisolated(unsafe) let out = yp
            Parallel.forRanges(n, grain: Parallel.grain / 8) { r in
                var extra = [Double](repeating: 0, count: os.count)
                for i in r {
                    for k in os.indices { extra[k] = Double(os[k][i]) }
                    out[i] = Scalar(body(f.evaluate(Double(xs[i])), extra))
                }
            }
        }
        return y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        input = inputs[0]
        inputTangent = nil
        return [map(input, []) { v, _ in v.0 }]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        let dx = map(input, [outputGrads[0]]) { v, o in o[0] * v.1 }
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = outputGrads[0] }
        return [dx]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        let rx = inputTangents[0] ?? Tensor<Scalar>(zeros: input.shape)
        inputTangent = rx
        return [map(input, [rx]) { v, o in v.1 * o[0] }]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        let rx = inputTangent ?? Tensor<Scalar>(zeros: input.shape)
        let dy = outputGrad ?? Tensor<Scalar>(zeros: input.shape)
        let rdx = map(input, [rOutputGrads[0], dy, rx]) { v, o in o[0] * v.1 + o[1] * v.2 * o[2] }
        (input, inputTangent, outputGrad) = (Tensor<Scalar>(zeros: [0]), nil, nil)
        return [rdx]
    }

    public func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        [inputs[0] ?? [Bool](repeating: false, count: unitCount(inputShapes[0]))]
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> { PointwiseOp<Other>(function) }
}
