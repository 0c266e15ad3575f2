import Tensor

/// Average pooling over k×k windows with a stride (default k), no padding.
public final class AvgPool2d<Scalar: TensorScalar>: Layer {
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
        let g = geometry(x.shape)
        let (oh, ow, k, s, H, W) = (g.outH, g.outW, kernelSize, stride, g.height, g.width)
        let planes = x.shape[0] * g.channels
        let scale = 1 / Scalar(k * k)
        var y = Tensor<Scalar>(zeros: [x.shape[0], g.channels, oh, ow])
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                for plane in 0..<planes {
                    let inp = xp + plane * H * W
                    for yo in 0..<oh {
                        for xo in 0..<ow {
                            var sum: Scalar = 0
                            for i in 0..<k { for j in 0..<k { sum += inp[(yo * s + i) * W + xo * s + j] } }
                            yp[plane * oh * ow + yo * ow + xo] = sum * scale
                        }
                    }
                }
            }
        }
        return y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let g = geometry(inputShape)
        let (oh, ow, k, s, H, W) = (g.outH, g.outW, kernelSize, stride, g.height, g.width)
        let planes = inputShape[0] * g.channels
        let scale = 1 / Scalar(k * k)
        var dx = Tensor<Scalar>(zeros: inputShape)
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

    public func clone() -> any Layer<Scalar> { AvgPool2d(kernelSize: kernelSize, stride: stride) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { AvgPool2d<Other>(kernelSize: kernelSize, stride: stride) }

    /// How the layer is written in PruneScript.
    public var description: String { "avgpool2d(\(kernelSize)\(stride == kernelSize ? "" : ", stride: \(stride)"))" }
}
