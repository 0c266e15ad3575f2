import Tensor

/// Whether a forward pass trains (BatchNorm uses batch statistics and updates its running
/// statistics) or evaluates (BatchNorm uses its running statistics).
public enum ForwardMode: Sendable {
    case train, eval
}

/// A differentiable building block with an explicit backward pass.
///
/// `forward` keeps what `backward` needs; `backward` takes the gradient of the loss with
/// respect to the last forward's output, adds parameter gradients into `Parameter.grad`,
/// returns the gradient with respect to the input, and frees what it kept (one backward per
/// forward, as autograd frees saved tensors, so that a network holds no activations between steps).
public protocol Layer: AnyObject {
    func forward(_ x: Tensor, mode: ForwardMode) -> Tensor
    func backward(_ dy: Tensor) -> Tensor

    /// Pearlmutter's R-operator on the last forward: the directional derivative of the output along
    /// the input direction `rx` and each parameter's `tangent`. Exact Hessian-vector products need it.
    /// Call it between `forward` and `backward`: it makes `backward` keep what `backwardR` needs.
    func forwardR(_ rx: Tensor) -> Tensor
    /// The R-operator on the last backward: given R{dy}, returns R{dx} and adds R{∂L/∂θ} into
    /// each parameter's `tangentGrad`. Call after `forward`, `forwardR` and `backward`; frees what they kept.
    func backwardR(_ rdy: Tensor) -> Tensor

    /// This layer's own parameters, by local name (`weight`, `bias`), in registration order.
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// This layer's own buffers (`running_mean`, `running_var`).
    var buffers: [(name: String, buffer: Buffer)] { get }
    /// Sub-layers by local name, in registration order.
    var children: [(name: String, layer: any Layer)] { get }

    /// The output shape (without the batch dimension) for an input shape, or a reason it does not fit.
    func outputShape(for input: [Int]) throws(ShapeError) -> [Int]

    /// A deep copy with its own parameters and buffers.
    func clone() -> any Layer
}

extension Layer {
    public var parameters: [(name: String, parameter: Parameter)] { [] }
    public var buffers: [(name: String, buffer: Buffer)] { [] }
    public var children: [(name: String, layer: any Layer)] { [] }
}

/// An input shape that a layer cannot take.
public struct ShapeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
