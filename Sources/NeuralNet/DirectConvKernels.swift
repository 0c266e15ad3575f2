import Tensor

/// The dense direct convolution of 3×3, stride-1, "same" convolutions (every 3×3 layer of the
/// zoo), forward and backward, without a column matrix: a chunk of images is laid out once as
/// zero-padded planes (`StackedPlanes`), and every output is a sum of the input planes shifted by
/// the nine kernel offsets, computed in register tiles of fused multiply-adds. im2col + GEMM
/// copies each input nine times and OpenBLAS packs the copy again; here the input is read where
/// it lies, so the same arithmetic runs 1.2–1.8× faster where `DenseConvAlgorithm` picks it.
///
/// - forward: y[o] = Σ_c Σ_k w[o, c, k] · x[c] shifted by k, 8 output channels × 48 positions
///   per tile (24 vector accumulators), input channels in blocks whose weights stay in L1;
/// - input gradient: the same kernel on the padded output gradient with the flipped, transposed
///   weights (convᵀ of a "same" stride-1 convolution is one);
/// - weight gradient: dW[o, c, k] = Σ_q dy[o, q] · x[c, q + shift k], 2 output channels × 9
///   offsets per tile, each a vector of partial sums reduced once per chunk.
///
/// Each output's terms are added in one fixed order (input channel, then kernel offset, then
/// position lane by lane), so results depend only on the shapes, never on threads or load.
struct StackedPlanes {
    /// Output channels a forward tile computes, and positions (3 vectors of 16).
    static let rowTile = 8
    static let positionTile = 48
    /// Input channels a forward tile sums before the next block: their weights (8 × 16 × 9
    /// scalars) and the rows of their planes it reads stay in L1 while a block runs.
    static let channelBlock = 16
    /// Input channels the weight gradient passes every output channel over at a time (their
    /// padded planes, a few KiB each, stay in L1).
    static let gradientChannelBlock = 4

    let g: ConvGeometry
    /// Images in the chunk, stacked plane after plane within each channel.
    let images: Int

    /// Whether a convolution has this path's shape: 3×3, stride 1, padding 1.
    static func fits(_ g: ConvGeometry) -> Bool {
        g.kernelH == 3 && g.kernelW == 3 && g.stride == 1 && g.padding == 1
    }

    /// Row and image strides of the padded layout. Neighbours share their borders: a row's right
    /// border is the next row's left one (column 0), an image's bottom border is the next
    /// image's top one (row 0), so an H × W image takes (H + 1)·(W + 1) scalars, not (H + 2)·(W + 2)
    /// (on 8 × 8 planes 27% more than the image instead of 56%).
    var width: Int { g.width + 1 }
    var plane: Int { (g.height + 1) * width }
    /// The output grid: output (image j, row r, column c) is position j·plane + r·width + c; the
    /// other positions (one column per row, one row per image, the tail) are computed and dropped.
    var positions: Int {
        let t = StackedPlanes.positionTile
        return (images * plane + t - 1) / t * t
    }
    /// Distance between channels: the grid and the largest shift behind it, zero past the images.
    var channelStride: Int { positions + 2 * width + 2 }
    /// Where pixel (0, 0) of the first image lies (row 1, column 1): the output gradient in grid
    /// layout is its padded planes read from here, zero wherever the grid has no output.
    var lead: Int { width + 1 }

    /// Output positions a chunk aims for: the weight gradient reduces its vector sums once per
    /// chunk, which costs as much as ~100 positions of its products.
    static let targetPositions = 4096
    /// Most scalars a chunk's padded input and output gradient planes take (16 MiB).
    static let chunkBudget = 1 << 22

    /// A convolution's lanes with this path's chunks.
    static func plan(_ plan: ConvPlan) -> ConvPlan {
        let g = plan.g
        let plane = (g.height + 1) * (g.width + 1)
        let wanted = (targetPositions + plane - 1) / plane
        return ConvPlan(plan, chunk: min(wanted, chunkBudget / max(1, (g.channels + plan.O) * plane)))
    }

    static func paddedRows(_ n: Int) -> Int { (n + rowTile - 1) / rowTile * rowTile }

    /// Copies `images` NCHW images of `channels` planes (H × W) into stacked padded planes with
    /// zero borders and a zero tail.
    func pad<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, channels: Int, into dst: UnsafeMutablePointer<Scalar>) {
        let (H, W, wp) = (g.height, g.width, width)
        let used = images * plane
        for c in 0..<channels {
            let channel = dst + c * channelStride
            for j in 0..<images {
                let out = channel + j * plane
                out.update(repeating: 0, count: wp)
                let source = x + (j * channels + c) * H * W
                for r in 0..<H {
                    let row = out + (r + 1) * wp
                    row[0] = 0
                    VectorOps.copy(source + r * W, row + 1, count: W)
                }
            }
            (channel + used).update(repeating: 0, count: channelStride - used)
        }
    }

    /// The outputs of a grid `[rows, positions]` into NCHW images of `channels` planes, plus
    /// `bias[o]` when given.
    func crop<Scalar: TensorScalar>(_ grid: UnsafePointer<Scalar>, channels: Int, into y: UnsafeMutablePointer<Scalar>, bias: [Scalar]?) {
        let (H, W, wp) = (g.height, g.width, width)
        for j in 0..<images {
            for o in 0..<channels {
                let from = grid + o * positions + j * plane
                let to = y + (j * channels + o) * H * W
                if let b = bias?[o] {
                    for r in 0..<H {
                        for t in 0..<W { to[r * W + t] = from[r * wp + t] + b }
                    }
                } else {
                    for r in 0..<H { VectorOps.copy(from + r * wp, to + r * W, count: W) }
                }
            }
        }
    }

    /// Forward weights `[O, C, 3, 3]` in tile order: `[O/8][C][9][8]`, zero rows past O.
    static func packForward<Scalar: TensorScalar>(_ w: UnsafePointer<Scalar>, outChannels O: Int, inChannels C: Int,
                                                  into dst: UnsafeMutablePointer<Scalar>) {
        for ob in 0..<(paddedRows(O) / rowTile) {
            for c in 0..<C {
                for k in 0..<9 {
                    for r in 0..<rowTile {
                        let o = ob * rowTile + r
                        dst[((ob * C + c) * 9 + k) * rowTile + r] = o < O ? w[(o * C + c) * 9 + k] : 0
                    }
                }
            }
        }
    }

    /// The input gradient's weights in tile order: W'[c, o, k] = W[o, c, 8 − k] (flipped and
    /// transposed), as `[C/8][O][9][8]`, zero rows past C.
    static func packTransposed<Scalar: TensorScalar>(_ w: UnsafePointer<Scalar>, outChannels O: Int, inChannels C: Int,
                                                     into dst: UnsafeMutablePointer<Scalar>) {
        for cb in 0..<(paddedRows(C) / rowTile) {
            for o in 0..<O {
                for k in 0..<9 {
                    for r in 0..<rowTile {
                        let c = cb * rowTile + r
                        dst[((cb * O + o) * 9 + k) * rowTile + r] = c < C ? w[(o * C + c) * 9 + 8 - k] : 0
                    }
                }
            }
        }
    }

    /// out[o][q] = Σ_c Σ_k packed(o, c, k) · input[c][q + offset k] for every row o of the packed
    /// weights (`rowBlocks` tiles of 8) and every grid position q.
    func convolve<Scalar: TensorScalar>(_ input: UnsafePointer<Scalar>, channels C: Int, packed: UnsafePointer<Scalar>,
                                        rowBlocks: Int, into out: UnsafeMutablePointer<Scalar>) {
        let (n, stride, wp) = (positions, channelStride, width)
        let v = Scalar.Vector.scalarCount
        @inline(__always) func load(_ p: UnsafePointer<Scalar>) -> Scalar.Vector {
            UnsafeRawPointer(p).loadUnaligned(as: Scalar.Vector.self)
        }
        @inline(__always) func store(_ x: Scalar.Vector, _ p: UnsafeMutablePointer<Scalar>) {
            UnsafeMutableRawPointer(p).storeBytes(of: x, as: Scalar.Vector.self)
        }
        for ob in 0..<rowBlocks {
            var c0 = 0
            while c0 < C {
                let c1 = min(C, c0 + StackedPlanes.channelBlock)
                let fresh = c0 == 0
                var q = 0
                while q + 3 * v <= n {
                    let o = out + ob * StackedPlanes.rowTile * n + q
                    // 8 rows × 3 vectors of accumulators, continued from the last channel block
                    var a00 = fresh ? Scalar.Vector() : load(o), a01 = fresh ? Scalar.Vector() : load(o + v)
                    var a02 = fresh ? Scalar.Vector() : load(o + 2 * v)
                    var a10 = fresh ? Scalar.Vector() : load(o + n), a11 = fresh ? Scalar.Vector() : load(o + n + v)
                    var a12 = fresh ? Scalar.Vector() : load(o + n + 2 * v)
                    var a20 = fresh ? Scalar.Vector() : load(o + 2 * n), a21 = fresh ? Scalar.Vector() : load(o + 2 * n + v)
                    var a22 = fresh ? Scalar.Vector() : load(o + 2 * n + 2 * v)
                    var a30 = fresh ? Scalar.Vector() : load(o + 3 * n), a31 = fresh ? Scalar.Vector() : load(o + 3 * n + v)
                    var a32 = fresh ? Scalar.Vector() : load(o + 3 * n + 2 * v)
                    var a40 = fresh ? Scalar.Vector() : load(o + 4 * n), a41 = fresh ? Scalar.Vector() : load(o + 4 * n + v)
                    var a42 = fresh ? Scalar.Vector() : load(o + 4 * n + 2 * v)
                    var a50 = fresh ? Scalar.Vector() : load(o + 5 * n), a51 = fresh ? Scalar.Vector() : load(o + 5 * n + v)
                    var a52 = fresh ? Scalar.Vector() : load(o + 5 * n + 2 * v)
                    var a60 = fresh ? Scalar.Vector() : load(o + 6 * n), a61 = fresh ? Scalar.Vector() : load(o + 6 * n + v)
                    var a62 = fresh ? Scalar.Vector() : load(o + 6 * n + 2 * v)
                    var a70 = fresh ? Scalar.Vector() : load(o + 7 * n), a71 = fresh ? Scalar.Vector() : load(o + 7 * n + v)
                    var a72 = fresh ? Scalar.Vector() : load(o + 7 * n + 2 * v)
                    var wt = packed + (ob * C + c0) * 9 * StackedPlanes.rowTile
                    for c in c0..<c1 {
                        let xc = input + c * stride + q
                        for i in 0..<3 {
                            for j in 0..<3 {
                                let p = xc + i * wp + j
                                let x0 = load(p), x1 = load(p + v), x2 = load(p + 2 * v)
                                var b = Scalar.Vector(repeating: wt[0])
                                a00 = Scalar.multiplyAdd(a00, b, x0); a01 = Scalar.multiplyAdd(a01, b, x1); a02 = Scalar.multiplyAdd(a02, b, x2)
                                b = Scalar.Vector(repeating: wt[1])
                                a10 = Scalar.multiplyAdd(a10, b, x0); a11 = Scalar.multiplyAdd(a11, b, x1); a12 = Scalar.multiplyAdd(a12, b, x2)
                                b = Scalar.Vector(repeating: wt[2])
                                a20 = Scalar.multiplyAdd(a20, b, x0); a21 = Scalar.multiplyAdd(a21, b, x1); a22 = Scalar.multiplyAdd(a22, b, x2)
                                b = Scalar.Vector(repeating: wt[3])
                                a30 = Scalar.multiplyAdd(a30, b, x0); a31 = Scalar.multiplyAdd(a31, b, x1); a32 = Scalar.multiplyAdd(a32, b, x2)
                                b = Scalar.Vector(repeating: wt[4])
                                a40 = Scalar.multiplyAdd(a40, b, x0); a41 = Scalar.multiplyAdd(a41, b, x1); a42 = Scalar.multiplyAdd(a42, b, x2)
                                b = Scalar.Vector(repeating: wt[5])
                                a50 = Scalar.multiplyAdd(a50, b, x0); a51 = Scalar.multiplyAdd(a51, b, x1); a52 = Scalar.multiplyAdd(a52, b, x2)
                                b = Scalar.Vector(repeating: wt[6])
                                a60 = Scalar.multiplyAdd(a60, b, x0); a61 = Scalar.multiplyAdd(a61, b, x1); a62 = Scalar.multiplyAdd(a62, b, x2)
                                b = Scalar.Vector(repeating: wt[7])
                                a70 = Scalar.multiplyAdd(a70, b, x0); a71 = Scalar.multiplyAdd(a71, b, x1); a72 = Scalar.multiplyAdd(a72, b, x2)
                                wt += StackedPlanes.rowTile
                            }
                        }
                    }
                    store(a00, o); store(a01, o + v); store(a02, o + 2 * v)
                    store(a10, o + n); store(a11, o + n + v); store(a12, o + n + 2 * v)
                    store(a20, o + 2 * n); store(a21, o + 2 * n + v); store(a22, o + 2 * n + 2 * v)
                    store(a30, o + 3 * n); store(a31, o + 3 * n + v); store(a32, o + 3 * n + 2 * v)
                    store(a40, o + 4 * n); store(a41, o + 4 * n + v); store(a42, o + 4 * n + 2 * v)
                    store(a50, o + 5 * n); store(a51, o + 5 * n + v); store(a52, o + 5 * n + 2 * v)
                    store(a60, o + 6 * n); store(a61, o + 6 * n + v); store(a62, o + 6 * n + 2 * v)
                    store(a70, o + 7 * n); store(a71, o + 7 * n + v); store(a72, o + 7 * n + 2 * v)
                    q += 3 * v
                }
                c0 = c1
            }
        }
    }

    /// partial[o, c, k] += Σ_q dy[o][q] · input[c][q + offset k] over the grid, for o < `rows`,
    /// c < `channels`; dy is `[rows]` grid rows `dyStride` apart, zero wherever the grid has no
    /// output. Two rows × nine offsets per tile, each a vector of partial sums over the positions.
    func weightGradient<Scalar: TensorScalar>(_ dy: UnsafePointer<Scalar>, dyStride: Int, rows O: Int,
                                              _ input: UnsafePointer<Scalar>, channels C: Int,
                                              into partial: UnsafeMutablePointer<Scalar>) {
        let (n, stride, wp) = (positions, channelStride, width)
        let v = Scalar.Vector.scalarCount
        @inline(__always) func load(_ p: UnsafePointer<Scalar>) -> Scalar.Vector {
            UnsafeRawPointer(p).loadUnaligned(as: Scalar.Vector.self)
        }
        // a few input channels at a time stay in L1 while every pair of rows passes over them
        for c0 in Swift.stride(from: 0, to: C, by: StackedPlanes.gradientChannelBlock) {
          var o = 0
          while o < O {
            // an odd last row is paired with itself, and its second result dropped
            let second = min(o + 1, O - 1)
            let d0 = dy + o * dyStride, d1 = dy + second * dyStride
            for c in c0..<min(C, c0 + StackedPlanes.gradientChannelBlock) {
                let xc = input + c * stride
                var a0 = Scalar.Vector(), a1 = Scalar.Vector(), a2 = Scalar.Vector(), a3 = Scalar.Vector()
                var a4 = Scalar.Vector(), a5 = Scalar.Vector(), a6 = Scalar.Vector(), a7 = Scalar.Vector()
                var a8 = Scalar.Vector()
                var b0 = Scalar.Vector(), b1 = Scalar.Vector(), b2 = Scalar.Vector(), b3 = Scalar.Vector()
                var b4 = Scalar.Vector(), b5 = Scalar.Vector(), b6 = Scalar.Vector(), b7 = Scalar.Vector()
                var b8 = Scalar.Vector()
                var q = 0
                while q < n {
                    let g0 = load(d0 + q), g1 = load(d1 + q)
                    let p = xc + q
                    var x = load(p)
                    a0 = Scalar.multiplyAdd(a0, g0, x); b0 = Scalar.multiplyAdd(b0, g1, x)
                    x = load(p + 1)
                    a1 = Scalar.multiplyAdd(a1, g0, x); b1 = Scalar.multiplyAdd(b1, g1, x)
                    x = load(p + 2)
                    a2 = Scalar.multiplyAdd(a2, g0, x); b2 = Scalar.multiplyAdd(b2, g1, x)
                    x = load(p + wp)
                    a3 = Scalar.multiplyAdd(a3, g0, x); b3 = Scalar.multiplyAdd(b3, g1, x)
                    x = load(p + wp + 1)
                    a4 = Scalar.multiplyAdd(a4, g0, x); b4 = Scalar.multiplyAdd(b4, g1, x)
                    x = load(p + wp + 2)
                    a5 = Scalar.multiplyAdd(a5, g0, x); b5 = Scalar.multiplyAdd(b5, g1, x)
                    x = load(p + 2 * wp)
                    a6 = Scalar.multiplyAdd(a6, g0, x); b6 = Scalar.multiplyAdd(b6, g1, x)
                    x = load(p + 2 * wp + 1)
                    a7 = Scalar.multiplyAdd(a7, g0, x); b7 = Scalar.multiplyAdd(b7, g1, x)
                    x = load(p + 2 * wp + 2)
                    a8 = Scalar.multiplyAdd(a8, g0, x); b8 = Scalar.multiplyAdd(b8, g1, x)
                    q += v
                }
                let first = partial + (o * C + c) * 9
                first[0] += Scalar.pairwiseLaneSum(a0); first[1] += Scalar.pairwiseLaneSum(a1); first[2] += Scalar.pairwiseLaneSum(a2)
                first[3] += Scalar.pairwiseLaneSum(a3); first[4] += Scalar.pairwiseLaneSum(a4); first[5] += Scalar.pairwiseLaneSum(a5)
                first[6] += Scalar.pairwiseLaneSum(a6); first[7] += Scalar.pairwiseLaneSum(a7); first[8] += Scalar.pairwiseLaneSum(a8)
                if second != o {
                    let next = partial + (second * C + c) * 9
                    next[0] += Scalar.pairwiseLaneSum(b0); next[1] += Scalar.pairwiseLaneSum(b1); next[2] += Scalar.pairwiseLaneSum(b2)
                    next[3] += Scalar.pairwiseLaneSum(b3); next[4] += Scalar.pairwiseLaneSum(b4); next[5] += Scalar.pairwiseLaneSum(b5)
                    next[6] += Scalar.pairwiseLaneSum(b6); next[7] += Scalar.pairwiseLaneSum(b7); next[8] += Scalar.pairwiseLaneSum(b8)
                }
            }
            o += 2
          }
        }
    }
}

extension Conv2d {
    /// Whether the dense kernels of a convolution of this geometry compute directly.
    func computesDirectly(_ g: ConvGeometry) -> Bool {
        StackedPlanes.fits(g) && (denseAlgorithm ?? DenseConvAlgorithm.chosen(for: g, outChannels: outChannels, scalar: Scalar.self)) == .direct
    }

    /// y = conv(x, w) + b by direct convolution, the batch in the plan's lanes and chunks.
    func directConvolve(_ x: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?, plan gemmPlan: ConvPlan) -> Tensor<Scalar> {
        let plan = StackedPlanes.plan(gemmPlan)
        let (O, C, P) = (plan.O, plan.g.channels, plan.P)
        let rows = StackedPlanes.paddedRows(O)
        var y = Tensor<Scalar>(uninitialized: [plan.batch, O, plan.g.outH, plan.g.outW])
        let biasValues = bias?.scalars
        let packing = Scratch.take(rows * C * 9, of: Scalar.self)
        defer { Scratch.give(packing) }
        let largest = StackedPlanes(g: plan.g, images: plan.chunk)
        x.withUnsafePointer { xp in
            w.withUnsafePointer { wp in
                y.withUnsafeMutablePointer { yp in
                    StackedPlanes.packForward(wp, outChannels: O, inChannels: C, into: packing.base(as: Scalar.self))
                    nonisolated(unsafe) let (xs, ys, packed) = (xp, yp, UnsafePointer(packing.base(as: Scalar.self)))
                    Parallel.forEach(plan.lanes) { lane in
                        Scratch.with([C * largest.channelStride, rows * largest.positions], of: Scalar.self) { buffers in
                            plan.forEachChunk(of: lane) { first, count in
                                let s = StackedPlanes(g: plan.g, images: count)
                                s.pad(xs + first * plan.imageSize, channels: C, into: buffers[0])
                                s.convolve(buffers[0], channels: C, packed: packed, rowBlocks: rows / StackedPlanes.rowTile,
                                           into: buffers[1])
                                s.crop(buffers[1], channels: O, into: ys + first * O * P, bias: biasValues)
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// `backwardKernels` by direct convolution: gw += corr(dy, x) when `weightGrad` is given,
    /// and the input gradient convᵀ(dy, w) when `inputWeights` is given (nil otherwise). Each
    /// lane sums its own partial weight gradient; the partials are added in lane order.
    func directBackward(input: Tensor<Scalar>, dy: Tensor<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>?,
                        inputWeights w: Tensor<Scalar>?, plan gemmPlan: ConvPlan) -> Tensor<Scalar>? {
        let plan = StackedPlanes.plan(gemmPlan)
        let (O, C, P) = (plan.O, plan.g.channels, plan.P)
        let wantW = weightGrad != nil
        let inputRows = StackedPlanes.paddedRows(C)
        var dx: Tensor<Scalar>? = w == nil ? nil : Tensor<Scalar>(uninitialized: input.shape)
        let partialCount = wantW ? O * C * 9 : 0
        let partials = Scratch.take(max(1, partialCount * plan.lanes), of: Scalar.self)
        let packing = Scratch.take(w == nil ? 1 : inputRows * O * 9, of: Scalar.self)
        let (partialBase, packedBase) = (partials.base(as: Scalar.self), packing.base(as: Scalar.self))
        defer { Scratch.give(partials); Scratch.give(packing) }
        w?.withUnsafePointer { StackedPlanes.packTransposed($0, outChannels: O, inChannels: C, into: packedBase) }
        let largest = StackedPlanes(g: plan.g, images: plan.chunk)
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                withOptionalPointers(w, &dx) { _, dxp in
                    nonisolated(unsafe) let (xs, dys, dxs, parts, packed) = (xp, dyp, dxp, partialBase, UnsafePointer(packedBase))
                    Parallel.forEach(plan.lanes) { lane in
                        let counts = [O * largest.channelStride, wantW ? C * largest.channelStride : 1,
                                      dxs == nil ? 1 : inputRows * largest.positions]
                        Scratch.with(counts, of: Scalar.self) { buffers in
                            let partial = parts + lane * partialCount
                            partial.update(repeating: 0, count: partialCount)
                            plan.forEachChunk(of: lane) { first, count in
                                let s = StackedPlanes(g: plan.g, images: count)
                                s.pad(dys + first * O * P, channels: O, into: buffers[0])
                                if wantW {
                                    s.pad(xs + first * plan.imageSize, channels: C, into: buffers[1])
                                    s.weightGradient(buffers[0] + s.lead, dyStride: s.channelStride, rows: O,
                                                     buffers[1], channels: C, into: partial)
                                }
                                if let dxs {
                                    s.convolve(buffers[0], channels: O, packed: packed,
                                               rowBlocks: inputRows / StackedPlanes.rowTile, into: buffers[2])
                                    s.crop(buffers[2], channels: C, into: dxs + first * plan.imageSize, bias: nil)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let gw = weightGrad { Conv2d.addLanePartials(partialBase, count: partialCount, lanes: plan.lanes, into: gw) }
        return dx
    }
}
