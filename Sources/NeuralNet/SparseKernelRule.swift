/// How a masked layer computes under `KernelChoice.auto`: a rule of its shape and density alone,
/// with constants set from `prunebook bench --densities` on this project's machines, never timed
/// at run time, so the same network always takes the same path (and gives the same bits).
public enum SparseKernelRule {
    /// A linear layer goes sparse at or below this density.
    public static let linearDensity = 0.2
    /// A convolution goes sparse at or below this density.
    public static let convDensity = 0.2
    /// A sparse convolution runs directly (no column matrix) when its output planes have at least
    /// this many positions; on smaller planes the per-row overhead loses to im2col + sparse product.
    public static let directMinPositions = 64

    /// Multiply-adds per task below which a sparse product stays on one thread (dispatching a
    /// task costs about as much as 2¹⁸ of them here).
    public static let taskGrain = 1 << 18

    /// Whether a linear layer of this density computes sparsely.
    public static func linearIsSparse(density: Double) -> Bool { density <= linearDensity }

    /// The path of a convolution with this density and output positions per plane.
    public static func convPath(density: Double, positions: Int) -> ConvKernelPath {
        guard density <= convDensity else { return .dense }
        return positions >= directMinPositions ? .direct : .columns
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
