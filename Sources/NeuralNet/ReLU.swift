import Tensor

/// max(x, 0). The gradient at exactly 0 is 0, as in PyTorch.
public final class ReLU: Layer {
    private var output = Tensor(zeros: [0])
    /// `forwardR` ran since the forward: `backward` keeps the output for `backwardR`.
    private var tangentPending = false

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { input }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var y = Tensor(uninitialized: x.shape)
        let n = y.count
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                nonisolated(unsafe) let (src, dst) = (xp, yp)
                Parallel.forRanges(n, grain: Tensor.parallelGrain) { r in
                    VectorOps.relu(src + r.lowerBound, dst + r.lowerBound, count: r.count)
                }
            }
        }
        output = y
        tangentPending = false
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let dx = passPositive(dy)
        if !tangentPending { output = Tensor(zeros: [0]) }   // freed once used, as autograd does
        return dx
    }

    /// dy where the forward's output is positive, 0 elsewhere.
    private func passPositive(_ dy: Tensor) -> Tensor {
        var dx = Tensor(uninitialized: dy.shape)
        let n = dx.count
        output.withUnsafePointer { yp in
            dy.withUnsafePointer { dyp in
                dx.withUnsafeMutablePointer { dxp in
                    nonisolated(unsafe) let (y, d, out) = (yp, dyp, dxp)
                    Parallel.forRanges(n, grain: Tensor.parallelGrain) { r in
                        VectorOps.passWherePositive(y + r.lowerBound, d + r.lowerBound, out + r.lowerBound, count: r.count)
                    }
                }
            }
        }
        return dx
    }

    /// The mask of the forward is fixed (ReLU″ = 0 almost everywhere): R{y} = R{x}·[x > 0].
    public func forwardR(_ rx: Tensor) -> Tensor {
        tangentPending = true
        return passPositive(rx)
    }

    public func backwardR(_ rdy: Tensor) -> Tensor {
        let rdx = passPositive(rdy)
        (output, tangentPending) = (Tensor(zeros: [0]), false)
        return rdx
    }

    public func clone() -> any Layer { ReLU() }
}
