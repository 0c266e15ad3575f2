import Tensor

/// Labelled images held as bytes (`[N, C, H, W]`, row-major), as the files store them.
/// Conversion to normalized Float tensors happens per batch.
public struct ImageSet: Sendable {
    /// Data set name and split, e.g. "mnist/train".
    public var name: String
    /// `[C, H, W]`.
    public var shape: [Int]
    public var classes: Int
    public var pixels: [UInt8]
    public var labels: [UInt8]

    public init(name: String, shape: [Int], classes: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == labels.count * shape.reduce(1, *), "pixel count does not match \(labels.count) images of \(shape)")
        self.name = name
        self.shape = shape
        self.classes = classes
        self.pixels = pixels
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var imageSize: Int { shape.reduce(1, *) }

    /// The first `n` images (all when `n` ≥ count).
    public func prefix(_ n: Int) -> ImageSet {
        let k = min(max(0, n), count)
        return ImageSet(name: name, shape: shape, classes: classes,
                        pixels: Array(pixels[0..<(k * imageSize)]), labels: Array(labels[0..<k]))
    }

    /// Images `range` (in file order).
    public func slice(_ range: Range<Int>) -> ImageSet {
        ImageSet(name: name, shape: shape, classes: classes,
                 pixels: Array(pixels[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)]),
                 labels: Array(labels[range]))
    }

    /// How many images carry each label.
    public var labelHistogram: [Int] {
        var h = [Int](repeating: 0, count: classes)
        for l in labels where Int(l) < classes { h[Int(l)] += 1 }
        return h
    }
}

extension ImageSet {
    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageSet {
        var px = [UInt8](repeating: 0, count: indices.count * imageSize)
        var lb = [UInt8](repeating: 0, count: indices.count)
        for (k, i) in indices.enumerated() {
            px[(k * imageSize)..<((k + 1) * imageSize)] = pixels[(i * imageSize)..<((i + 1) * imageSize)]
            lb[k] = labels[i]
        }
        return ImageSet(name: name, shape: shape, classes: classes, pixels: px, labels: lb)
    }

    /// A seeded random split into (train, validation) with `validation` images in the second part.
    public func splitOff(validation: Int, seed: UInt64) -> (train: ImageSet, validation: ImageSet) {
        precondition(validation >= 0 && validation <= count)
        var rng = RandomPurpose.dataOrder.generator(seed: seed, index: 0xFFFF_FFFF)
        let order = rng.permutation(count)
        var train = subset(Array(order[validation...]).sorted())
        var val = subset(Array(order[..<validation]).sorted())
        train.name += "[train]"
        val.name += "[validation]"
        return (train, val)
    }
}
