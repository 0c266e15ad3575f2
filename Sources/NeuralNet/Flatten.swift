import Tensor

/// `[N, ...]` → `[N, product of the rest]`.
public final class Flatten: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { [Tensor.count(of: input)] }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.shape[0], x.count / max(1, x.shape[0])])
    }

    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inputShape) }

    public func forwardR(_ rx: Tensor) -> Tensor { rx.reshaped([rx.shape[0], rx.count / max(1, rx.shape[0])]) }
    public func backwardR(_ rdy: Tensor) -> Tensor { backward(rdy) }

    public func clone() -> any Layer { Flatten() }
}
