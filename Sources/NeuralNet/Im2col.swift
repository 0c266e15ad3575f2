import Tensor

/// Shape arithmetic of a 2-D convolution or pooling window over one image.
public struct ConvGeometry: Sendable, Equatable {
    public let channels, height, width: Int
    public let kernelH, kernelW: Int
    public let stride, padding: Int

    public var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    public var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }
    /// Rows of the column matrix: C·kh·kw.
    public var patch: Int { channels * kernelH * kernelW }
    /// Output positions per image: outH·outW.
    public var positions: Int { outH * outW }
    public var fits: Bool { height + 2 * padding >= kernelH && width + 2 * padding >= kernelW }
}

extension ConvGeometry {
    /// The input channel and kernel offset (row i, column j) of column `k` of a convolution's
    /// `[out, in·kh·kw]` weight matrix (PyTorch's OIHW order).
    @inline(__always)
    func kernelPosition(_ k: Int) -> (channel: Int, i: Int, j: Int) {
        let kk = kernelH * kernelW
        let q = k % kk
        return (k / kk, q / kernelW, q % kernelW)
    }

    /// Output indices `o` whose input index `o·stride − padding + k` lies in `0..<extent`, for
    /// kernel offset `k`: the part of a row (or column) that reads real pixels, not padding.
    @inline(__always)
    func valid(_ k: Int, extent: Int, outputs: Int) -> Range<Int> {
        let first = padding - k
        let lo = first > 0 ? min(outputs, (first + stride - 1) / stride) : 0
        let last = extent - 1 + padding - k
        let hi = last >= 0 ? min(outputs, last / stride + 1) : 0
        return lo..<max(lo, hi)
    }
}

/// im2col / col2im for a chunk of images, on the calling thread (callers parallelise over
/// images). The column matrix is `[patch, images · positions]` with row stride `ld`:
/// row (c, ki, kj), column (image, oh, ow), so one GEMM covers the whole chunk.
/// Inner loops are contiguous runs with the padding ranges computed up front, so they vectorise.
/// Generic over the scalar, as the layers are (specialized per type).
enum Im2col {
    /// Fills `cols` from `count` consecutive images starting at `x` (NCHW): the rows of the
    /// channels marked in `channels` only, when given (a sparse product reads no other row).
    static func fill<Scalar: BinaryFloatingPoint>(_ cols: UnsafeMutablePointer<Scalar>, ld: Int, from x: UnsafePointer<Scalar>,
                                                  _ g: ConvGeometry, count: Int, channels: [Bool]? = nil) {
        let (oh, ow, P, s) = (g.outH, g.outW, g.positions, g.stride)
        let (H, W, kh, kw) = (g.height, g.width, g.kernelH, g.kernelW)
        // "Same" stride-1 convolution: each row of the column matrix is the image plane shifted
        // by a constant, so copy it in one run and zero the few entries that wrapped around.
        let shifted = s == 1 && ow == W && oh == H
        for j in 0..<count {
            for c in 0..<g.channels where channels?[c] ?? true {
                let plane = x + (j * g.channels + c) * H * W
                if shifted {
                    for ki in 0..<kh {
                        let rows = g.valid(ki, extent: H, outputs: oh)
                        for kj in 0..<kw {
                            let cols_ = g.valid(kj, extent: W, outputs: ow)
                            let out = cols + ((c * kh + ki) * kw + kj) * ld + j * P
                            guard !rows.isEmpty && !cols_.isEmpty else { out.update(repeating: 0, count: P); continue }
                            let shift = (ki - g.padding) * W + kj - g.padding
                            let lo = rows.lowerBound * W + cols_.lowerBound
                            let hi = (rows.upperBound - 1) * W + cols_.upperBound
                            out.update(repeating: 0, count: lo)
                            let src = plane + shift
                            for t in lo..<hi { out[t] = src[t] }
                            (out + hi).update(repeating: 0, count: P - hi)
                            // wrapped-around entries, column by column (a per-row loop of one or two
                            // elements would become a memset call per row)
                            for t in 0..<cols_.lowerBound { for y in rows { out[y * ow + t] = 0 } }
                            for t in cols_.upperBound..<ow { for y in rows { out[y * ow + t] = 0 } }
                        }
                    }
                    continue
                }
                for ki in 0..<kh {
                    let rows = g.valid(ki, extent: H, outputs: oh)
                    for kj in 0..<kw {
                        let cols_ = g.valid(kj, extent: W, outputs: ow)
                        let out = cols + ((c * kh + ki) * kw + kj) * ld + j * P
                        if rows.lowerBound > 0 { out.update(repeating: 0, count: rows.lowerBound * ow) }
                        if rows.upperBound < oh {
                            (out + rows.upperBound * ow).update(repeating: 0, count: (oh - rows.upperBound) * ow)
                        }
                        for y in rows {
                            let row = out + y * ow
                            let line = plane + (y * s - g.padding + ki) * W + kj - g.padding
                            for t in 0..<cols_.lowerBound { row[t] = 0 }
                            if s == 1 {
                                for t in cols_ { row[t] = line[t] }
                            } else {
                                for t in cols_ { row[t] = line[t * s] }
                            }
                            for t in cols_.upperBound..<ow { row[t] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Adds the column-matrix gradient into `count` consecutive images starting at `dx` (NCHW),
    /// from the rows of the channels marked in `channels` only, when given (the others are zero).
    static func accumulate<Scalar: BinaryFloatingPoint>(_ cols: UnsafePointer<Scalar>, ld: Int, into dx: UnsafeMutablePointer<Scalar>,
                                                        _ g: ConvGeometry, count: Int, channels: [Bool]? = nil) {
        let (oh, ow, P, s) = (g.outH, g.outW, g.positions, g.stride)
        let (H, W, kh, kw) = (g.height, g.width, g.kernelH, g.kernelW)
        for j in 0..<count {
            for c in 0..<g.channels where channels?[c] ?? true {
                // one plane at a time stays in L1 while all kh·kw rows add into it
                let plane = dx + (j * g.channels + c) * H * W
                for ki in 0..<kh {
                    let rows = g.valid(ki, extent: H, outputs: oh)
                    for kj in 0..<kw {
                        let cols_ = g.valid(kj, extent: W, outputs: ow)
                        let src = cols + ((c * kh + ki) * kw + kj) * ld + j * P
                        for y in rows {
                            let row = src + y * ow
                            let line = plane + (y * s - g.padding + ki) * W + kj - g.padding
                            if s == 1 {
                                for t in cols_ { line[t] += row[t] }
                            } else {
                                for t in cols_ { line[t * s] += row[t] }
                            }
                        }
                    }
                }
            }
        }
    }
}
