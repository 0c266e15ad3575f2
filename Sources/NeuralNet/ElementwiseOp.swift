import Tensor

/// Shapes broadcast as NumPy and ONNX do: aligned at the last dimension, a 1 stretching to the
/// other size.
public enum Broadcast {
    public static func shape(_ a: [Int], _ b: [Int]) throws(ShapeError) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { throw ShapeError("shapes \(a) and \(b) do not broadcast") }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// Strides of `shape` seen in `out`'s index space: 0 along broadcast dimensions.
    static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
        var strides = [Int](repeating: 0, count: out.count)
        var s = 1
        for d in stride(from: out.count - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 ? 0 : s
            s *= padded[d]
        }
        return strides
    }

    /// Calls `body(i, offsets)` for every element i of `out` (row-major) with each operand's offset.
    static func forEach(_ out: [Int], _ shapes: [[Int]], _ body: (Int, [Int]) -> Void) {
        let n = TensorShape.count(of: out)
        guard n > 0 else { return }
        let strides = shapes.map { Self.strides(of: $0, in: out) }
        var index = [Int](repeating: 0, count: out.count)
        var offsets = [Int](repeating: 0, count: shapes.count)
        for i in 0..<n {
            body(i, offsets)
            // odometer step
            var d = out.count - 1
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += strides[k][d] }
                if index[d] < out[d] { break }
                for k in offsets.indices { offsets[k] -= strides[k][d] * out[d] }
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// The arithmetic of an `ElementwiseOp`, by its ONNX operator name.
public enum ElementwiseKind: String, Sendable, CaseIterable { case add = "Add", sub = "Sub", mul = "Mul", div = "Div" }

/// Elementwise Add, Sub, Mul and Div with broadcasting (residual sums, squeeze-and-excitation
/// gates, SiLU, scaling by constants), with backward and R-operator. Computed in Double per element.
public final class ElementwiseOp<Scalar: TensorScalar>: GraphOp {
    public typealias Kind = ElementwiseKind

    public let kind: Kind
    private var a = Tensor<Scalar>(zeros: [0]), b = Tensor<Scalar>(zeros: [0])
    private var tangents: (Tensor<Scalar>, Tensor<Scalar>)?
    private var outputGrad: Tensor<Scalar>?

    public init(_ kind: Kind) { self.kind = kind }

    public var opType: String { kind.rawValue }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard inputs.count == 2 else { throw ShapeError("\(opType) takes two inputs, got \(inputs.count)") }
        return [try Broadcast.shape(inputs[0], inputs[1])]
    }

    private var outShape: [Int] { (try? Broadcast.shape(a.shape, b.shape)) ?? a.shape }

    /// A tensor of `out`'s shape from the operands' values at each element.
    private func map(_ operands: [Tensor<Scalar>], _ f: ([Double]) -> Double) -> Tensor<Scalar> {
        let out = outShape
        var y = Tensor<Scalar>(uninitialized: out)
        let values = operands.map(\.scalars)
        y.withUnsafeMutableBufferPointer { yp in
            var v = [Double](repeating: 0, count: values.count)
            Broadcast.forEach(out, operands.map(\.shape)) { i, o in
                for k in values.indices { v[k] = Double(values[k][o[k]]) }
                yp[i] = Scalar(f(v))
            }
        }
        return y
    }

    /// Σ over the broadcast elements of f, into a tensor of `target`'s shape (the operand at `index`).
    private func reduce(into index: Int, _ operands: [Tensor<Scalar>], _ f: ([Double]) -> Double) -> Tensor<Scalar> {
        let target = operands[index].shape
        var acc = [Double](repeating: 0, count: TensorShape.count(of: target))
        let values = operands.map(\.scalars)
        var v = [Double](repeating: 0, count: values.count)
        Broadcast.forEach(outShape, operands.map(\.shape)) { _, o in
            for k in values.indices { v[k] = Double(values[k][o[k]]) }
            acc[o[index]] += f(v)
        }
        return Tensor(shape: target, scalars: acc.map { Scalar($0) })
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        (a, b) = (inputs[0], inputs[1])
        tangents = nil
        if a.shape == b.shape, kind == .add {
            var y = a
            y.add(b)
            return [y]
        }
        switch kind {
        case .add: return [map([a, b]) { $0[0] + $0[1] }]
        case .sub: return [map([a, b]) { $0[0] - $0[1] }]
        case .mul: return [map([a, b]) { $0[0] * $0[1] }]
        case .div: return [map([a, b]) { $0[0] / $0[1] }]
        }
    }

    /// Input gradients for output gradient `dy` (operands: a, b, dy).
    private func gradients(_ dy: Tensor<Scalar>, needs: [Bool]) -> [Tensor<Scalar>?] {
        let ops = [a, b, dy]
        func g(_ i: Int, _ f: ([Double]) -> Double) -> Tensor<Scalar>? {
            guard needs[i] else { return nil }
            if ops[i].shape == dy.shape, kind == .add { return dy }
            return reduce(into: i, ops, f)
        }
        switch kind {
        case .add: return [g(0) { $0[2] }, g(1) { $0[2] }]
        case .sub: return [g(0) { $0[2] }, g(1) { -$0[2] }]
        case .mul: return [g(0) { $0[2] * $0[1] }, g(1) { $0[2] * $0[0] }]
        case .div: return [g(0) { $0[2] / $0[1] }, g(1) { -$0[2] * $0[0] / ($0[1] * $0[1]) }]
        }
    }

    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        let dy = outputGrads[0]
        let result = gradients(dy, needs: needs)
        if tangents == nil { (a, b) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0])) } else { outputGrad = dy }
        return result
    }

    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        let ra = inputTangents[0] ?? Tensor<Scalar>(zeros: a.shape)
        let rb = inputTangents[1] ?? Tensor<Scalar>(zeros: b.shape)
        tangents = (ra, rb)
        // operands: a, b, ra, rb
        switch kind {
        case .add: return [map([a, b, ra, rb]) { $0[2] + $0[3] }]
        case .sub: return [map([a, b, ra, rb]) { $0[2] - $0[3] }]
        case .mul: return [map([a, b, ra, rb]) { $0[2] * $0[1] + $0[0] * $0[3] }]
        case .div: return [map([a, b, ra, rb]) { $0[2] / $0[1] - $0[0] * $0[3] / ($0[1] * $0[1]) }]
        }
    }

    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        let rdy = rOutputGrads[0]
        let (ra, rb) = tangents ?? (Tensor<Scalar>(zeros: a.shape), Tensor<Scalar>(zeros: b.shape))
        let dy = outputGrad ?? Tensor<Scalar>(zeros: outShape)
        let result: [Tensor<Scalar>?]
        switch kind {
        case .add, .sub:
            result = gradients(rdy, needs: needs)
        case .mul:
            // operands: a, b, rdy, dy, ra, rb
            let ops = [a, b, rdy, dy, ra, rb]
            result = [needs[0] ? reduce(into: 0, ops) { $0[2] * $0[1] + $0[3] * $0[5] } : nil,
                      needs[1] ? reduce(into: 1, ops) { $0[2] * $0[0] + $0[3] * $0[4] } : nil]
        case .div:
            let ops = [a, b, rdy, dy, ra, rb]
            result = [
                needs[0] ? reduce(into: 0, ops) { v in v[2] / v[1] - v[3] * v[5] / (v[1] * v[1]) } : nil,
                needs[1] ? reduce(into: 1, ops) { v in
                    let b2 = v[1] * v[1]
                    return -v[2] * v[0] / b2 - v[3] * v[4] / b2 + 2 * v[3] * v[0] * v[5] / (b2 * v[1])
                } : nil,
            ]
        }
        (a, b, tangents, outputGrad) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil, nil)
        return result
    }

    /// A unit of the output is reachable when it is in either operand (a gate multiplies the
    /// signal it gates; a constant operand carries none). Broadcast operands spread their units.
    public func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        let out = (try? Broadcast.shape(inputShapes[0], inputShapes[1])) ?? inputShapes[0]
        let n = unitCount(out)
        var r = [Bool](repeating: false, count: n)
        for (units, shape) in zip(inputs, inputShapes) {
            guard let units else { continue }
            // the operand's unit axis is out's axis 1 when it has that dimension
            let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
            let size = padded.count > 1 ? padded[1] : 1
            for i in 0..<n where units[size == 1 ? 0 : i] { r[i] = true }
        }
        return [r]
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> { ElementwiseOp<Other>(kind) }
}
