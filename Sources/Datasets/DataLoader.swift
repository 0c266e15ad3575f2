import Tensor

/// Random crop with zero padding and horizontal flip, the CIFAR training augmentation.
public struct Augmentation: Sendable, Equatable {
    public var padding: Int
    public var horizontalFlip: Bool

    public init(padding: Int = 4, horizontalFlip: Bool = true) {
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }

    public static let cifar = Augmentation(padding: 4, horizontalFlip: true)
}

/// Turns an `ImageSet` into normalized minibatches. The order of epoch e is a permutation from
/// the seed's `dataOrder` stream (index e) and augmentation draws come from its `augmentation`
/// stream (index e), so the same seed gives the same batches on every machine.
public struct DataLoader: Sendable {
    public let images: ImageSet
    public var normalization: Normalization
    public var batchSize: Int
    public var shuffle: Bool
    public var seed: UInt64
    public var augmentation: Augmentation?
    /// Drop a last batch smaller than `batchSize`.
    public var dropLast: Bool

    public init(images: ImageSet, normalization: Normalization, batchSize: Int, shuffle: Bool = true,
                seed: UInt64 = 0, augmentation: Augmentation? = nil, dropLast: Bool = false) {
        precondition(batchSize >= 1, "batch size must be at least 1")
        precondition(normalization.mean.count == images.shape[0], "normalization has \(normalization.mean.count) channels, images \(images.shape[0])")
        self.images = images
        self.normalization = normalization
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.augmentation = augmentation
        self.dropLast = dropLast
    }

    public var batchesPerEpoch: Int {
        dropLast ? images.count / batchSize : (images.count + batchSize - 1) / batchSize
    }

    /// Image indices in the order epoch `epoch` visits them.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<images.count) }
        var rng = RandomPurpose.dataOrder.generator(seed: seed, index: UInt32(truncatingIfNeeded: epoch))
        return rng.permutation(images.count)
    }

    /// The batches of one epoch, produced one at a time.
    public func epoch(_ epoch: Int) -> EpochBatches {
        EpochBatches(loader: self, order: order(epoch: epoch), epoch: epoch)
    }

    /// A batch of the images at `indices`; `rng` draws the augmentation when there is one.
    public func batch(indices: ArraySlice<Int>, rng: inout Philox) -> Batch {
        let (c, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        let size = images.imageSize
        var x = Tensor<Float>(uninitialized: [indices.count, c, h, w])
        var labels: [Int] = []
        labels.reserveCapacity(indices.count)
        let norm = normalization
        x.withUnsafeMutablePointer { out in
            images.pixels.withUnsafeBufferPointer { px in
                for (k, i) in indices.enumerated() {
                    labels.append(Int(images.labels[i]))
                    let src = i * size, dst = k * size
                    guard let aug = augmentation else {
                        for ch in 0..<c {
                            let plane = ch * h * w
                            for q in 0..<(h * w) { out[dst + plane + q] = norm.apply(px[src + plane + q], channel: ch) }
                        }
                        continue
                    }
                    // crop offset in the padded image, then optional mirror
                    let dy = rng.below(2 * aug.padding + 1) - aug.padding
                    let dx = rng.below(2 * aug.padding + 1) - aug.padding
                    let flip = aug.horizontalFlip && rng.below(2) == 1
                    for ch in 0..<c {
                        let plane = ch * h * w
                        let zero = norm.apply(0, channel: ch) // padding is black before normalization
                        for yy in 0..<h {
                            let sy = yy + dy
                            for xx in 0..<w {
                                let sx0 = flip ? w - 1 - xx : xx
                                let sx = sx0 + dx
                                out[dst + plane + yy * w + xx] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                    ? norm.apply(px[src + plane + sy * w + sx], channel: ch) : zero
                            }
                        }
                    }
                }
            }
        }
        return Batch(inputs: x, labels: labels)
    }

    /// Every image once, in order, without augmentation (for evaluation).
    public func evaluationBatches() -> EpochBatches {
        var plain = self
        plain.shuffle = false
        plain.augmentation = nil
        plain.dropLast = false
        return EpochBatches(loader: plain, order: Array(0..<images.count), epoch: 0)
    }
}

/// The batches of one epoch, in order.
public struct EpochBatches: Sequence, IteratorProtocol, Sendable {
    let loader: DataLoader
    let order: [Int]
    let epoch: Int
    var index = 0

    init(loader: DataLoader, order: [Int], epoch: Int) {
        self.loader = loader
        self.order = order
        self.epoch = epoch
    }

    public mutating func next() -> Batch? {
        guard let b = loader.batch(index, of: order, epoch: epoch) else { return nil }
        index += 1
        return b
    }
}

extension DataLoader {
    /// Batch `index` of epoch `epoch` on its own (augmentation draws come from a stream keyed by
    /// epoch and batch, so any batch can be made without the ones before it).
    public func batch(_ index: Int, epoch: Int) -> Batch? {
        batch(index, of: order(epoch: epoch), epoch: epoch)
    }

    /// Batch `index` of an epoch whose visiting order is `order` (from `order(epoch:)`).
    public func batch(_ index: Int, of order: [Int], epoch: Int) -> Batch? {
        let start = index * batchSize
        let remaining = order.count - start
        guard remaining > 0, !(dropLast && remaining < batchSize) else { return nil }
        let n = Swift.min(batchSize, remaining)
        var rng = RandomPurpose.augmentation.generator(seed: seed, index: UInt32(truncatingIfNeeded: epoch << 16 | index))
        return batch(indices: order[start..<(start + n)], rng: &rng)
    }
}
