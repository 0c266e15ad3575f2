import Foundation

/// The 8×8 handwritten digits (1,797 images, pixel values 0…16) that ship inside Prunebook,
/// so the quickstart needs no download. Split as Prunebook fixes it: the first 1,397 images
/// train, the last 400 test.
public enum BundledDigits {
    public static let trainCount = 1397
    public static let testCount = 400

    /// All 1,797 images in file order.
    public static func all() throws(DatasetError) -> ImageSet {
        let images = try decode(BundledDigitsData.images, what: "images")
        let labels = try decode(BundledDigitsData.labels, what: "labels")
        let (idims, pixels) = try IDXReader.parse(images, path: "<bundled digits images>", rank: 3)
        let (_, labelBytes) = try IDXReader.parse(labels, path: "<bundled digits labels>", rank: 1)
        return ImageSet(name: "digits", shape: [1, idims[1], idims[2]], classes: 10, pixels: pixels, labels: labelBytes)
    }

    /// `train` (first 1,397) or `test` (last 400).
    public static func split(_ split: DataSplit) throws(DatasetError) -> ImageSet {
        let a = try all()
        var s = split == .train ? a.slice(0..<trainCount) : a.slice(trainCount..<a.count)
        s.name = "digits/\(split.rawValue)"
        return s
    }

    private static func decode(_ text: String, what: String) throws(DatasetError) -> [UInt8] {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw DatasetError(path: "<bundled digits \(what)>", "embedded base64 is corrupt")
        }
        return try Gzip.decompress([UInt8](data), path: "<bundled digits \(what)>")
    }
}

/// Which part of a data set.
public enum DataSplit: String, Sendable, CaseIterable {
    case train, test
}
