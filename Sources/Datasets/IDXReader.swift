import Support
import Tensor

/// Reader of the IDX format of MNIST and Fashion-MNIST (LeCun et al.): big-endian magic
/// (0x00000803 for images, 0x00000801 for labels), one big-endian UInt32 per dimension, then bytes.
/// Files may be gzip-compressed.
public enum IDXReader {
    /// The dimensions and bytes of an unsigned-byte IDX file with `rank` dimensions.
    public static func read(path: String, rank: Int) throws(DatasetError) -> (dims: [Int], data: [UInt8]) {
        let raw: [UInt8]
        do { raw = try FileReader.bytes(atPath: path) } catch {
            throw DatasetError(path: path, error.reason)
        }
        return try parse(Gzip.isCompressed(raw) ? Gzip.decompress(raw, path: path) : raw, path: path, rank: rank)
    }

    /// Parses IDX bytes (already decompressed).
    public static func parse(_ b: [UInt8], path: String, rank: Int) throws(DatasetError) -> (dims: [Int], data: [UInt8]) {
        guard b.count >= 4 else { throw DatasetError(path: path, "file is \(b.count) bytes, too short for an IDX header") }
        guard b[0] == 0, b[1] == 0 else {
            throw DatasetError(path: path, "not an IDX file (magic starts \(hex(b[0])) \(hex(b[1])), expected 00 00)")
        }
        guard b[2] == 0x08 else { throw DatasetError(path: path, "IDX element type \(hex(b[2])) is not unsigned byte (08)") }
        guard Int(b[3]) == rank else {
            let what = rank == 1 ? "labels" : "images"
            throw DatasetError(path: path, "IDX has \(b[3]) dimensions, expected \(rank) for \(what) (magic 0x0000080\(rank))")
        }
        let header = 4 + 4 * rank
        guard b.count >= header else { throw DatasetError(path: path, "IDX header is truncated") }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        // dimensions up to 2³² − 1 each: their product can overflow, and a file that size is not here anyway
        var expected = 1
        for d in dims {
            let (p, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow, p <= b.count else {
                throw DatasetError(path: path, "IDX dimensions \(dims) need more data bytes than the file's \(b.count - header)")
            }
            expected = p
        }
        guard b.count - header == expected else {
            throw DatasetError(path: path, "IDX dimensions \(dims) need \(expected) data bytes, file has \(b.count - header)")
        }
        return (dims, Array(b[header...]))
    }

    /// Images and labels from a pair of IDX files, checked against each other.
    public static func imageSet(name: String, images: String, labels: String, classes: Int = 10) throws(DatasetError) -> ImageSet {
        let (idims, pixels) = try read(path: images, rank: 3)
        let (ldims, labelBytes) = try read(path: labels, rank: 1)
        guard idims[0] == ldims[0] else {
            throw DatasetError(path: labels, "\(ldims[0]) labels for \(idims[0]) images in \(images)")
        }
        if let bad = labelBytes.firstIndex(where: { Int($0) >= classes }) {
            throw DatasetError(path: labels, "label \(labelBytes[bad]) at record \(bad) is outside 0..<\(classes)")
        }
        return ImageSet(name: name, shape: [1, idims[1], idims[2]], classes: classes, pixels: pixels, labels: labelBytes)
    }

    static func hex(_ v: UInt8) -> String {
        let s = String(v, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
