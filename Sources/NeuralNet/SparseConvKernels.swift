import Tensor

/// The sparse paths of a convolution (see `ConvKernelPath`), over the kept weights only:
///
/// - `.columns`: the dense path's chunks of im2col columns, multiplied by the sparse weights
///   (`SparseMatrix.multiply`); backward the sampled weight gradient and Wᵀ·dY + col2im.
/// - `.direct`: no column matrix. Each kept weight w[o, c, i, j] adds w · (input plane c shifted by
///   (i, j)) into output plane o, as one contiguous run over zero-padded planes (split into phases
///   for strides above 1, `PaddedPlanes`); backward the same runs give dW[o, c, i, j] as dot
///   products and w · dy shifted back into the input gradient.
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
            // the padded layout needs a kernel that fits the input; im2col zero-fills any other case
            if path == .direct && PaddedPlanes(g, outChannels: outChannels) == nil { path = .columns }
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
        // only the input planes (phases) some kept weight reads are copied into the padded layout
        let phasesUsed = padded?.usedPhases(of: w) ?? []
        // the columns path's im2col rows of the channels some kept weight reads
        let inputsUsed = padded == nil ? w.usedColumnGroups(size: plan.g.kernelH * plan.g.kernelW) : []
        x.withUnsafePointer { xp in
            y.withUnsafeMutablePointer { yp in
                withOptionalPointer(bias) { bp in
                    nonisolated(unsafe) let (xs, ys, bs) = (xp, yp, bp)
                    let biasValues = bias?.scalars
                    Parallel.forEach(plan.lanes) { lane in
                        if path == .direct {
                            guard let padded else { return }  // `sparsePlan` chose direct: the layout exists
                            Scratch.with([padded.inputCount, padded.outputCount], of: Scalar.self) { buffers in
                                for j in plan.images(of: lane) {
                                    padded.pad(xs + j * plan.imageSize, into: buffers[0], used: phasesUsed)
                                    Conv2d.paddedForward(w, padded, offsets: offsets, input: buffers[0], output: buffers[1], bias: bs)
                                    padded.crop(buffers[1], into: ys + j * O * P, channels: O)
                                }
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
        // input-gradient terms grouped by the phase plane they read (direct) or by column
        let groups = wantX ? (padded.map { $0.phaseGroups(of: w) } ?? w.entryGroups(size: 1)) : nil
        // planes no kept weight touches are neither copied nor computed (their dx stays zero)
        let phasesUsed = padded?.usedPhases(of: w) ?? []
        // the columns path's im2col rows of the channels some kept weight reads
        let inputsUsed = padded == nil ? w.usedColumnGroups(size: plan.g.kernelH * plan.g.kernelW) : []
        let outputsUsed = (0..<O).map { w.rowStart[$0 + 1] > w.rowStart[$0] }
        input.withUnsafePointer { xp in
            dy.withUnsafePointer { dyp in
                dx.withUnsafeMutablePointer { dxp in
                    nonisolated(unsafe) let (xs, dys, dxs, parts) = (xp, dyp, dxp, partialBase)
                    Parallel.forEach(plan.lanes) { lane in
                        let partial = parts + lane * nnz
                        partial.update(repeating: 0, count: nnz)
                        if path == .direct {
                            guard let padded else { return }
                            let counts = [padded.inputCount, padded.guardedGradientCount] + (wantX ? [padded.inputCount] : [])
                            Scratch.with(counts, of: Scalar.self) { buffers in
                                for j in plan.images(of: lane) {
                                    padded.pad(xs + j * plan.imageSize, into: buffers[0], used: phasesUsed)
                                    padded.widenGuarded(dys + j * O * P, into: buffers[1], channels: outputsUsed)
                                    Conv2d.paddedBackward(w, padded, offsets: offsets, groups: groups, input: buffers[0],
                                                          dy: buffers[1], weightGrad: partial, inputGrad: wantX ? buffers[2] : nil)
                                    if wantX { padded.cropInput(buffers[2], into: dxs + j * plan.imageSize, used: phasesUsed) }
                                }
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

    /// One image's direct sparse convolution on zero-padded (phase) planes: every kept weight
    /// adds w · in[t + offset] to out[o][t] over one contiguous run of `span` scalars, with no
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
    /// (dy's extra columns are zero, so they add nothing), and the padded input gradient phase
    /// plane by phase plane, dx[q][u] = Σ w · dy[o][u − shift] over the weights that read phase
    /// plane q (`groups`, `PaddedPlanes.phaseGroups`; q is the input channel for stride 1), in the
    /// order a weight-by-weight scatter would add them; dy is in `PaddedPlanes`' guarded layout,
    /// whose zero bands make every shifted read of a whole phase plane land in it.
    static func paddedBackward(_ w: SparseMatrix<Scalar>, _ p: PaddedPlanes, offsets: [Int32], groups: EntryGroups?,
                               input x: UnsafePointer<Scalar>, dy: UnsafePointer<Scalar>, weightGrad: UnsafeMutablePointer<Scalar>,
                               inputGrad dx: UnsafeMutablePointer<Scalar>?) {
        let (phasePlane, span, stride, lead) = (p.phasePlane, p.span, p.guardedStride, p.guardBand)
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
                            for q in 0..<(starts.count - 1) where starts[q + 1] > starts[q] {
                                let first = Int(starts[q])
                                VectorOps.linearCombination(terms: Int(starts[q + 1]) - first, count: phasePlane,
                                                            into: dx + q * phasePlane, accumulate: false) { k in
                                    let e = Int(entries[first + k])
                                    // dy[o][u − shift], shift = off[e] − q·phasePlane, the offset within the phase
                                    return (v[e], dy + Int(rows[first + k]) * stride + lead - (Int(off[e]) - q * phasePlane))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The layout of a convolution on zero-padded planes, in which every kept weight is one
/// contiguous run. For stride 1: the input planes padded to Hp × Wp, the output planes `outH`
/// rows of the padded width Wp (the last kw − 1 columns of each row are not outputs); output
/// position (r, c) reads input (r + i, c + j) for weight offset (i, j): flat offset i·Wp + j, the
/// same for every position. For stride s, each padded input plane is split into its s² phases
/// (the rows ≡ a and columns ≡ b mod s, each a ⌈Hp/s⌉ × ⌈Wp/s⌉ plane, Wq wide): output (r, c)
/// reads padded input (r·s + i, c·s + j), which is phase (i mod s, j mod s) at (r + i÷s, c + j÷s),
/// so a strided convolution is stride-1 runs over the phases, and the output rows are Wq wide.
struct PaddedPlanes {
    let g: ConvGeometry
    let outChannels: Int
    /// Rows and columns of one phase plane (the padded plane itself for stride 1).
    let phaseHeight, phaseWidth: Int

    /// Nil when the convolution has no output or its kernel does not fit the padded input
    /// (whose output count a strided layer's arithmetic would round up to one).
    init?(_ g: ConvGeometry, outChannels: Int) {
        guard g.stride >= 1, g.fits, g.outH > 0, g.outW > 0 else { return nil }
        self.g = g
        self.outChannels = outChannels
        let s = g.stride
        phaseHeight = (g.height + 2 * g.padding + s - 1) / s
        phaseWidth = (g.width + 2 * g.padding + s - 1) / s
    }

    /// Phases per input plane: stride².
    var phases: Int { g.stride * g.stride }
    var phasePlane: Int { phaseHeight * phaseWidth }
    /// One input channel's scalars: its phases one after the other.
    var plane: Int { phases * phasePlane }
    var outPlane: Int { g.outH * phaseWidth }
    /// From the first output position to the last, in the padded layout.
    var span: Int { (g.outH - 1) * phaseWidth + g.outW }
    var inputCount: Int { g.channels * plane }
    var outputCount: Int { outChannels * outPlane }

    /// The phase plane (channel · phases + phase) a weight column (c, i, j) reads.
    func phaseGroup(ofColumn col: Int32) -> Int {
        let (c, i, j) = g.kernelPosition(Int(col))
        return c * phases + (i % g.stride) * g.stride + j % g.stride
    }

    /// Each kept weight's flat offset into one image's padded input: its phase plane's start plus
    /// (i÷s)·Wq + j÷s.
    func offsets<Scalar>(of w: SparseMatrix<Scalar>) -> [Int32] {
        w.columnIndex.map { col in
            let (_, i, j) = g.kernelPosition(Int(col))
            return Int32(phaseGroup(ofColumn: col) * phasePlane + (i / g.stride) * phaseWidth + j / g.stride)
        }
    }

    /// The kept weights grouped by the phase plane they read (by input channel for stride 1).
    func phaseGroups<Scalar>(of w: SparseMatrix<Scalar>) -> EntryGroups {
        w.entryGroups(count: g.channels * phases) { phaseGroup(ofColumn: $0) }
    }

    /// Whether some kept weight reads each phase plane (each input plane for stride 1).
    func usedPhases<Scalar>(of w: SparseMatrix<Scalar>) -> [Bool] {
        var used = [Bool](repeating: false, count: g.channels * phases)
        for col in w.columnIndex { used[phaseGroup(ofColumn: col)] = true }
        return used
    }

    /// Zeros before each output-gradient plane in the guarded layout: the largest shift within
    /// a phase.
    var guardBand: Int { ((g.kernelH - 1) / g.stride) * phaseWidth + (g.kernelW - 1) / g.stride }
    /// Distance between output-gradient planes in the guarded layout: the band, then the plane
    /// (`outPlane` scalars, the rest of a full phase plane zero), so that reading a whole phase
    /// plane's worth at any shift back from the plane's start stays inside it.
    var guardedStride: Int { guardBand + max(phasePlane, outPlane) }
    var guardedGradientCount: Int { outChannels * guardedStride }

    /// `[O, outH, outW]` gradients into guarded padded-width planes, everything else zero, for
    /// the channels marked in `channels` (the other planes are left as they are: nothing reads them).
    func widenGuarded<Scalar: TensorScalar>(_ dy: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>, channels: [Bool]) {
        let (oh, ow, wq, lead, stride) = (g.outH, g.outW, phaseWidth, guardBand, guardedStride)
        for o in 0..<outChannels where channels[o] {
            let planeStart = dst + o * stride
            planeStart.update(repeating: 0, count: lead)
            for r in 0..<oh {
                let row = planeStart + lead + r * wq
                VectorOps.copy(dy + (o * oh + r) * ow, row, count: ow)
                for t in ow..<wq { row[t] = 0 }
            }
            (planeStart + lead + outPlane).update(repeating: 0, count: stride - lead - outPlane)
        }
    }

    /// Copies one image's `[C, H, W]` planes into the padded layout (zero border), the phase
    /// planes marked in `used` only (`usedPhases`).
    func pad<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, into dst: UnsafeMutablePointer<Scalar>, used: [Bool]) {
        let (H, W, pad, s) = (g.height, g.width, g.padding, g.stride)
        let (hq, wq) = (phaseHeight, phaseWidth)
        for q in 0..<used.count where used[q] {
            let (c, a, b) = (q / phases, (q % phases) / s, q % s)
            let out = dst + q * phasePlane
            let image = x + c * H * W
            if s == 1 {
                // the padded plane: a zero band, rows framed by zeros, a zero band
                if pad > 0 {
                    out.update(repeating: 0, count: pad * wq)
                    (out + (pad + H) * wq).update(repeating: 0, count: (hq - pad - H) * wq)
                }
                for r in 0..<H {
                    let row = out + (pad + r) * wq
                    for t in 0..<pad { row[t] = 0 }
                    for t in (pad + W)..<wq { row[t] = 0 }
                    VectorOps.copy(image + r * W, row + pad, count: W)
                }
                continue
            }
            // phase (a, b): padded row y = ly·s + a, column x = lx·s + b
            let firstColumn = (pad - b + s - 1) / s  // first lx with x ≥ pad
            let endColumn = min(wq, (pad + W - b + s - 1) / s)  // first lx with x ≥ pad + W
            for ly in 0..<hq {
                let row = out + ly * wq
                let y = ly * s + a - pad
                guard y >= 0 && y < H && firstColumn < endColumn else { row.update(repeating: 0, count: wq); continue }
                let line = image + y * W + firstColumn * s + b - pad
                for lx in 0..<firstColumn { row[lx] = 0 }
                for lx in firstColumn..<endColumn { row[lx] = line[(lx - firstColumn) * s] }
                for lx in endColumn..<wq { row[lx] = 0 }
            }
        }
    }

    /// Copies the output positions of padded-width planes into `[O, outH, outW]`.
    func crop<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, channels: Int) {
        let (oh, ow, wq) = (g.outH, g.outW, phaseWidth)
        for o in 0..<channels {
            for r in 0..<oh { VectorOps.copy(src + o * outPlane + r * wq, y + (o * oh + r) * ow, count: ow) }
        }
    }

    /// The interior of padded input-gradient phase planes into `[C, H, W]`, for the phase planes
    /// marked in `used` (the other positions of `dx` are left as they are: zero).
    func cropInput<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, used: [Bool]) {
        let (H, W, pad, s, wq) = (g.height, g.width, g.padding, g.stride, phaseWidth)
        for q in 0..<used.count where used[q] {
            let (c, a, b) = (q / phases, (q % phases) / s, q % s)
            let phase = src + q * phasePlane
            let image = dx + c * H * W
            if s == 1 {
                for r in 0..<H { VectorOps.copy(phase + (pad + r) * wq + pad, image + r * W, count: W) }
                continue
            }
            let firstColumn = (pad - b + s - 1) / s
            let endColumn = min(wq, (pad + W - b + s - 1) / s)
            guard firstColumn < endColumn else { continue }
            for ly in 0..<phaseHeight {
                let y = ly * s + a - pad
                guard y >= 0 && y < H else { continue }
                let line = image + y * W + firstColumn * s + b - pad
                let row = phase + ly * wq
                for lx in firstColumn..<endColumn { line[(lx - firstColumn) * s] = row[lx] }
            }
        }
    }
}
