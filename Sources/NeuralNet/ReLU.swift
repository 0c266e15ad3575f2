import Tensor

/// max(x, 0). The gradient at exactly 0 is 0, as in PyTorch.
public final class ReLU<Scalar: TensorScalar>: Layer {
    private var output = Tensor<Scalar>(zeros: [0])
    /// `forwardR` ran since the forward: `backward` keeps the output for `backwardR`.
    private var tangentPending = false

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { input }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        var y = Tensor<Scalar>(uninitialized: x.shape)
        let n = y.count
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                nonisolated(unsafe) let (src, dst) = (xp, yp)
                Parallel.forRanges(n, grain: Parallel.grain) { r in
                    VectorOps.relu(src + r.lowerBound, dst + r.lowerBound, count: r.count)
                }
            }
        }
        output = y
        tangentPending = false
        return y
    }

    public var isRectifier: Bool { true }

    /// Takes `y`, which the preceding step already rectified in its own pass (a BatchNorm's
    /// normalization or a residual addition, fused with this ReLU), as the forward's output.
    public func adoptRectified(_ y: Tensor<Scalar>) {
        output = y
        tangentPending = false
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let dx = passPositive(dy)
        if !tangentPending { output = Tensor<Scalar>(zeros: [0]) }   // freed once used, as autograd does
        return dx
    }

    /// dy where the forward's output is positive, 0 elsewhere.
    private func passPositive(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        var dx = Tensor<Scalar>(uninitialized: dy.shape)
        let n = dx.count
        output.withUnsafePointer { yp in
            dy.withUnsafePointer { dyp in
                dx.withUnsafeMutablePointer { dxp in
                    nonisolated(unsafe) let (y, d, out) = (yp, dyp, dxp)
                    Parallel.forRanges(n, grain: Parallel.grain) { r in
                        VectorOps.passWherePositive(y + r.lowerBound, d + r.lowerBound, out + r.lowerBound, count: r.count)
                    }
                }
            }
        }
        return dx
    }

    /// The mask of the forward is fixed (ReLU″ = 0 almost everywhere): R{y} = R{x}·[x > 0].
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        tangentPending = true
        return passPositive(rx)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        let rdx = passPositive(rdy)
        (output, tangentPending) = (Tensor<Scalar>(zeros: [0]), false)
        return rdx
    }

    public func clone() -> any Layer<Scalar> { ReLU() }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { ReLU<Other>() }

    /// How the layer is written in PruneScript.
    public var description: String { "relu()" }
}
