import Tensor

/// How a convolution over a batch is split into work: the batch into `lanes` contiguous ranges
/// of images that run concurrently (one single-threaded GEMM at a time each), and each lane's
/// range into chunks of `chunk` images whose column matrix is built, used and dropped while it
/// is still in cache. Both depend only on the shapes, so results never depend on thread timing.
struct ConvPlan {
    let g: ConvGeometry
    /// Output channels (GEMM rows), patch size (GEMM depth), positions per image.
    let O, K, P: Int
    let batch: Int
    let lanes: Int
    let chunk: Int

    /// Most lanes a batch is split into: a few more than the cores, so a core slowed by other
    /// work is balanced by the others; each lane has its own partial weight gradient.
    static let maxLanes = 4
    /// GEMM columns (images · positions) a chunk aims for: enough for OpenBLAS to run near peak.
    static let targetColumns = 1024
    /// Upper bound on one chunk's column matrix, in elements (2 MiB), unless one image needs more.
    static let columnBudget = 1 << 19

    init(_ g: ConvGeometry, outChannels: Int, batch: Int) {
        self.g = g
        (O, K, P) = (outChannels, g.patch, g.positions)
        self.batch = batch
        lanes = max(1, min(batch, ConvPlan.maxLanes))
        let perLane = (batch + lanes - 1) / lanes
        let wanted = (ConvPlan.targetColumns + P - 1) / max(1, P)
        let fits = ConvPlan.columnBudget / max(1, K * P)
        chunk = max(1, min(perLane, wanted, fits))
    }

    /// The same lanes with chunks of `images` images (at least one, at most a lane's).
    init(_ plan: ConvPlan, chunk images: Int) {
        (g, O, K, P, batch, lanes) = (plan.g, plan.O, plan.K, plan.P, plan.batch, plan.lanes)
        chunk = max(1, min((batch + lanes - 1) / lanes, images))
    }

    var imageSize: Int { g.channels * g.height * g.width }
    /// Elements of one chunk's column matrix and of its gathered output block (large enough for
    /// the transposed convolution of the input gradient too).
    var columnCount: Int { max(K * P, transposedGeometry.map { $0.patch * imageSize / g.channels } ?? 0) * chunk }
    var outputCount: Int { max(O * P, imageSize) * chunk }

    /// For stride 1 and "same" padding, the input gradient convᵀ(dy, W) is itself a convolution of
    /// dy (padded by k − 1 − p) with the flipped, transposed kernel: an im2col of dy and a GEMM of
    /// depth O·k·k that writes dx in place, instead of a GEMM of depth O (9× more output for 3×3)
    /// and a col2im.
    var transposedGeometry: ConvGeometry? {
        // only for "same" convolutions: for a valid one the padded dy would be mostly zeros
        guard g.stride == 1, g.kernelH == g.kernelW, 2 * g.padding == g.kernelH - 1 else { return nil }
        let t = ConvGeometry(channels: O, height: g.outH, width: g.outW, kernelH: g.kernelH, kernelW: g.kernelW,
                             stride: 1, padding: g.kernelH - 1 - g.padding)
        return t.outH == g.height && t.outW == g.width ? t : nil
    }

    func images(of lane: Int) -> Range<Int> { Parallel.range(lane, of: lanes, count: batch) }

    /// Calls `body(first, count)` for each chunk of a lane's images, in order.
    func forEachChunk(of lane: Int, _ body: (Int, Int) -> Void) {
        let r = images(of: lane)
        var first = r.lowerBound
        while first < r.upperBound {
            let count = min(chunk, r.upperBound - first)
            body(first, count)
            first += count
        }
    }
}

extension Conv2d {
    /// y = conv(x, w) + b, one lane of images per concurrent task.
    func convolve(_ x: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
        let plan = ConvPlan(geometry(x.shape), outChannels: outChannels, batch: x.shape[0])
        if computesDirectly(plan.g) { return directConvolve(x, w, bias: bias, plan: plan) }
        let (O, K, P) = (plan.O, plan.K, plan.P)
        var y = Tensor<Scalar>(uninitialized: [plan.batch, O, plan.g.outH, plan.g.outW])
        let biasValues = bias?.scalars
        x.withUnsafePointer { xp in
            w.withUnsafePointer { wp in
                y.withUnsafeMutablePointer { yp in
                    nonisolated(unsafe) let (xs, ws, ys) = (xp, wp, yp)
                    Parallel.forEach(plan.lanes) { lane in
                        let counts = plan.chunk > 1 ? [plan.columnCount, plan.outputCount] : [plan.columnCount]
                        Scratch.with(counts, of: Scalar.self) { buffers in
                            let cols = buffers[0]
                            plan.forEachChunk(of: lane) { first, count in
                                let n = count * P
                                Im2col.fill(cols, ld: n, from: xs + first * plan.imageSize, plan.g, count: count)
                                // one image: its [O, P] block of y is the GEMM's output, no reshuffle
                                let out = count == 1 ? ys + first * O * P : buffers[1]
                                BLAS.gemmSingleThreaded(m: O, n: n, k: K, ws, lda: K, cols, ldb: n, out, ldc: n)
                                if count == 1 {
                                    if let b = biasValues { Conv2d.addBias(b, to: out, positions: P) }
                                } else {
                                    Conv2d.scatter(out, into: ys + first * O * P, channels: O, images: count,
                                                   positions: P, bias: biasValues)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The backward GEMMs in one pass over the batch: gw += dY · colsᵀ when `weightGrad` is given,
    /// and the input gradient convᵀ(dy, w) when `inputWeights` is given (nil otherwise).
    /// Each lane sums its own partial weight gradient; the partials are added in lane order.
    func backwardKernels(input: Tensor<Scalar>, dy: Tensor<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>?,
                         inputWeights w: Tensor<Scalar>?) -> Tensor<Scalar>? {
        let plan = ConvPlan(geometry(input.shape), outChannels: outChannels, batch: input.shape[0])
        if computesDirectly(plan.g) {
            return directBackward(input: input, dy: dy, weightGrad: weightGrad, inputWeights: w, plan: plan)
        }
        return gemmBackward(input: input, dy: dy, weightGrad: weightGrad, inputWeights: w, plan: plan)
    }

    /// `backwardKernels` by im2col + GEMM.
    func gemmBackward(input: Tensor<Scalar>, dy: Tensor<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>?,
                      inputWeights w: Tensor<Scalar>?, plan: ConvPlan) -> Tensor<Scalar>? {
        let (O, K, P) = (plan.O, plan.K, plan.P)
        let wantW = weightGrad != nil
        var dx: Tensor<Scalar>? = w == nil ? nil : Tensor<Scalar>(uninitialized: input.shape)
        let partialCount = wantW ? O * K : 0
        let transposed = w == nil ? nil : plan.transposedGeometry
        let (C, HW) = (plan.g.channels, plan.g.height * plan.g.width)
        // partial weight gradients of all lanes, in one block so they can be summed in order
        let partials = Scratch.take(max(1, partialCount * plan.lanes), of: Scalar.self)
        let flipped = Scratch.take(transposed == nil ? 1 : O * K, of: Scalar.self)
        let (partialBase, flippedBase) = (partials.base(as: Scalar.self), flipped.base(as: Scalar.self))
        defer { Scratch.give(partials); Scratch.give(flipped) }
        if let w, transposed != nil {
            // W'[c, o, a, b] = W[o, c, k−1−a, k−1−b]
            let kk = plan.g.kernelH * plan.g.kernelW
            w.withUnsafePointer { wp in
                for o in 0..<O {
                    for c in 0..<C {
                        for q in 0..<kk { flippedBase[(c * O + o) * kk + q] = wp[(o * C + c) * kk + kk - 1 - q] }
                    }
                }
            }
        }
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                withOptionalPointers(w, &dx) { wp, dxp in
                    nonisolated(unsafe) let (xs, dys, ws, dxs, parts, wflip) = (xp, dyp, wp, dxp, partialBase, flippedBase)
                    Parallel.forEach(plan.lanes) { lane in
                        let counts = plan.chunk > 1 ? [plan.columnCount, plan.outputCount] : [plan.columnCount]
                        Scratch.with(counts, of: Scalar.self) { buffers in
                            let cols = buffers[0]
                            let partial = parts + lane * partialCount
                            var started = false
                            plan.forEachChunk(of: lane) { first, count in
                                let n = count * P
                                let dyImages = dys + first * O * P
                                if wantW {
                                    let dyc = Conv2d.chunkGradient(dyImages, count: count, buffers: buffers, channels: O, positions: P)
                                    Im2col.fill(cols, ld: n, from: xs + first * plan.imageSize, plan.g, count: count)
                                    BLAS.gemmSingleThreaded(transB: true, m: O, n: K, k: n, dyc, lda: n, cols, ldb: n,
                                                            beta: started ? 1 : 0, partial, ldc: K)
                                    started = true
                                }
                                guard let ws, let dxs else { return }
                                let images = dxs + first * plan.imageSize
                                if let t = transposed {
                                    let m = count * HW
                                    Im2col.fill(cols, ld: m, from: dyImages, t, count: count)
                                    let out = count == 1 ? images : buffers[1]
                                    BLAS.gemmSingleThreaded(m: C, n: m, k: t.patch, wflip, lda: t.patch, cols, ldb: m, out, ldc: m)
                                    if count > 1 {
                                        Conv2d.scatter(out, into: images, channels: C, images: count, positions: HW, bias: nil)
                                    }
                                } else {
                                    let dyc: UnsafePointer<Scalar>
                                    if count == 1 {
                                        dyc = dyImages
                                    } else {
                                        if !wantW { Conv2d.gather(dyImages, into: buffers[1], channels: O, images: count, positions: P) }
                                        dyc = UnsafePointer(buffers[1])
                                    }
                                    // the column gradient reuses the column buffer
                                    BLAS.gemmSingleThreaded(transA: true, m: K, n: n, k: O, ws, lda: K, dyc, ldb: n, cols, ldc: n)
                                    images.update(repeating: 0, count: count * plan.imageSize)
                                    Im2col.accumulate(cols, ld: n, into: images, plan.g, count: count)
                                }
                            }
                            if wantW && !started { partial.update(repeating: 0, count: partialCount) }
                        }
                    }
                }
            }
        }
        if let gw = weightGrad { Conv2d.addLanePartials(partialBase, count: partialCount, lanes: plan.lanes, into: gw) }
        return dx
    }

    /// g[i] += Σ over lanes, in lane order, of the lanes' partial weight gradients (`lanes`
    /// blocks of `count` scalars, one after the other).
    static func addLanePartials(_ parts: UnsafeMutablePointer<Scalar>, count: Int, lanes: Int, into gw: UnsafeMutablePointer<Scalar>) {
        nonisolated(unsafe) let (g, parts) = (gw, parts)
        Parallel.forRanges(count, grain: Parallel.grain) { r in
            for i in r {
                var s = parts[i]
                for l in 1..<max(1, lanes) { s += parts[l * count + i] }
                g[i] += s
            }
        }
    }

    /// Adds `bias[o]` to row `o` of an `[O, positions]` block.
    static func addBias(_ bias: [Scalar], to out: UnsafeMutablePointer<Scalar>, positions: Int) {
        for (o, v) in bias.enumerated() {
            let row = out + o * positions
            for q in 0..<positions { row[q] += v }
        }
    }

    /// `src` is `[channels, images·positions]`; writes `dst` as `[images, channels, positions]` (+ bias per channel).
    static func scatter(_ src: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>,
                        channels: Int, images: Int, positions: Int, bias: [Scalar]?) {
        let ld = images * positions
        for j in 0..<images {
            for o in 0..<channels {
                let from = src + o * ld + j * positions
                let to = dst + (j * channels + o) * positions
                if let bias {
                    let v = bias[o]
                    for q in 0..<positions { to[q] = from[q] + v }
                } else {
                    for q in 0..<positions { to[q] = from[q] }
                }
            }
        }
    }

    /// A chunk's output gradients as one `[channels, count·positions]` block: dy itself for one
    /// image, else gathered into `buffers[1]` (which exists only when chunks hold several images).
    static func chunkGradient(_ dy: UnsafePointer<Scalar>, count: Int, buffers: [UnsafeMutablePointer<Scalar>],
                              channels: Int, positions: Int) -> UnsafePointer<Scalar> {
        if count == 1 { return dy }
        gather(dy, into: buffers[1], channels: channels, images: count, positions: positions)
        return UnsafePointer(buffers[1])
    }

    /// Inverse layout of `scatter` (no bias): `[images, channels, positions]` → `[channels, images·positions]`.
    static func gather(_ src: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>,
                       channels: Int, images: Int, positions: Int) {
        let ld = images * positions
        for j in 0..<images {
            for o in 0..<channels {
                let from = src + (j * channels + o) * positions
                let to = dst + o * ld + j * positions
                for q in 0..<positions { to[q] = from[q] }
            }
        }
    }
}

/// Calls `body` with pointers to `w` and `dx` when present (nil when absent).
func withOptionalPointers<Scalar: TensorScalar, R>(_ w: Tensor<Scalar>?, _ dx: inout Tensor<Scalar>?,
                                     _ body: (UnsafePointer<Scalar>?, UnsafeMutablePointer<Scalar>?) -> R) -> R {
    guard let w, var out = dx else { return body(nil, nil) }
    dx = nil  // keep `out` uniquely referenced while it is written
    defer { dx = out }
    return w.withUnsafePointer { wp in out.withUnsafeMutablePointer { body(wp, $0) } }
}
