import Tensor

/// A view with another per-image shape (Reshape, Flatten, Squeeze, Unsqueeze): the batch stays
/// the first dimension and the values keep their row-major order, so nothing is copied.
public final class ReshapeOp<Scalar: TensorScalar>: GraphOp {
    /// The shape of one image's output.
    public let sampleShape: [Int]
    public let opType: String
    private var inputShape: [Int] = []

    public init(sampleShape: [Int], opType: String = "Reshape") {
        self.sampleShape = sampleShape
        self.opType = opType
    }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard let x = inputs.first, let n = x.first else { throw ShapeError("\(opType) needs a batched input") }
        guard TensorShape.count(of: Array(x.dropFirst())) == TensorShape.count(of: sampleShape) else {
            throw ShapeError("cannot reshape \(Array(x.dropFirst())) to \(sampleShape) per image")
        }
        return [[n] + sampleShape]
    }

    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        inputShape = inputs[0].shape
        return [inputs[0].reshaped([inputShape[0]] + sampleShape)]
    }

    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        [outputGrads[0].reshaped(inputShape)]
    }

    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        [(inputTangents[0] ?? Tensor(zeros: inputShape)).reshaped([inputShape[0]] + sampleShape)]
    }

    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        [rOutputGrads[0].reshaped(inputShape)]
    }

    public func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        let sample = Array(inputShapes[0].dropFirst())
        let elements = UnitIndicator.expand(inputs[0], sampleShape: sample)
        return [UnitIndicator.reduce(elements, sampleShape: sampleShape)]
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> {
        ReshapeOp<Other>(sampleShape: sampleShape, opType: opType)
    }
}

/// Reachability of units (channels, or features of a flat value) as per-element flags of one
/// image, for ops that move elements around.
enum UnitIndicator {
    /// Element flags of an image of `sampleShape` whose unit (dimension 0) flags are `units`.
    static func expand(_ units: [Bool]?, sampleShape: [Int]) -> [Bool] {
        let n = TensorShape.count(of: sampleShape)
        guard let units, let c = sampleShape.first, c > 0 else { return [Bool](repeating: false, count: n) }
        let per = n / c
        var out = [Bool](repeating: false, count: n)
        for i in 0..<n where units[min(i / max(1, per), units.count - 1)] { out[i] = true }
        return out
    }

    /// Unit flags of an image of `sampleShape` from its element flags: a unit is reachable when
    /// any of its elements is.
    static func reduce(_ elements: [Bool], sampleShape: [Int]) -> [Bool] {
        let c = max(1, sampleShape.first ?? 1)
        let per = elements.count / c
        return (0..<c).map { u in elements[(u * per)..<((u + 1) * per)].contains(true) }
    }
}
