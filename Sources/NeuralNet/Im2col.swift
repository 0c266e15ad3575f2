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

/// im2col / col2im for a chunk of images. The column matrix is `[patch, images · positions]`:
/// row (c, ki, kj), column (image, oh, ow), so one GEMM covers the whole chunk.
enum Im2col {
    /// Fills `cols` from images `first..<first+count` of `x` (NCHW).
    static func fill(_ cols: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>,
                     _ g: ConvGeometry, first: Int, count: Int) {
        let (oh, ow, P) = (g.outH, g.outW, g.positions)
        let ld = count * P
        let rows = g.patch
        let imageSize = g.channels * g.height * g.width
        nonisolated(unsafe) let (dst, src) = (cols, x)
        Parallel.forRanges(rows * count, grain: 4) { range in
            for job in range {
                let r = job / count, j = job % count
                let c = r / (g.kernelH * g.kernelW)
                let ki = (r / g.kernelW) % g.kernelH
                let kj = r % g.kernelW
                let plane = src + (first + j) * imageSize + c * g.height * g.width
                let out = dst + r * ld + j * P
                for y in 0..<oh {
                    let iy = y * g.stride - g.padding + ki
                    let row = out + y * ow
                    if iy < 0 || iy >= g.height {
                        row.update(repeating: 0, count: ow)
                        continue
                    }
                    let line = plane + iy * g.width
                    if g.stride == 1 {
                        // contiguous run: copy the in-bounds part, zero the padding on both sides
                        let lo = min(ow, max(0, g.padding - kj))
                        let hi = max(lo, min(ow, g.width + g.padding - kj))
                        if lo > 0 { row.update(repeating: 0, count: lo) }
                        if hi > lo { (row + lo).update(from: line + (lo - g.padding + kj), count: hi - lo) }
                        if hi < ow { (row + hi).update(repeating: 0, count: ow - hi) }
                    } else {
                        for xo in 0..<ow {
                            let ix = xo * g.stride - g.padding + kj
                            row[xo] = (ix >= 0 && ix < g.width) ? line[ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// Adds the column-matrix gradient back into images `first..<first+count` of `dx` (NCHW).
    static func accumulate(_ cols: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                           _ g: ConvGeometry, first: Int, count: Int) {
        let (oh, ow, P) = (g.outH, g.outW, g.positions)
        let ld = count * P
        let kk = g.kernelH * g.kernelW
        let imageSize = g.channels * g.height * g.width
        nonisolated(unsafe) let (src, dst) = (cols, dx)
        // each job owns one (image, channel) plane, so writes never collide
        Parallel.forRanges(count * g.channels, grain: 2) { range in
            for job in range {
                let j = job / g.channels, c = job % g.channels
                let plane = dst + (first + j) * imageSize + c * g.height * g.width
                for k in 0..<kk {
                    let ki = k / g.kernelW, kj = k % g.kernelW
                    let row = src + (c * kk + k) * ld + j * P
                    for y in 0..<oh {
                        let iy = y * g.stride - g.padding + ki
                        if iy < 0 || iy >= g.height { continue }
                        let line = plane + iy * g.width
                        let r = row + y * ow
                        for xo in 0..<ow {
                            let ix = xo * g.stride - g.padding + kj
                            if ix >= 0 && ix < g.width { line[ix] += r[xo] }
                        }
                    }
                }
            }
        }
    }
}
