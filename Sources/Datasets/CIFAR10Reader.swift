import Support
import Tensor

/// Reader of the CIFAR-10 binary format (Krizhevsky 2009): records of 1 label byte and
/// 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32×32).
public enum CIFAR10Reader {
    public static let recordSize = 1 + 3 * 32 * 32
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFiles = ["test_batch.bin"]
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// The records of one file.
    public static func read(path: String, name: String = "cifar10") throws(DatasetError) -> ImageSet {
        let raw: [UInt8]
        do { raw = try FileReader.bytes(atPath: path) } catch {
            throw DatasetError(path: path, error.reason)
        }
        return try parse(raw, path: path, name: name)
    }

    public static func parse(_ raw: [UInt8], path: String, name: String = "cifar10") throws(DatasetError) -> ImageSet {
        guard !raw.isEmpty else { throw DatasetError(path: path, "file is empty") }
        guard raw.count % recordSize == 0 else {
            throw DatasetError(path: path, "size \(raw.count) is not a whole number of \(recordSize)-byte records "
                               + "(\(raw.count / recordSize) records and \(raw.count % recordSize) bytes left over)")
        }
        let n = raw.count / recordSize
        var labels = [UInt8](repeating: 0, count: n)
        var pixels = [UInt8](repeating: 0, count: n * (recordSize - 1))
        for i in 0..<n {
            let label = raw[i * recordSize]
            guard label < 10 else { throw DatasetError(path: path, "label \(label) at record \(i) is outside 0..<10") }
            labels[i] = label
            pixels[(i * (recordSize - 1))..<((i + 1) * (recordSize - 1))] = raw[(i * recordSize + 1)..<((i + 1) * recordSize)]
        }
        return ImageSet(name: name, shape: [3, 32, 32], classes: 10, pixels: pixels, labels: labels)
    }

    /// Several files joined in order.
    public static func read(paths: [String], name: String) throws(DatasetError) -> ImageSet {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for p in paths {
            let part = try read(path: p, name: name)
            pixels += part.pixels
            labels += part.labels
        }
        return ImageSet(name: name, shape: [3, 32, 32], classes: 10, pixels: pixels, labels: labels)
    }
}
