import Tensor

/// y = x·W (+ b) over the last axis of x, with W stored `[in, out]` as ONNX's MatMul reads it
/// (PyTorch's `x @ w`, or a Linear exported as MatMul + Add). Prunable like a Linear weight.
public final class MatMul<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    public var propagatesGradient = true
    private var input = Tensor<Scalar>(zeros: [0])
    private var outputGrad = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?

    public init(weight: Parameter<Scalar>, bias: Parameter<Scalar>?) {
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.shape[0] }
    public var outFeatures: Int { weight.shape[1] }

    public var parameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard weight.shape.count == 2 else { throw ShapeError("MatMul weight must be a matrix, got \(weight.shape)") }
        guard let last = input.last, last == inFeatures else {
            throw ShapeError("MatMul(\(inFeatures) → \(outFeatures)) got input \(input)")
        }
        return Array(input.dropLast()) + [outFeatures]
    }

    /// a[rows, k] · b (k × n, or n × k when `transB`) into a new [rows, n] tensor, plus `bias`.
    private static func product(_ a: Tensor<Scalar>, rows: Int, k: Int, _ b: Tensor<Scalar>, n: Int, transB: Bool,
                                bias: Tensor<Scalar>?) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: rows * n)
        if let bias {
            let bv = bias.scalars
            for r in 0..<rows { for j in 0..<n { out[r * n + j] = bv[j] } }
        }
        a.withUnsafePointer { ap in
            b.withUnsafePointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    guard let base = op.baseAddress else { return }
                    BLAS.gemm(transB: transB, m: rows, n: n, k: k, ap, lda: k, bp, ldb: transB ? k : n,
                              beta: bias == nil ? 0 : 1, base, ldc: n)
                }
            }
        }
        return out
    }

    /// aᵀ·b for a [rows, m], b [rows, n]: the weight-shaped [m, n] product.
    private static func transposedProduct(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, rows: Int, m: Int, n: Int) -> Tensor<Scalar> {
        var out = Tensor<Scalar>(zeros: [m, n])
        a.withUnsafePointer { ap in
            b.withUnsafePointer { bp in
                out.withUnsafeMutablePointer { op in
                    BLAS.gemm(transA: true, m: m, n: n, k: rows, ap, lda: m, bp, ldb: n, op, ldc: n)
                }
            }
        }
        return out
    }

    private func forwardShape(_ x: [Int]) -> [Int] { Array(x.dropLast()) + [outFeatures] }

    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        input = x
        inputTangent = nil
        let rows = x.count / inFeatures
        return Tensor(shape: forwardShape(x.shape),
                      scalars: MatMul.product(x, rows: rows, k: inFeatures, weight.value, n: outFeatures, transB: false, bias: bias?.value))
    }

    private func biasGradient(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = dy.count / outFeatures
        var acc = [Double](repeating: 0, count: outFeatures)
        dy.withUnsafeBufferPointer { d in for r in 0..<rows { for j in 0..<outFeatures { acc[j] += Double(d[r * outFeatures + j]) } } }
        return Tensor(shape: [outFeatures], scalars: acc.map { Scalar($0) })
    }

    /// dy·Wᵀ reshaped as the input.
    private func inputGradient(_ dy: Tensor<Scalar>, _ w: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = dy.count / outFeatures
        return Tensor(shape: input.shape, scalars: MatMul.product(dy, rows: rows, k: outFeatures, w, n: inFeatures, transB: true, bias: nil))
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = input.count / inFeatures
        weight.grad.add(MatMul.transposedProduct(input, dy, rows: rows, m: inFeatures, n: outFeatures))
        if let b = bias { b.grad.add(biasGradient(dy)) }
        let dx = propagatesGradient ? inputGradient(dy, weight.value) : Tensor<Scalar>(zeros: input.shape)
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = dy }
        return dx
    }

    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        inputTangent = rx
        let rows = input.count / inFeatures
        var ry = MatMul.product(rx, rows: rows, k: inFeatures, weight.value, n: outFeatures, transB: false, bias: bias?.tangent)
        if let v = weight.tangent {
            let extra = MatMul.product(input, rows: rows, k: inFeatures, v, n: outFeatures, transB: false, bias: nil)
            for i in ry.indices { ry[i] += extra[i] }
        }
        return Tensor(shape: forwardShape(input.shape), scalars: ry)
    }

    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = input.count / inFeatures
        var rgw = MatMul.transposedProduct(input, rdy, rows: rows, m: inFeatures, n: outFeatures)
        if let rx = inputTangent { rgw.add(MatMul.transposedProduct(rx, outputGrad, rows: rows, m: inFeatures, n: outFeatures)) }
        weight.accumulateTangentGrad(rgw)
        if let b = bias { b.accumulateTangentGrad(biasGradient(rdy)) }
        var rdx = inputGradient(rdy, weight.value)
        if let v = weight.tangent { rdx.add(inputGradient(outputGrad, v)) }
        (input, outputGrad, inputTangent) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil)
        return rdx
    }

    public func clone() -> any Layer<Scalar> { converted(to: Scalar.self) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        let m = MatMul<Other>(weight: weight.converted(to: Other.self), bias: bias?.converted(to: Other.self))
        m.propagatesGradient = propagatesGradient
        return m
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        let w = kept(weight)
        // features of a flat input; for a rank-3 input the units are its channels, each of which
        // reaches every output feature through any kept weight
        guard inputShape.count == 1 else {
            let any = reachable.contains(true) && (w?.contains { $0 != 0 } ?? true)
            return [Bool](repeating: any, count: inputShape.first ?? 1)
        }
        return (0..<outFeatures).map { j in
            (0..<inFeatures).contains { i in reachable[i] && (w?[i * outFeatures + j] ?? 1) != 0 }
        }
    }

    public func macsPerWeight(outputShape: [Int]) -> Int? { TensorShape.count(of: outputShape) / max(1, outFeatures) }

    public func skipInputGradient() -> Bool {
        propagatesGradient = false
        return false
    }

    public var description: String { "matmul(\(inFeatures), \(outFeatures)" + (bias == nil ? ", bias: false" : "") + ")" }
}
