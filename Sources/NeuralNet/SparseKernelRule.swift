/// How a masked layer computes under `KernelChoice.auto`: a rule of its shape and density alone,
/// with constants read off `prunebook bench --layers` (forward + backward of single layers per
/// path, batch 128, two cores; the table is in the #22 note), never timed at run time, so the
/// same network always takes the same path and gives the same bits.
public enum SparseKernelRule {
    /// Multiply-adds per task below which a sparse product stays on one thread (dispatching a
    /// task costs about as much as 2¹⁸ of them here).
    public static let taskGrain = 1 << 20

    /// Whether a linear layer computes sparsely: at 8% density and below, 3% on layers of 2²⁰
    /// weights or more (784→300 and 300→100 break even near 10%, 4096→256 near 5%).
    public static func linearIsSparse(density: Double, weights: Int) -> Bool {
        density <= (weights >= 1 << 20 ? 0.03 : 0.08)
    }

    /// The path of a convolution with this density, output positions per plane, input channels
    /// and stride. Measured crossovers with the dense path (`bench --layers`, the table in the #22
    /// note). Where the dense path is the direct tiles (8–64 input and at most 64 output channels
    /// on planes of 8×8 and more, `DenseConvAlgorithm`), which run 1.2–1.8× faster than im2col +
    /// GEMM, sparse pays from lower densities: direct convolution from 20% (16 channels at 32×32),
    /// 15% (64 at 32×32), 7% (32 at 16×16) or 3% (64 at 8×8), im2col + sparse product from 10%
    /// on 8×8. Against im2col + GEMM: direct convolution on planes of 16×16 and more with up to
    /// 64 channels from 20–40% density; im2col + sparse product on smaller planes or more
    /// channels from 10–20% (direct again below 2–5% where channels are few); an image's first
    /// layer (3 channels, no input gradient) from 25%, or 50% with 64 outputs, where the dense
    /// GEMM's depth of 27 runs far below peak. Strided layers: direct convolution on the stride's
    /// phase planes from 20% on outputs of 8×8 and more with up to 64 input channels (16→32 on
    /// 32×32, stride 2, breaks even near 35%), im2col + sparse product otherwise.
    public static func convPath(density: Double, positions: Int, inChannels: Int, outChannels: Int, stride: Int) -> ConvKernelPath {
        if inChannels <= 4 { return density <= (outChannels >= 64 ? 0.5 : 0.25) ? .columns : .dense }
        if stride != 1 {
            // direct runs over the stride's phase planes: from 20% on outputs of 8×8 and more with
            // up to 64 input channels; im2col + sparse product on smaller planes or more channels
            if positions >= 64 && inChannels <= 64 { return density <= 0.2 ? .direct : .dense }
            return density <= 0.2 ? .columns : .dense
        }
        if DenseConvAlgorithm.tilesFitRegisters && DenseConvAlgorithm.tileShape(inChannels: inChannels, outChannels: outChannels)
            && positions >= 64 {
            if positions >= 1024 { return density <= (inChannels <= 16 ? 0.2 : 0.15) ? .direct : .dense }
            if positions >= 256 && inChannels <= 32 { return density <= 0.07 ? .direct : .dense }
            return density <= 0.03 ? .direct : density <= 0.1 ? .columns : .dense
        }
        if positions >= 1024 && inChannels <= 64 { return density <= (inChannels <= 16 ? 0.4 : 0.2) ? .direct : .dense }
        if positions >= 256 && inChannels <= 32 { return density <= 0.2 ? .direct : .dense }
        if positions >= 64 && inChannels <= 128 && density <= (inChannels <= 64 ? 0.05 : 0.02) { return .direct }
        return density <= (positions >= 64 && inChannels <= 128 ? 0.2 : 0.1) ? .columns : .dense
    }
}

/// The ways a convolution can compute.
public enum ConvKernelPath: String, CaseIterable, Sendable {
    /// im2col + dense GEMM.
    case dense
    /// im2col + sparse × dense product (and its transpose, col2im, for the input gradient).
    case columns
    /// Direct sparse convolution (Park et al., ICLR 2017): each kept weight adds a shifted input
    /// plane into its output plane; no column matrix.
    case direct
}
