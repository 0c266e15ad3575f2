import Tensor

/// What a `Pool2d` takes of each window.
public enum PoolKind: String, Sendable, CaseIterable { case max, average }

/// Max or average pooling over `[N, C, H, W]` with any window, strides and padding (asymmetric
/// too), ceil mode, and for averages whether padding counts: ONNX's MaxPool and AveragePool,
/// computed as PyTorch does (the gradient of a max goes to the first maximum in row-major order;
/// a window starting in the right or bottom padding is dropped in ceil mode).
public final class Pool2d<Scalar: TensorScalar>: Layer {
    public typealias Kind = PoolKind

    public let kind: Kind
    public let kernel: (h: Int, w: Int)
    public let stride: (h: Int, w: Int)
    /// Padding before and after each spatial axis.
    public let pads: (top: Int, left: Int, bottom: Int, right: Int)
    public let ceilMode: Bool
    public let countIncludePad: Bool

    private var inputShape: [Int] = []
    /// For max pooling: each output's input offset within its image and channel plane.
    private var argmax: [Int32] = []

    public init(kind: Kind, kernel: (h: Int, w: Int), stride: (h: Int, w: Int),
                pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                ceilMode: Bool = false, countIncludePad: Bool = false) {
        (self.kind, self.kernel, self.stride, self.pads) = (kind, kernel, stride, pads)
        (self.ceilMode, self.countIncludePad) = (ceilMode, countIncludePad)
    }

    private func extent(_ size: Int, k: Int, s: Int, before: Int, after: Int) -> Int {
        let span = size + before + after - k
        guard span >= 0 else { return 0 }
        var out = (ceilMode ? (span + s - 1) / s : span / s) + 1
        // the last window must start inside the image or its leading padding
        if ceilMode, (out - 1) * s >= size + before { out -= 1 }
        return out
    }

    private func outHW(_ h: Int, _ w: Int) -> (Int, Int) {
        (extent(h, k: kernel.h, s: stride.h, before: pads.top, after: pads.bottom),
         extent(w, k: kernel.w, s: stride.w, before: pads.left, after: pads.right))
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard input.count == 3 else { throw ShapeError("\(opName) expects [C, H, W], got \(input)") }
        guard kernel.h > 0, kernel.w > 0, stride.h > 0, stride.w > 0 else { throw ShapeError("\(opName) has an empty window or stride") }
        guard pads.top < kernel.h, pads.bottom < kernel.h, pads.left < kernel.w, pads.right < kernel.w else {
            throw ShapeError("\(opName) padding must be smaller than the window")
        }
        let (oh, ow) = outHW(input[1], input[2])
        guard oh > 0, ow > 0 else { throw ShapeError("\(opName) window \(kernel.h)×\(kernel.w) does not fit a \(input[1])×\(input[2]) input") }
        return [input[0], oh, ow]
    }

    private var opName: String { kind == .max ? "MaxPool" : "AveragePool" }

    /// Calls body(output index, window rows, window columns, divisor) for each output of one plane.
    private func windows(_ h: Int, _ w: Int, _ body: (Int, Range<Int>, Range<Int>, Int) -> Void) {
        let (oh, ow) = outHW(h, w)
        for i in 0..<oh {
            let r0 = i * stride.h - pads.top
            let rEnd = min(r0 + kernel.h, h + pads.bottom)
            let rows = max(0, r0)..<min(h, r0 + kernel.h)
            for j in 0..<ow {
                let c0 = j * stride.w - pads.left
                let cEnd = min(c0 + kernel.w, w + pads.right)
                let cols = max(0, c0)..<min(w, c0 + kernel.w)
                let divisor = countIncludePad ? (rEnd - r0) * (cEnd - c0) : rows.count * cols.count
                body(i * ow + j, rows, cols, divisor)
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        inputShape = x.shape
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outHW(h, w)
        var y = Tensor<Scalar>(uninitialized: [n, c, oh, ow])
        var indices = [Int32](repeating: 0, count: kind == .max ? n * c * oh * ow : 0)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                indices.withUnsafeMutableBufferPointer { ip in
                    // planes (image, channel) are independent: split among the cores
                    nonisolated(unsafe) let (xs, ys, at, layer) = (xp, yp, ip, self)
                    Parallel.forRanges(n * c, grain: max(1, Parallel.grain / max(1, h * w * kernel.h * kernel.w))) { planes in
                        for plane in planes { layer.pool(plane, xs, ys, at, h: h, w: w, oh: oh, ow: ow) }
                    }
                }
            }
        }
        if kind == .max { argmax = indices }
        return y
    }

    /// One plane's windows: the maximum (and where it is) or the mean.
    private func pool(_ plane: Int, _ xp: UnsafeBufferPointer<Scalar>, _ yp: UnsafeMutableBufferPointer<Scalar>,
                      _ at: UnsafeMutableBufferPointer<Int32>, h: Int, w: Int, oh: Int, ow: Int) {
        let (xo, yo) = (plane * h * w, plane * oh * ow)
        windows(h, w) { o, rows, cols, divisor in
            if kind == .max {
                var best = -Scalar.infinity, index = -1
                for r in rows { for q in cols where xp[xo + r * w + q] > best || index < 0 {
                    best = xp[xo + r * w + q]; index = r * w + q
                } }
                yp[yo + o] = best
                at[yo + o] = Int32(index)
            } else {
                var s = 0.0
                for r in rows { for q in cols { s += Double(xp[xo + r * w + q]) } }
                yp[yo + o] = Scalar(s / Double(divisor))
            }
        }
    }

    /// The adjoint of the forward map (for max: at the forward's maxima).
    private func adjoint(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = outHW(h, w)
        var dx = Tensor<Scalar>(zeros: inputShape)
        dy.withUnsafeBufferPointer { dp in
            dx.withUnsafeMutableBufferPointer { xp in
                for plane in 0..<(n * c) {
                    let (xo, yo) = (plane * h * w, plane * oh * ow)
                    if kind == .max {
                        for o in 0..<(oh * ow) { xp[xo + Int(argmax[yo + o])] += dp[yo + o] }
                    } else {
                        windows(h, w) { o, rows, cols, divisor in
                            let g = dp[yo + o] / Scalar(divisor)
                            for r in rows { for q in cols { xp[xo + r * w + q] += g } }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// The forward map with the forward's maxima held fixed (linear in `x`).
    private func fixedForward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        guard kind == .max else {
            let saved = argmax
            defer { argmax = saved }
            return forward(x, mode: .eval)
        }
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = outHW(h, w)
        var y = Tensor<Scalar>(uninitialized: [n, c, oh, ow])
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for plane in 0..<(n * c) {
                    for o in 0..<(oh * ow) { yp[plane * oh * ow + o] = xp[plane * h * w + Int(argmax[plane * oh * ow + o])] }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> { adjoint(dy) }

    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> { fixedForward(rx) }

    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { adjoint(rdy) }

    public func clone() -> any Layer<Scalar> { converted(to: Scalar.self) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        Pool2d<Other>(kind: kind, kernel: kernel, stride: stride, pads: pads, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public var description: String {
        "\(kind)_pool(\(kernel.h)×\(kernel.w), stride: \(stride.h)×\(stride.w), pads: \([pads.top, pads.left, pads.bottom, pads.right])"
            + (ceilMode ? ", ceil" : "") + (kind == .average && countIncludePad ? ", count_include_pad" : "") + ")"
    }
}
