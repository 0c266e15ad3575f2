import Tensor

/// `[N, ...]` → `[N, product of the rest]`.
public final class Flatten<Scalar: TensorScalar>: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { [TensorShape.count(of: input)] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        inputShape = x.shape
        return x.reshaped([x.shape[0], x.count / max(1, x.shape[0])])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> { dy.reshaped(inputShape) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> { rx.reshaped([rx.shape[0], rx.count / max(1, rx.shape[0])]) }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { backward(rdy) }

    public func clone() -> any Layer<Scalar> { Flatten() }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { Flatten<Other>() }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        // each channel becomes its h·w features
        let per = inputShape.count == 3 ? inputShape[1] * inputShape[2] : 1
        return reachable.flatMap { [Bool](repeating: $0, count: per) }
    }

    /// The values pass unchanged: the next layer may skip its input gradient.
    public func skipInputGradient() -> Bool { true }

    /// How the layer is written in PruneScript.
    public var description: String { "flatten()" }
}
