import Tensor

/// Average pooling over k×k windows with a stride (default k), no padding.
public final class AvgPool2d: Layer {
    public let kernelSize: Int
    public let stride: Int
    private var inputShape: [Int] = []

    public init(kernelSize: Int, stride: Int? = nil) {
        precondition(kernelSize > 0)
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    func geometry(_ s: [Int]) -> ConvGeometry {
        ConvGeometry(channels: s[s.count - 3], height: s[s.count - 2], width: s[s.count - 1],
                     kernelH: kernelSize, kernelW: kernelSize, stride: stride, padding: 0)
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.count == 3 else { throw ShapeError("AvgPool2d expects [C, H, W], got \(input)") }
        let g = geometry(input)
        guard g.fits else { throw ShapeError("AvgPool2d window \(kernelSize) does not fit a \(input[1])×\(input[2]) input") }
        return [input[0], g.outH, g.outW]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        inputShape = x.shape
        return pool(x)
    }

    /// Linear: R{y} = pool(R{x}).
    public func forwardR(_ rx: Tensor) -> Tensor { pool(rx) }
    public func backwardR(_ rdy: Tensor) -> Tensor { backward(rdy) }

    func pool(_ x: Tensor) -> Tensor {
        let g = geometry(x.shape)
        let (oh, ow, k, s, H, W) = (g.outH, g.outW, kernelSize, stride, g.height, g.width)
        let planes = x.shape[0] * g.channels
        let scale = 1 / Float(k * k)
        var y = Tensor(zeros: [x.shape[0], g.channels, oh, ow])
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                for plane in 0..<planes {
                    let inp = xp + plane * H * W
                    for yo in 0..<oh {
                        for xo in 0..<ow {
                            var sum: Float = 0
                            for i in 0..<k { for j in 0..<k { sum += inp[(yo * s + i) * W + xo * s + j] } }
                            yp[plane * oh * ow + yo * ow + xo] = sum * scale
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let g = geometry(inputShape)
        let (oh, ow, k, s, H, W) = (g.outH, g.outW, kernelSize, stride, g.height, g.width)
        let planes = inputShape[0] * g.channels
        let scale = 1 / Float(k * k)
        var dx = Tensor(zeros: inputShape)
        dy.withUnsafePointer { dyp in
            dx.withUnsafeMutablePointer { dxp in
                for plane in 0..<planes {
                    let out = dxp + plane * H * W
                    for yo in 0..<oh {
                        for xo in 0..<ow {
                            let d = dyp[plane * oh * ow + yo * ow + xo] * scale
                            for i in 0..<k { for j in 0..<k { out[(yo * s + i) * W + xo * s + j] += d } }
                        }
                    }
                }
            }
        }
        return dx
    }

    public func clone() -> any Layer { AvgPool2d(kernelSize: kernelSize, stride: stride) }
}
