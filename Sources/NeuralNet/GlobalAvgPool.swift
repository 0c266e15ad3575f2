import Tensor

/// Mean over the spatial dimensions: `[N, C, H, W]` → `[N, C]`.
public final class GlobalAvgPool<Scalar: TensorScalar>: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.count == 3 else { throw ShapeError("GlobalAvgPool expects [C, H, W], got \(input)") }
        return [input[0]]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        inputShape = x.shape
        return pool(x)
    }

    /// Linear: R{y} = pool(R{x}).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> { pool(rx) }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { backward(rdy) }

    func pool(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(1, n * c)
        var y = Tensor<Scalar>(zeros: [n, c])
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                for p in 0..<(n * c) {
                    var s: Scalar = 0
                    let base = xp + p * hw
                    for q in 0..<hw { s += base[q] }
                    yp[p] = s / Scalar(hw)
                }
            }
        }
        return y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, c) = (inputShape[0], inputShape[1])
        var dx = Tensor<Scalar>(zeros: inputShape)
        let hw = dx.count / max(1, n * c)
        dy.withUnsafePointer { dyp in
            dx.withUnsafeMutablePointer { dxp in
                for p in 0..<(n * c) {
                    let v = dyp[p] / Scalar(hw)
                    (dxp + p * hw).update(repeating: v, count: hw)
                }
            }
        }
        return dx
    }

    public func clone() -> any Layer<Scalar> { GlobalAvgPool() }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { GlobalAvgPool<Other>() }

    /// How the layer is written in PruneScript.
    public var description: String { "global_avgpool()" }
}
