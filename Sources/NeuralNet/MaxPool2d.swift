import Tensor

/// Max pooling over k×k windows with a stride (default k), no padding.
/// The gradient goes to the first maximum of each window in row-major order, as in PyTorch.
public final class MaxPool2d<Scalar: TensorScalar>: Layer {
    public let kernelSize: Int
    public let stride: Int
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

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
        guard input.count == 3 else { throw ShapeError("MaxPool2d expects [C, H, W], got \(input)") }
        let g = geometry(input)
        guard g.fits else { throw ShapeError("MaxPool2d window \(kernelSize) does not fit a \(input[1])×\(input[2]) input") }
        return [input[0], g.outH, g.outW]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        precondition(x.rank == 4, "MaxPool2d expects [N, C, H, W], got \(x.shape)")
        inputShape = x.shape
        let g = geometry(x.shape)
        let (oh, ow) = (g.outH, g.outW)
        let planes = x.shape[0] * g.channels
        var y = Tensor<Scalar>(uninitialized: [x.shape[0], g.channels, oh, ow])
        argmax = [Int32](repeating: 0, count: y.count)
        let (k, s, H, W) = (kernelSize, stride, g.height, g.width)
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    nonisolated(unsafe) let (src, dst, arg) = (xp, yp, ap)
                    Parallel.forRanges(planes, grain: 16) { r in
                        for plane in r {
                            let inp = src + plane * H * W
                            if k == 2 && s == 2, let ab = arg.baseAddress {
                                MaxPool2d.pool2x2(inp, width: W, dst + plane * oh * ow, ab + plane * oh * ow, oh: oh, ow: ow)
                                continue
                            }
                            for yo in 0..<oh {
                                for xo in 0..<ow {
                                    var at = (yo * s) * W + xo * s
                                    var best = inp[at]
                                    for i in 0..<k {
                                        for j in 0..<k {
                                            let idx = (yo * s + i) * W + xo * s + j
                                            let v = inp[idx]
                                            // strict '>' keeps the first maximum; a NaN wins, as in PyTorch
                                            if v > best || v.isNaN { best = v; at = idx }
                                        }
                                    }
                                    let o = plane * oh * ow + yo * ow + xo
                                    dst[o] = best
                                    arg[o] = Int32(at)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The 2×2, stride-2 window unrolled, with the same first-maximum and NaN rules as the general
    /// loop, written as selects (no branches: which element wins is data, and mispredicted
    /// branches made this loop a seventh of a 99%-sparse conv6 step).
    @inline(__always)
    static func pool2x2(_ inp: UnsafePointer<Scalar>, width W: Int, _ dst: UnsafeMutablePointer<Scalar>,
                        _ arg: UnsafeMutablePointer<Int32>, oh: Int, ow: Int) {
        for yo in 0..<oh {
            let top = 2 &* yo &* W
            let row0 = inp + top, row1 = inp + (top &+ W)
            let out = dst + (yo &* ow), args = arg + (yo &* ow)
            for xo in 0..<ow {
                let j = 2 &* xo
                let a = row0[j], b = row0[j &+ 1], c = row1[j], d = row1[j &+ 1]
                var best = a, at = top &+ j
                let tb = (b > best) || b.isNaN
                best = tb ? b : best
                at = tb ? top &+ j &+ 1 : at
                let tc = (c > best) || c.isNaN
                best = tc ? c : best
                at = tc ? top &+ W &+ j : at
                let td = (d > best) || d.isNaN
                best = td ? d : best
                at = td ? top &+ W &+ j &+ 1 : at
                out[xo] = best
                args[xo] = Int32(truncatingIfNeeded: at)
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        var dx = Tensor<Scalar>(zeros: inputShape)
        let g = geometry(inputShape)
        let per = g.outH * g.outW
        let planeSize = g.height * g.width
        let planes = inputShape[0] * g.channels
        dy.withUnsafePointer { dyp in
            dx.withUnsafeMutablePointer { dxp in
                argmax.withUnsafeBufferPointer { ap in
                    nonisolated(unsafe) let (d, out, arg) = (dyp, dxp, ap)
                    Parallel.forRanges(planes, grain: 16) { r in
                        for plane in r {
                            for q in 0..<per {
                                let o = plane * per + q
                                out[plane * planeSize + Int(arg[o])] += d[o]
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// R{y} picks R{x} at the forward's maxima; R{dx} scatters like `backward`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        let g = geometry(inputShape)
        let per = g.outH * g.outW, planeSize = g.height * g.width
        var ry = Tensor<Scalar>(uninitialized: [inputShape[0], g.channels, g.outH, g.outW])
        rx.withUnsafePointer { src in
            ry.withUnsafeMutablePointer { dst in
                argmax.withUnsafeBufferPointer { arg in
                    for plane in 0..<(inputShape[0] * g.channels) {
                        for q in 0..<per { dst[plane * per + q] = src[plane * planeSize + Int(arg[plane * per + q])] }
                    }
                }
            }
        }
        return ry
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { backward(rdy) }

    public func clone() -> any Layer<Scalar> { MaxPool2d(kernelSize: kernelSize, stride: stride) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { MaxPool2d<Other>(kernelSize: kernelSize, stride: stride) }

    /// How the layer is written in PruneScript.
    public var description: String { "maxpool2d(\(kernelSize)\(stride == kernelSize ? "" : ", stride: \(stride)"))" }
}
