import Tensor

/// How a convolution computes densely (unmasked, or masked under `KernelChoice.dense`).
public enum DenseConvAlgorithm: String, CaseIterable, Sendable {
    /// im2col + GEMM (OpenBLAS): any shape.
    case gemm
    /// Direct convolution in register tiles on zero-padded planes (`StackedPlanes`): 3×3,
    /// stride 1, padding 1 only; elsewhere a request for it computes by `gemm`.
    case direct

    /// The rule, from `prunebook bench --layers` (forward and both gradients, batch 128, two
    /// cores; the #22 note's table): direct where it applies, in float32, with 8 to 64 input and
    /// at most 64 output channels on planes of 8×8 and more: 1.2–1.8× faster than im2col + GEMM
    /// there (16→16 at 32×32: 9.7 against 17.1 ms). GEMM elsewhere: on an image's first layer
    /// (a depth of 27 leaves the tiles mostly idle), with 128 channels and more (OpenBLAS runs
    /// near peak on depths of 1152 and more, the tiles about 25% below), on smaller planes (most of
    /// a 4×4 plane's padded grid is border) and in float64 (24 vectors of 16 doubles do not fit
    /// in the registers).
    /// Only on builds for AVX-512 (Package.swift's `engineCodegen`): a forward tile holds 24
    /// vectors of 16 floats, which AVX2's 16 registers of 8 would spill.
    static func chosen<Scalar: TensorScalar>(for g: ConvGeometry, outChannels: Int, scalar: Scalar.Type) -> DenseConvAlgorithm {
        let fits = StackedPlanes.fits(g) && MemoryLayout<Scalar>.size == 4 && g.height * g.width >= 64
        return tilesFitRegisters && fits && tileShape(inChannels: g.channels, outChannels: outChannels) ? .direct : .gemm
    }

    /// The channel counts the tiles beat OpenBLAS on (see `chosen`).
    static func tileShape(inChannels: Int, outChannels: Int) -> Bool {
        (8...64).contains(inChannels) && outChannels <= 64
    }

    /// Whether this build's vector registers hold the direct tiles.
    #if PRUNEBOOK_AVX512
    package static let tilesFitRegisters = true
    #else
    package static let tilesFitRegisters = false
    #endif
}
