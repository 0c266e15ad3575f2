import Tensor

/// max(x, 0). The gradient at exactly 0 is 0, as in PyTorch.
public final class ReLU: Layer {
    private var output = Tensor(zeros: [0])

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
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
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
    public func forwardR(_ rx: Tensor) -> Tensor { backward(rx) }
    public func backwardR(_ rdy: Tensor) -> Tensor { backward(rdy) }

    public func clone() -> any Layer { ReLU() }
}
