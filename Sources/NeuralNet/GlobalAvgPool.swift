import Tensor

/// Mean over the spatial dimensions: `[N, C, H, W]` → `[N, C]`.
public final class GlobalAvgPool: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.count == 3 else { throw ShapeError("GlobalAvgPool expects [C, H, W], got \(input)") }
        return [input[0]]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        inputShape = x.shape
        return pool(x)
    }

    /// Linear: R{y} = pool(R{x}).
    public func forwardR(_ rx: Tensor) -> Tensor { pool(rx) }
    public func backwardR(_ rdy: Tensor) -> Tensor { backward(rdy) }

    func pool(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(1, n * c)
        var y = Tensor(zeros: [n, c])
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                for p in 0..<(n * c) {
                    var s: Float = 0
                    let base = xp + p * hw
                    for q in 0..<hw { s += base[q] }
                    yp[p] = s / Float(hw)
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let (n, c) = (inputShape[0], inputShape[1])
        var dx = Tensor(zeros: inputShape)
        let hw = dx.count / max(1, n * c)
        dy.withUnsafePointer { dyp in
            dx.withUnsafeMutablePointer { dxp in
                for p in 0..<(n * c) {
                    let v = dyp[p] / Float(hw)
                    (dxp + p * hw).update(repeating: v, count: hw)
                }
            }
        }
        return dx
    }

    public func clone() -> any Layer { GlobalAvgPool() }
}
