/// Which kernels a layer with prunable weights computes with.
///
/// Pruning's scoring passes always use the dense kernels (they need gradients at pruned weights
/// too); training and evaluation of a masked network choose per layer.
public enum KernelChoice: String, CaseIterable, Sendable {
    /// Per layer, by its shape and density alone (`SparseKernelRule`): sparse where it is faster.
    case auto
    /// Dense products with masked weights, as PyTorch's pruning does.
    case dense
    /// Sparse products wherever a layer has a mask.
    case sparse
}

/// A layer that can compute with sparse kernels when its weight has a mask.
public protocol SparseCapable: AnyObject {
    var kernels: KernelChoice { get set }
}
