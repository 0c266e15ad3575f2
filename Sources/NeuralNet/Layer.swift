import Tensor

/// Whether a forward pass trains (BatchNorm uses batch statistics and updates its running
/// statistics) or evaluates (BatchNorm uses its running statistics).
public enum ForwardMode: Sendable {
    case train, eval
}

/// A differentiable building block with an explicit backward pass, generic over the scalar it
/// computes in (`Float` or `Double`): every layer is written once, for both precisions.
///
/// `forward` keeps what `backward` needs; `backward` takes the gradient of the loss with
/// respect to the last forward's output, adds parameter gradients into `Parameter.grad`,
/// returns the gradient with respect to the input, and frees what it kept (one backward per
/// forward, as autograd frees saved tensors, so that a network holds no activations between steps).
///
/// Layers whose loops do the work mark those methods `@_specialize` for `Float` and `Double`:
/// a call through `any Layer` reaches the generic entry point, which then jumps to the
/// specialized body instead of running the loops through protocol witnesses (100× slower).
public protocol Layer<Scalar>: AnyObject, CustomStringConvertible {
    associatedtype Scalar: TensorScalar

    func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar>
    func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar>

    /// Pearlmutter's R-operator on the last forward: the directional derivative of the output along
    /// the input direction `rx` and each parameter's `tangent`. Exact Hessian-vector products need it.
    /// Call it between `forward` and `backward`: it makes `backward` keep what `backwardR` needs.
    func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar>
    /// The R-operator on the last backward: given R{dy}, returns R{dx} and adds R{∂L/∂θ} into
    /// each parameter's `tangentGrad`. Call after `forward`, `forwardR` and `backward`; frees what they kept.
    func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar>

    /// This layer's own parameters, by local name (`weight`, `bias`), in registration order.
    var parameters: [(name: String, parameter: Parameter<Scalar>)] { get }
    /// This layer's own buffers (`running_mean`, `running_var`).
    var buffers: [(name: String, buffer: Buffer<Scalar>)] { get }
    /// Sub-layers by local name, in registration order.
    var children: [(name: String, layer: any Layer<Scalar>)] { get }

    /// The output shape (without the batch dimension) for an input shape, or a reason it does not fit.
    func outputShape(for input: [Int]) throws(ShapeError) -> [Int]

    /// A deep copy with its own parameters and buffers.
    func clone() -> any Layer<Scalar>

    /// The same layer computing in another precision: a deep copy whose parameters and buffers are
    /// converted (masks kept, masked-out weights zero). This is how a network runs in Double.
    func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other>

    /// Which output units (channels of `[C, H, W]` outputs, features of `[F]` ones) some input
    /// unit marked in `reachable` still reaches through weights that `kept` does not prune
    /// (`kept` gives a prunable weight's mask bits, nil when dense). The default is channel-wise
    /// (normalization, activations, pooling): unit i reaches unit i.
    func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                          kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool]

    /// Visits the leaf layers in forward order with their input and output shapes, returning
    /// the output shape. Containers visit their children (a residual block its main branch, then
    /// its shortcut from the block's input); the default visits the layer itself.
    func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int]

    /// Multiply-accumulates per image that one of this layer's prunable weights costs, given the
    /// layer's output shape (output positions for a convolution, 1 for a linear layer); nil when
    /// the layer has no prunable weight.
    func macsPerWeight(outputShape: [Int]) -> Int?

    /// Asks the first layer of a network to skip the gradient with respect to its input (nobody
    /// needs the gradient with respect to the images). Returns true when the layer has no such
    /// work of its own and the next layer sees the same input values (a flatten), so the request
    /// passes on; false when it stops here.
    func skipInputGradient() -> Bool
    /// The forward followed by max(·, 0) in the same pass over the output, when the layer can
    /// (nil otherwise, having done nothing): how `Sequential` fuses a layer with a ReLU after it.
    /// The result has the bits of `forward` and then `ReLU`.
    func forwardRectified(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar>?
    /// Whether this layer is the max(·, 0) that `forwardRectified` applies, so that the layer
    /// before it may apply it; then `adoptRectified` stands for its forward.
    var isRectifier: Bool { get }
    /// Takes `y`, already rectified by the layer before, as this layer's forward output (only
    /// called when `isRectifier`).
    func adoptRectified(_ y: Tensor<Scalar>)
}

extension Layer {
    public var parameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
    public var buffers: [(name: String, buffer: Buffer<Scalar>)] { [] }
    public var children: [(name: String, layer: any Layer<Scalar>)] { [] }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] { reachable }

    public func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int] {
        let out = (try? outputShape(for: inputShape)) ?? inputShape
        visit(self, inputShape, out)
        return out
    }

    public func macsPerWeight(outputShape: [Int]) -> Int? { nil }

    public func skipInputGradient() -> Bool { false }
    public func forwardRectified(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar>? { nil }
    public var isRectifier: Bool { false }
    public func adoptRectified(_ y: Tensor<Scalar>) {}
}

/// An input shape that a layer cannot take.
public struct ShapeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
