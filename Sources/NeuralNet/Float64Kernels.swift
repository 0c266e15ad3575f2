import Tensor

/// The parameter-free layers of `Float64Pass` and the data movement of its convolution, in Double.
enum Float64Kernels {
    /// Channels per parallel chunk so that a chunk covers about `Tensor.parallelGrain` elements.
    static func channelGrain(_ perChannel: Int) -> Int { max(1, Tensor.parallelGrain / max(1, perChannel)) }

    /// a += b (same shapes).
    static func add(_ b: Float64Array, into a: inout Float64Array) {
        precondition(a.shape == b.shape, "cannot add \(b.shape) to \(a.shape)")
        for i in a.values.indices { a.values[i] += b.values[i] }
    }

    /// max(x, 0); the gradient passes where the output is positive (ReLU′(0) = 0, as in PyTorch).
    static func relu(_ x: Float64Array) -> (Float64Array, Float64Pullback) {
        let y = Float64Array(shape: x.shape, values: filled(x.count) { out in
            x.values.withUnsafeBufferPointer { v in for i in v.indices { out[i] = v[i] > 0 ? v[i] : 0 } }
        })
        return (y, { dy in
            Float64Array(shape: dy.shape, values: filled(dy.count) { out in
                y.values.withUnsafeBufferPointer { yv in
                    dy.values.withUnsafeBufferPointer { d in for i in d.indices { out[i] = yv[i] > 0 ? d[i] : 0 } }
                }
            })
        })
    }

    /// An array of `count` values that `fill` writes, every one of them (no zeroing first).
    static func filled(_ count: Int, _ fill: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count > 0 { fill(base) }
            initialized = count
        }
    }

    /// k×k windows, no padding; the gradient goes to the first maximum of each window in
    /// row-major order (strict '>'; a NaN wins), as in PyTorch and `MaxPool2d`.
    static func maxPool(_ x: Float64Array, kernel k: Int, stride s: Int) -> (Float64Array, Float64Pullback) {
        let (H, W) = (x.shape[2], x.shape[3])
        let (oh, ow) = ((H - k) / s + 1, (W - k) / s + 1)
        let planes = x.shape[0] * x.shape[1]
        var y = [Double](repeating: 0, count: planes * oh * ow)
        var argmax = [Int](repeating: 0, count: y.count)
        for plane in 0..<planes {
            let base = plane * H * W
            for yo in 0..<oh {
                for xo in 0..<ow {
                    var at = base + (yo * s) * W + xo * s
                    var best = x.values[at]
                    for i in 0..<k {
                        for j in 0..<k {
                            let idx = base + (yo * s + i) * W + xo * s + j
                            let v = x.values[idx]
                            if v > best || v.isNaN { best = v; at = idx }
                        }
                    }
                    let o = (plane * oh + yo) * ow + xo
                    y[o] = best
                    argmax[o] = at
                }
            }
        }
        let output = Float64Array(shape: [x.shape[0], x.shape[1], oh, ow], values: y)
        return (output, { dy in
            var dx = Float64Array(zeros: x.shape)
            for (o, at) in argmax.enumerated() { dx.values[at] += dy.values[o] }
            return dx
        })
    }

    /// Mean over k×k windows, no padding.
    static func avgPool(_ x: Float64Array, kernel k: Int, stride s: Int) -> (Float64Array, Float64Pullback) {
        let (H, W) = (x.shape[2], x.shape[3])
        let (oh, ow) = ((H - k) / s + 1, (W - k) / s + 1)
        let planes = x.shape[0] * x.shape[1]
        let area = Double(k * k)
        var y = [Double](repeating: 0, count: planes * oh * ow)
        for plane in 0..<planes {
            let base = plane * H * W
            for yo in 0..<oh {
                for xo in 0..<ow {
                    var sum = 0.0
                    for i in 0..<k { for j in 0..<k { sum += x.values[base + (yo * s + i) * W + xo * s + j] } }
                    y[(plane * oh + yo) * ow + xo] = sum / area
                }
            }
        }
        let output = Float64Array(shape: [x.shape[0], x.shape[1], oh, ow], values: y)
        return (output, { dy in
            var dx = Float64Array(zeros: x.shape)
            for plane in 0..<planes {
                let base = plane * H * W
                for yo in 0..<oh {
                    for xo in 0..<ow {
                        let d = dy.values[(plane * oh + yo) * ow + xo] / area
                        for i in 0..<k { for j in 0..<k { dx.values[base + (yo * s + i) * W + xo * s + j] += d } }
                    }
                }
            }
            return dx
        })
    }

    /// Mean over the spatial dimensions: `[N, C, H, W]` → `[N, C]`.
    static func globalAvgPool(_ x: Float64Array) -> (Float64Array, Float64Pullback) {
        let (n, c) = (x.shape[0], x.shape[1])
        let hw = x.count / max(1, n * c)
        var y = [Double](repeating: 0, count: n * c)
        for p in 0..<(n * c) {
            var s = 0.0
            for q in (p * hw)..<((p + 1) * hw) { s += x.values[q] }
            y[p] = s / Double(hw)
        }
        return (Float64Array(shape: [n, c], values: y), { dy in
            var dx = [Double](repeating: 0, count: x.count)
            for p in 0..<(n * c) {
                let v = dy.values[p] / Double(hw)
                for q in (p * hw)..<((p + 1) * hw) { dx[q] = v }
            }
            return Float64Array(shape: x.shape, values: dx)
        })
    }

    /// `[channels, images·positions]` → `[images, channels, positions]`.
    static func scatter(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>,
                        channels: Int, images: Int, positions: Int) {
        let ld = images * positions
        for j in 0..<images {
            for o in 0..<channels {
                (dst + (j * channels + o) * positions).update(from: src + o * ld + j * positions, count: positions)
            }
        }
    }

    /// `[images, channels, positions]` → `[channels, images·positions]` (the inverse of `scatter`).
    static func gather(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>,
                       channels: Int, images: Int, positions: Int) {
        let ld = images * positions
        for j in 0..<images {
            for o in 0..<channels {
                (dst + o * ld + j * positions).update(from: src + (j * channels + o) * positions, count: positions)
            }
        }
    }
}
