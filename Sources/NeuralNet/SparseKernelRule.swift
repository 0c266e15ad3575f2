/// How a masked layer computes under `KernelChoice.auto`: a rule of its shape and density alone,
/// with constants read off `prunebook bench --layers` (forward + backward of single layers per
/// path, batch 128, two cores; the table is in the #22 note), never timed at run time, so the
/// same network always takes the same path and gives the same bits.
public enum SparseKernelRule {
    /// Multiply-adds per task below which a sparse product stays on one thread (dispatching a
    /// task costs about as much as 2¹⁸ of them here).
    public static let taskGrain = 1 << 20

    /// Whether a linear layer computes sparsely: below 3% density on layers of at least 2¹⁴
    /// weights (784→300 breaks even near 3%, 4096→256 near 2%; 512→10 never gains).
    public static func linearIsSparse(density: Double, weights: Int) -> Bool {
        density <= 0.05
    }

    /// The path of a convolution with this density, output positions per plane, input channels
    /// and stride. Measured crossovers with the dense path: about 10% density on planes of 16×16
    /// and more (20% for 16 channels at 32×32), about 5% on smaller planes. Direct convolution
    /// wins on large planes and at the lowest densities; im2col + sparse product on small planes
    /// with many channels, where a kept weight's runs are too short to pay for their loop.
    public static func convPath(density: Double, positions: Int, inChannels: Int, stride: Int) -> ConvKernelPath {
        guard density <= (positions >= 256 ? 0.1 : 0.05) else { return .dense }
        if stride != 1 { return density <= 0.02 ? .direct : .columns }
        if positions >= 1024 { return .direct }
        if positions >= 256 { return density <= 0.02 || inChannels <= 64 ? .direct : .columns }
        if positions >= 64 { return (density <= 0.02 && inChannels <= 64) || density <= 0.005 ? .direct : .columns }
        return .columns
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
