import Tensor

/// One operation of a graph network: any number of inputs and outputs, each a tensor with the
/// batch as its first dimension (or a constant of the graph, which has none and broadcasts).
///
/// Like a layer, an op keeps what its backward needs during `forward` and frees it in `backward`
/// (or in `backwardR` when `forwardR` ran). Ops are written once, generic over the scalar.
public protocol GraphOp<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar

    /// The ONNX operator it computes (`Conv`, `Add`, …), for messages and export.
    var opType: String { get }

    /// The output shapes (full, with the batch first) for the input shapes, or why they do not fit.
    func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]]

    func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>]
    /// Gradients with respect to the inputs given those of the outputs; nil where `needs` is false
    /// (a constant input) or where the gradient is zero.
    func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?]

    /// The R-operator (see `Layer.forwardR`): tangents of the outputs from those of the inputs
    /// (nil: zero) and of the parameters. Call between `forward` and `backward`.
    func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>]
    /// R{input gradients} from R{output gradients}; after `backward`. Frees what the passes kept.
    func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?]

    /// The layer behind the op (parameters, buffers, kernels), if any.
    var layer: (any Layer<Scalar>)? { get }

    /// Which output units (channels of rank-4 values, features of rank-2 ones) some reachable
    /// input unit still reaches (see `Layer.reachableOutputs`); nil inputs are constants.
    func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                          kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]]

    /// A deep copy computing in `Other`.
    func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other>
}

extension GraphOp {
    public var layer: (any Layer<Scalar>)? { nil }
}

/// The units (dimension 1) of a full shape: channels of `[N, C, H, W]`, features of `[N, F]`.
func unitCount(_ shape: [Int]) -> Int { shape.count > 1 ? shape[1] : 1 }

/// A layer as a one-input, one-output op. Layers see the shape without the batch for
/// `outputShape`, as everywhere else.
public final class LayerOp<Scalar: TensorScalar>: GraphOp {
    public let wrapped: any Layer<Scalar>
    public let opType: String

    public init(_ layer: any Layer<Scalar>, opType: String) {
        wrapped = layer
        self.opType = opType
    }

    public var layer: (any Layer<Scalar>)? { wrapped }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard inputs.count == 1, let x = inputs.first, !x.isEmpty else {
            throw ShapeError("\(opType) takes one batched input, got \(inputs)")
        }
        return [[x[0]] + (try wrapped.outputShape(for: Array(x.dropFirst())))]
    }

    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        [wrapped.forward(inputs[0], mode: mode)]
    }

    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        [wrapped.backward(outputGrads[0])]
    }

    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        [wrapped.forwardR(inputTangents[0] ?? Tensor(zeros: []))]
    }

    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        [wrapped.backwardR(rOutputGrads[0])]
    }

    public func reachableOutputs(from inputs: [[Bool]?], inputShapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        let shape = Array(inputShapes[0].dropFirst())
        let r = inputs[0] ?? [Bool](repeating: false, count: unitCount(inputShapes[0]))
        return [wrapped.reachableOutputs(from: r, inputShape: shape, kept: kept)]
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> {
        LayerOp<Other>(wrapped.converted(to: Other.self), opType: opType)
    }
}
