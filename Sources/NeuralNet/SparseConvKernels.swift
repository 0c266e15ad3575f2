import Tensor

/// The sparse paths of a convolution (see `ConvKernelPath`), over the kept weights only:
///
/// - `.columns`: the dense path's chunks of im2col columns, multiplied by the sparse weights
///   (`SparseMatrix.multiply`); backward the sampled weight gradient and Wᵀ·dY + col2im.
/// - `.direct`: no column matrix. Each kept weight w[o, c, i, j] adds w · (input plane c shifted by
///   (i, j)) into output plane o, one contiguous row at a time for stride 1; backward the same
///   loops give dW[o, c, i, j] as dot products and scatter w · dy into the input gradient.
///
/// The batch is split into the dense path's lanes (`ConvPlan`); each lane sums its own partial
/// weight gradient and the partials are added in lane order, so results never depend on threads.
extension Conv2d {
    /// The path and kept weights when the next forward on inputs of `shape` computes sparsely.
    func sparsePlan(inputShape shape: [Int]) -> (path: ConvKernelPath, weights: SparseMatrix<Scalar>)? {
        guard kernels != .dense else { return nil }
        let g = geometry(shape)
        var path = ConvKernelPath.dense
        let weights = weight.sparseWeights { w in
            if let forced = pathOverride {
                path = forced
            } else {
                path = SparseKernelRule.convPath(density: w.density, positions: g.positions, inChannels: inChannels,
                                                 outChannels: outChannels, stride: stride)
                // forced sparse: the rule's sparse path even where dense would be faster
                if kernels == .sparse && path == .dense {
                    path = SparseKernelRule.convPath(density: 0, positions: g.positions, inChannels: inChannels,
                                                 outChannels: outChannels, stride: stride)
                }
            }
            return path != .dense
        }
        return weights.map { (path, $0) }
    }

    /// y = conv(x, W) + b on the kept weights.
    func sparseConvolve(_ x: Tensor<Scalar>, _ w: SparseMatrix<Scalar>, path: ConvKernelPath,
                        bias: Tensor<Scalar>?) -> Tensor<Scalar> {
        let plan = ConvPlan(geometry(x.shape), outChannels: outChannels, batch: x.shape[0])
        let (O, P) = (plan.O, plan.P)
        var y = Tensor<Scalar>(uninitialized: [plan.batch, O, plan.g.outH, plan.g.outW])
        let padded = path == .direct ? PaddedPlanes(plan.g, outChannels: O) : nil
        let offsets = padded?.offsets(of: w) ?? []
        // only the input planes some kept weight reads are copied into the padded layout
        let inputsUsed = w.usedColumnGroups(size: plan.g.kernelH * plan.g.kernelW)
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                withOptionalPointer(bias) { bp in
                    nonisolated(unsafe) let (xs, ys, bs) = (xp, yp, bp)
                    let biasValues = bias?.scalars
                    Parallel.forEach(plan.lanes) { lane in
                        if path == .direct, let padded {
                            Scratch.with([padded.inputCount, padded.outputCount], of: Scalar.self) { buffers in
                                for j in plan.images(of: lane) {
                                    padded.pad(xs + j * plan.imageSize, into: buffers[0], channels: inputsUsed)
                                    Conv2d.paddedForward(w, padded, offsets: offsets, input: buffers[0], output: buffers[1], bias: bs)
                                    padded.crop(buffers[1], into: ys + j * O * P, channels: O)
                                }
                            }
                            return
                        }
                        if path == .direct {
                            for j in plan.images(of: lane) {
                                Conv2d.directForward(w, plan.g, image: xs + j * plan.imageSize, into: ys + j * O * P, bias: bs)
                            }
                            return
                        }
                        Scratch.with([plan.columnCount, plan.outputCount], of: Scalar.self) { buffers in
                            let cols = buffers[0]
                            plan.forEachChunk(of: lane) { first, count in
                                let n = count * P
                                Im2col.fill(cols, ld: n, from: xs + first * plan.imageSize, plan.g, count: count, channels: inputsUsed)
                                if count == 1 {
                                    w.multiply(cols, ldb: n, width: n, rows: 0..<O, into: ys + first * O * P, ldc: n, bias: bs)
                                } else {
                                    w.multiply(cols, ldb: n, width: n, rows: 0..<O, into: buffers[1], ldc: n, bias: nil)
                                    Conv2d.scatter(buffers[1], into: ys + first * O * P, channels: O, images: count,
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

    /// The sparse backward: db dense, dW at the kept entries (added to the compact gradient),
    /// and dx when `propagatesGradient`.
    func sparseBackward(input: Tensor<Scalar>, dy: Tensor<Scalar>, _ w: SparseMatrix<Scalar>,
                        path: ConvKernelPath) -> Tensor<Scalar> {
        if let b = bias { Conv2d.addBiasGradient(dy, into: &b.grad) }
        let plan = ConvPlan(geometry(input.shape), outChannels: outChannels, batch: input.shape[0])
        let (O, P, nnz) = (plan.O, plan.P, w.nonzeroCount)
        let wantX = propagatesGradient
        var dx = Tensor<Scalar>(zeros: wantX ? input.shape : [0])
        let partials = Scratch.take(max(1, nnz * plan.lanes), of: Scalar.self)
        defer { Scratch.give(partials) }
        let partialBase = partials.base(as: Scalar.self)
        let padded = path == .direct ? PaddedPlanes(plan.g, outChannels: O) : nil
        let offsets = padded?.offsets(of: w) ?? []
        // input-gradient terms grouped by input channel (direct) or by column (columns path)
        let groups = wantX ? w.entryGroups(size: padded == nil ? 1 : plan.g.kernelH * plan.g.kernelW) : nil
        // planes no kept weight touches are neither copied nor computed (their dx stays zero)
        let inputsUsed = w.usedColumnGroups(size: plan.g.kernelH * plan.g.kernelW)
        let outputsUsed = (0..<O).map { w.rowStart[$0 + 1] > w.rowStart[$0] }
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                dx.withUnsafeMutablePointer { dxp in
                    nonisolated(unsafe) let (xs, dys, dxs, parts) = (xp, dyp, dxp, partialBase)
                    Parallel.forEach(plan.lanes) { lane in
                        let partial = parts + lane * nnz
                        partial.update(repeating: 0, count: nnz)
                        if path == .direct, let padded {
                            let counts = [padded.inputCount, padded.guardedGradientCount] + (wantX ? [padded.inputCount] : [])
                            Scratch.with(counts, of: Scalar.self) { buffers in
                                for j in plan.images(of: lane) {
                                    padded.pad(xs + j * plan.imageSize, into: buffers[0], channels: inputsUsed)
                                    padded.widenGuarded(dys + j * O * P, into: buffers[1], channels: outputsUsed)
                                    Conv2d.paddedBackward(w, padded, offsets: offsets, groups: groups, input: buffers[0],
                                                          dy: buffers[1], weightGrad: partial, inputGrad: wantX ? buffers[2] : nil)
                                    if wantX { padded.cropInput(buffers[2], into: dxs + j * plan.imageSize, channels: inputsUsed) }
                                }
                            }
                            return
                        }
                        if path == .direct {
                            for j in plan.images(of: lane) {
                                Conv2d.directBackward(w, plan.g, image: xs + j * plan.imageSize, dy: dys + j * O * P,
                                                      weightGrad: partial, inputGrad: wantX ? dxs + j * plan.imageSize : nil)
                            }
                            return
                        }
                        Scratch.with([plan.columnCount, plan.outputCount], of: Scalar.self) { buffers in
                            let cols = buffers[0]
                            plan.forEachChunk(of: lane) { first, count in
                                let n = count * P
                                let dyImages = dys + first * O * P
                                let dyc = Conv2d.chunkGradient(dyImages, count: count, buffers: buffers, channels: O, positions: P)
                                Im2col.fill(cols, ld: n, from: xs + first * plan.imageSize, plan.g, count: count, channels: inputsUsed)
                                w.sampledProduct(dyc, lddy: n, cols, ldb: n, width: n, rows: 0..<O, into: partial, accumulate: true)
                                guard wantX else { return }
                                // the column gradient reuses the column buffer (dx was zeroed); rows of
                                // unused channels are neither written nor read
                                let kk = plan.g.kernelH * plan.g.kernelW
                                for c in 0..<plan.g.channels where inputsUsed[c] {
                                    (cols + c * kk * n).update(repeating: 0, count: kk * n)
                                }
                                if let groups { w.transposedMultiplyAdd(dyc, lddy: n, width: n, into: cols, ldd: n, columnGroups: groups) }
                                Im2col.accumulate(cols, ld: n, into: dxs + first * plan.imageSize, plan.g, count: count,
                                                  channels: inputsUsed)
                            }
                        }
                    }
                }
            }
        }
        let lanes = plan.lanes
        weight.accumulateCompactGradient { g in
            guard let gs = g.baseAddress else { return }
            for e in 0..<nnz {
                var s = partialBase[e]
                for l in 1..<max(1, lanes) { s += partialBase[l * nnz + e] }
                gs[e] += s
            }
        }
        return wantX ? dx : Tensor<Scalar>(zeros: input.shape)
    }

    /// One image's direct sparse convolution of stride 1 on zero-padded planes: every kept weight
    /// adds w · in[c][t + shift] to out[o][t] over one contiguous run of `span` scalars, with no
    /// border logic (the padded width's extra output columns are dropped by `crop`). A plane's
    /// terms are summed tile by tile in registers, in entry order (`offsets` from `PaddedPlanes`).
    static func paddedForward(_ w: SparseMatrix<Scalar>, _ p: PaddedPlanes, offsets: [Int32], input x: UnsafePointer<Scalar>,
                              output y: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>?) {
        let (outPlane, span) = (p.outPlane, p.span)
        w.withStorage { rs, _, v in
            offsets.withUnsafeBufferPointer { off in
                for o in 0..<w.rows {
                    let first = Int(rs[o])
                    VectorOps.linearCombination(terms: Int(rs[o + 1]) - first, count: span, into: y + o * outPlane,
                                                accumulate: false, initial: bias?[o] ?? 0) { k in
                        (v[first + k], x + Int(off[first + k]))
                    }
                }
            }
        }
    }

    /// The backward of `paddedForward`: dW at each kept weight as one dot product over the span
    /// (dy's extra columns are zero, so they add nothing), and the padded input gradient plane by
    /// plane, dx[c][u] = Σ w · dy[o][u − shift] over input channel c's weights (`groups`), in the
    /// order a weight-by-weight scatter would add them; dy is in `PaddedPlanes`' guarded layout,
    /// whose zero bands make every shifted read of a whole plane land in it.
    static func paddedBackward(_ w: SparseMatrix<Scalar>, _ p: PaddedPlanes, offsets: [Int32], groups: EntryGroups?,
                               input x: UnsafePointer<Scalar>, dy: UnsafePointer<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>,
                               inputGrad dx: UnsafeMutablePointer<Scalar>?) {
        let (plane, span, stride, lead) = (p.plane, p.span, p.guardedStride, p.guardBand)
        w.withStorage { rs, _, v in
            offsets.withUnsafeBufferPointer { off in
                for o in 0..<w.rows {
                    let grad = dy + o * stride + lead
                    for e in Int(rs[o])..<Int(rs[o + 1]) {
                        weightGrad[e] += VectorOps.dot(grad, x + Int(off[e]), count: span)
                    }
                }
                guard let dx, let groups else { return }
                groups.starts.withUnsafeBufferPointer { starts in
                    groups.entries.withUnsafeBufferPointer { entries in
                        groups.rows.withUnsafeBufferPointer { rows in
                            for c in 0..<p.g.channels where starts[c + 1] > starts[c] {
                                let first = Int(starts[c])
                                VectorOps.linearCombination(terms: Int(starts[c + 1]) - first, count: plane, into: dx + c * plane,
                                                            accumulate: false) { k in
                                    let e = Int(entries[first + k])
                                    // dy[o][u − shift], shift = off[e] − c·plane
                                    return (v[e], dy + Int(rows[first + k]) * stride + lead - (Int(off[e]) - c * plane))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One image's direct sparse convolution: out[o] = b[o] + Σ over row o's kept weights of
    /// w · (input plane c shifted by the weight's offset).
    static func directForward(_ w: SparseMatrix<Scalar>, _ g: ConvGeometry, image x: UnsafePointer<Scalar>,
                              into y: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>?) {
        let (OH, OW, H, W, s, pad) = (g.outH, g.outW, g.height, g.width, g.stride, g.padding)
        w.withStorage { rs, ci, v in
            for o in 0..<w.rows {
                let out = y + o * OH * OW
                out.update(repeating: bias?[o] ?? 0, count: OH * OW)
                for e in Int(rs[o])..<Int(rs[o + 1]) {
                    let (c, ki, kj) = g.kernelPosition(Int(ci[e]))
                    let rows = g.valid(ki, extent: H, outputs: OH), cols = g.valid(kj, extent: W, outputs: OW)
                    guard !cols.isEmpty else { continue }
                    let value = v[e]
                    let plane = x + c * H * W
                    for oh in rows {
                        let src = plane + (oh * s + ki - pad) * W + kj - pad
                        let dst = out + oh * OW
                        if s == 1 {
                            VectorOps.axpy(value, src + cols.lowerBound, dst + cols.lowerBound, count: cols.count)
                        } else {
                            for ow in cols { dst[ow] += value * src[ow * s] }
                        }
                    }
                }
            }
        }
    }

    /// One image's direct sparse backward: adds dW at each kept weight (a dot product of dy's
    /// plane with the shifted input plane) into `weightGrad`, and w · dy into the shifted input
    /// gradient plane when `inputGrad` is given.
    static func directBackward(_ w: SparseMatrix<Scalar>, _ g: ConvGeometry, image x: UnsafePointer<Scalar>,
                               dy: UnsafePointer<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>,
                               inputGrad dx: UnsafeMutablePointer<Scalar>?) {
        let (OH, OW, H, W, s, pad) = (g.outH, g.outW, g.height, g.width, g.stride, g.padding)
        w.withStorage { rs, ci, v in
            for o in 0..<w.rows {
                let grad = dy + o * OH * OW
                for e in Int(rs[o])..<Int(rs[o + 1]) {
                    let (c, ki, kj) = g.kernelPosition(Int(ci[e]))
                    let rows = g.valid(ki, extent: H, outputs: OH), cols = g.valid(kj, extent: W, outputs: OW)
                    guard !cols.isEmpty else { continue }
                    let value = v[e]
                    let offset = c * H * W
                    var sum: Scalar = 0
                    for oh in rows {
                        let at = offset + (oh * s + ki - pad) * W + kj - pad
                        let d = grad + oh * OW
                        if s == 1 {
                            sum += VectorOps.dot(d + cols.lowerBound, x + at + cols.lowerBound, count: cols.count)
                            if let dx { VectorOps.axpy(value, d + cols.lowerBound, dx + at + cols.lowerBound, count: cols.count) }
                        } else {
                            for ow in cols { sum += d[ow] * x[at + ow * s] }
                            if let dx { for ow in cols { dx[at + ow * s] += value * d[ow] } }
                        }
                    }
                    weightGrad[e] += sum
                }
            }
        }
    }
}

/// The layout of a stride-1 convolution on zero-padded planes: the input planes padded to
/// Hp × Wp, the output planes `outH` rows of the padded width Wp (the last kw − 1 columns of each
/// row are not outputs). Output position (r, c) reads input (r + i, c + j) for weight offset
/// (i, j): flat offset i·Wp + j, the same for every position, so each kept weight is one run.
struct PaddedPlanes {
    let g: ConvGeometry
    let outChannels: Int
    let paddedHeight, paddedWidth: Int

    /// Nil unless the convolution has stride 1.
    init?(_ g: ConvGeometry, outChannels: Int) {
        guard g.stride == 1, g.outH > 0, g.outW > 0 else { return nil }
        self.g = g
        self.outChannels = outChannels
        paddedHeight = g.height + 2 * g.padding
        paddedWidth = g.width + 2 * g.padding
    }

    var plane: Int { paddedHeight * paddedWidth }
    var outPlane: Int { g.outH * paddedWidth }
    /// From the first output position to the last, in the padded layout.
    var span: Int { (g.outH - 1) * paddedWidth + g.outW }
    var inputCount: Int { g.channels * plane }
    var outputCount: Int { outChannels * outPlane }

    /// Each kept weight's flat offset into one image's padded input, c·plane + i·Wp + j.
    func offsets<Scalar>(of w: SparseMatrix<Scalar>) -> [Int32] {
        w.columnIndex.map { col in
            let (c, i, j) = g.kernelPosition(Int(col))
            return Int32(c * plane + i * paddedWidth + j)
        }
    }

    /// Zeros before each output-gradient plane in the guarded layout: the largest shift.
    var guardBand: Int { (g.kernelH - 1) * paddedWidth + g.kernelW - 1 }
    /// Distance between output-gradient planes in the guarded layout: the band, then the plane
    /// (`outPlane` scalars, the rest of a full input plane zero), so that reading a whole input
    /// plane's worth at any shift back from the plane's start stays inside it.
    var guardedStride: Int { guardBand + max(plane, outPlane) }
    var guardedGradientCount: Int { outChannels * guardedStride }

    /// `[O, outH, outW]` gradients into guarded padded-width planes, everything else zero, for
    /// the channels marked in `channels` (the other planes are left as they are: nothing reads them).
    func widenGuarded<Scalar: TensorScalar>(_ dy: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>, channels: [Bool]) {
        let (oh, ow, wp, lead, stride) = (g.outH, g.outW, paddedWidth, guardBand, guardedStride)
        for o in 0..<outChannels where channels[o] {
            let planeStart = dst + o * stride
            planeStart.update(repeating: 0, count: lead)
            for r in 0..<oh {
                let row = planeStart + lead + r * wp
                VectorOps.copy(dy + (o * oh + r) * ow, row, count: ow)
                for t in ow..<wp { row[t] = 0 }
            }
            (planeStart + lead + outPlane).update(repeating: 0, count: stride - lead - outPlane)
        }
    }

    /// Copies one image's `[C, H, W]` planes into the padded layout (zero border), the channels
    /// marked in `channels` only.
    func pad<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>, channels: [Bool]) {
        let (H, W, pad, wp) = (g.height, g.width, g.padding, paddedWidth)
        for c in 0..<g.channels where channels[c] {
            let out = dst + c * plane
            if pad > 0 {
                out.update(repeating: 0, count: pad * wp)
                (out + (pad + H) * wp).update(repeating: 0, count: pad * wp)
            }
            for r in 0..<H {
                let row = out + (pad + r) * wp
                for t in 0..<pad { row[t] = 0; row[pad + W + t] = 0 }
                VectorOps.copy(x + (c * H + r) * W, row + pad, count: W)
            }
        }
    }

    /// Copies the output positions of padded-width planes into `[O, outH, outW]`.
    func crop<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, channels: Int) {
        let (oh, ow, wp) = (g.outH, g.outW, paddedWidth)
        for o in 0..<channels {
            for r in 0..<oh { VectorOps.copy(src + o * outPlane + r * wp, y + (o * oh + r) * ow, count: ow) }
        }
    }

    /// The interior of padded input-gradient planes into `[C, H, W]`, for the channels marked in
    /// `channels` (the others are left as they are).
    func cropInput<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, channels: [Bool]) {
        let (H, W, pad, wp) = (g.height, g.width, g.padding, paddedWidth)
        for c in 0..<g.channels where channels[c] {
            for r in 0..<H { VectorOps.copy(src + c * plane + (pad + r) * wp + pad, dx + (c * H + r) * W, count: W) }
        }
    }
}
