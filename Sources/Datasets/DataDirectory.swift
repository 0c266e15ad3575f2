import Foundation

/// Where data sets live on disk: an explicit folder, else `$PRUNEBOOK_DATA`, else `~/.prunebook/data`.
/// Layout: `<dir>/mnist/…`, `<dir>/fashion-mnist/…`, `<dir>/cifar10/…` with the standard file names.
public struct DataDirectory: Sendable {
    public let path: String
    /// How the folder was chosen, for messages ("--data", "PRUNEBOOK_DATA", "default").
    public let source: String

    public init(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let e = explicit, !e.isEmpty {
            path = e
            source = "argument"
        } else if let env = environment["PRUNEBOOK_DATA"], !env.isEmpty {
            path = env
            source = "PRUNEBOOK_DATA"
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            path = home + "/.prunebook/data"
            source = "default (~/.prunebook/data)"
        }
    }

    public func folder(for dataset: DatasetName) -> String { path + "/" + dataset.folder }
}

/// The data sets Prunebook reads.
public enum DatasetName: String, Sendable, CaseIterable {
    case digits
    case mnist
    case fashionMNIST = "fashion-mnist"
    case cifar10

    /// Accepts the canonical names and a few spellings people type.
    public init?(parsing s: String) {
        switch s.lowercased() {
        case "digits": self = .digits
        case "mnist": self = .mnist
        case "fashion-mnist", "fashion_mnist", "fashionmnist", "fmnist": self = .fashionMNIST
        case "cifar10", "cifar-10", "cifar": self = .cifar10
        default: return nil
        }
    }

    public var folder: String { rawValue }

    /// File names of a split, in the order they are read.
    public func files(_ split: DataSplit) -> [String] {
        switch (self, split) {
        case (.digits, _): return ["digits-images-idx3-ubyte.gz", "digits-labels-idx1-ubyte.gz"]
        case (.mnist, .train), (.fashionMNIST, .train): return ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
        case (.mnist, .test), (.fashionMNIST, .test): return ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        case (.cifar10, .train): return CIFAR10Reader.trainFiles
        case (.cifar10, .test): return CIFAR10Reader.testFiles
        }
    }

    /// The default normalization preset.
    public var normalization: Normalization {
        switch self {
        case .digits: return .digits
        case .mnist, .fashionMNIST: return .mnist
        case .cifar10: return .cifar10
        }
    }

    /// Records per split in the standard files.
    public func standardCount(_ split: DataSplit) -> Int {
        switch (self, split) {
        case (.digits, .train): return BundledDigits.trainCount
        case (.digits, .test): return BundledDigits.testCount
        case (.mnist, .train), (.fashionMNIST, .train): return 60_000
        case (.cifar10, .train): return 50_000
        case (_, .test): return 10_000
        }
    }
}

/// Loads data sets by name from a data directory.
public enum DatasetCatalog {
    /// One split of a data set; `digits` comes from the bundled copy unless the folder has its own.
    public static func load(_ name: DatasetName, split: DataSplit, directory: DataDirectory = DataDirectory()) throws(DatasetError) -> ImageSet {
        if name == .digits { return try BundledDigits.split(split) }
        let folder = directory.folder(for: name)
        let files = name.files(split).map { folder + "/" + $0 }
        let missing = files.filter { !FileManager.default.fileExists(atPath: $0) && !FileManager.default.fileExists(atPath: String($0.dropLast(3))) }
        guard missing.isEmpty else {
            throw DatasetError(path: "", "\(name.rawValue) \(split.rawValue) split not found: looked for "
                + missing.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
                + " in \(folder) (data folder from \(directory.source)). Get the files with "
                + "`prunebook data fetch \(name.rawValue)`, copy them with `prunebook data import \(name.rawValue) PATH`, "
                + "or point PRUNEBOOK_DATA at a folder that has \(name.folder)/")
        }
        let tag = "\(name.rawValue)/\(split.rawValue)"
        switch name {
        case .cifar10:
            return try CIFAR10Reader.read(paths: files, name: tag)
        default:
            let resolved = files.map { FileManager.default.fileExists(atPath: $0) ? $0 : String($0.dropLast(3)) }
            return try IDXReader.imageSet(name: tag, images: resolved[0], labels: resolved[1])
        }
    }
}
