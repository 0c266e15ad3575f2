import Datasets
import Tensor

/// Where pruning methods take their minibatches from. One-shot methods use batches 0..<b;
/// step t of an iterative method uses batches (t−1)·b ..< t·b, cycling through the source.
public enum BatchSource: Sendable {
    /// A fixed list used in order (a fixture's batches, or `load_batches`).
    case list([Batch])
    /// Seeded shuffled batches of a data set: batch i comes from epoch i / batchesPerEpoch.
    case loader(DataLoader)

    /// Batch `i` (cycling).
    public func batch(_ i: Int) -> Batch {
        switch self {
        case .list(let batches):
            return batches[i % batches.count]
        case .loader(let loader):
            let per = max(1, loader.batchesPerEpoch)
            return loader.batch(i % per, epoch: i / per) ?? Batch(inputs: Tensor<Float>(zeros: [0] + loader.images.shape), labels: [])
        }
    }

    /// The shape of one input, `[C, H, W]`.
    public var inputShape: [Int] {
        switch self {
        case .list(let batches): return Array((batches.first?.inputs.shape ?? [0]).dropFirst())
        case .loader(let loader): return loader.images.shape
        }
    }

    /// Images in the largest batch a step reads.
    public var batchSize: Int {
        switch self {
        case .list(let batches): return batches.map { $0.inputs.shape.first ?? 0 }.max() ?? 0
        case .loader(let loader): return min(loader.batchSize, loader.images.count)
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .list(let b): return b.isEmpty
        case .loader(let l): return l.images.count == 0
        }
    }
}
