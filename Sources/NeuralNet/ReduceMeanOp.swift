import Tensor

/// The mean over some per-image axes (ReduceMean; GlobalAveragePool is the mean over H and W
/// keeping them as 1s). Linear, so the R-operator passes are the forward and backward maps.
public final class ReduceMeanOp<Scalar: TensorScalar>: GraphOp {
    /// Per-image axes (ONNX axes less one: the batch is never reduced).
    public let axes: [Int]
    public let keepDims: Bool
    public let opType: String
    private var inputShape: [Int] = []

    public init(axes: [Int], keepDims: Bool, opType: String = "ReduceMean") {
        self.axes = axes.sorted()
        self.keepDims = keepDims
        self.opType = opType
    }

    private func outShape(_ x: [Int], keep: Bool) -> [Int] {
        var out: [Int] = [x[0]]
        for d in 1..<x.count {
            if axes.contains(d - 1) { if keep { out.append(1) } } else { out.append(x[d]) }
        }
        return out
    }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard let x = inputs.first, x.count >= 1 else { throw ShapeError("\(opType) needs a batched input") }
        guard axes.allSatisfy({ $0 >= 0 && $0 < x.count - 1 }), Set(axes).count == axes.count else {
            throw ShapeError("\(opType) axes \(axes.map { $0 + 1 }) do not fit shape \(x)")
        }
        return [outShape(x, keep: keepDims)]
    }

    /// The kept-dims output offset of each input element.
    private func forEachElement(_ x: [Int], _ body: (Int, Int) -> Void) {
        let out = outShape(x, keep: true)
        Broadcast.forEach(x, [out]) { i, o in body(i, o[0]) }
    }

    private func mean(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let kept = outShape(x.shape, keep: true)
        var acc = [Double](repeating: 0, count: TensorShape.count(of: kept))
        let count = Double(x.count / max(1, acc.count))
        x.withUnsafeBufferPointer { xp in forEachElement(x.shape) { i, o in acc[o] += Double(xp[i]) } }
        return Tensor(shape: outShape(x.shape, keep: keepDims), scalars: acc.map { Scalar($0 / count) })
    }

    private func spread(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let n = TensorShape.count(of: inputShape)
        let count = Scalar(n / max(1, dy.count))
        var dx = Tensor<Scalar>(uninitialized: inputShape)
        dy.withUnsafeBufferPointer { d in
            dx.withUnsafeMutableBufferPointer { out in forEachElement(inputShape) { i, o in out[i] = d[o] / count } }
        }
        return dx
    }

    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        inputShape = inputs[0].shape
        return [mean(inputs[0])]
    }

    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] { [spread(outputGrads[0])] }

    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        [mean(inputTangents[0] ?? Tensor(zeros: inputShape))]
    }

    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] { [spread(rOutputGrads[0])] }

    public func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        let x = inputShapes[0]
        let r = inputs[0] ?? [Bool](repeating: false, count: unitCount(x))
        // reducing the unit axis leaves one unit, reachable when any was
        if axes.contains(0) { return [[r.contains(true)]] }
        return [r]
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> {
        ReduceMeanOp<Other>(axes: axes, keepDims: keepDims, opType: opType)
    }
}
