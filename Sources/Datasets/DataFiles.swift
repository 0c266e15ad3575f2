import Support
import Tensor

/// Where the standard data files come from, how to check them, and how to install, list and
/// import them. Network access is the caller's: `fetch` takes a download function, so tests can
/// serve files from a local folder or server.
public enum DataFiles {
    /// One file to download and its published checksum.
    public struct Remote: Sendable {
        public let url: String
        /// "sha256:<hex>" or "md5:<hex>".
        public let checksum: String
    }

    /// Public locations (torchvision's MNIST mirror, Zalando's Fashion-MNIST bucket, the CIFAR-10 page).
    public static func remotes(_ name: DatasetName) -> [Remote] {
        switch name {
        case .digits:
            return []
        case .mnist:
            let base = "https://ossci-datasets.s3.amazonaws.com/mnist/"
            return [
                Remote(url: base + "train-images-idx3-ubyte.gz", checksum: "sha256:0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971"),
                Remote(url: base + "train-labels-idx1-ubyte.gz", checksum: "sha256:1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203"),
                Remote(url: base + "t10k-images-idx3-ubyte.gz", checksum: "sha256:1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be"),
                Remote(url: base + "t10k-labels-idx1-ubyte.gz", checksum: "sha256:b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b"),
            ]
        case .fashionMNIST:
            let base = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
            return [
                Remote(url: base + "train-images-idx3-ubyte.gz", checksum: "sha256:f46450982819e161325683178a5324fc64e606fb3758c65c6ca7dcc91aa489fd"),
                Remote(url: base + "train-labels-idx1-ubyte.gz", checksum: "sha256:bee2410e017aef275ad0716cfa389481fe80dd89f974536e863d982da161f14c"),
                Remote(url: base + "t10k-images-idx3-ubyte.gz", checksum: "sha256:55ec2dd7358c56fba81678bf2cd00a44de07bae64c342921600298a2b5eb517d"),
                Remote(url: base + "t10k-labels-idx1-ubyte.gz", checksum: "sha256:bad34aa92450454a281e4959ab5a22f03213e21212f4261dadf52e42fa6cd580"),
            ]
        case .cifar10:
            return [Remote(url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                           checksum: "md5:c32a1d4ab5d03f1284b67883e8d87530")]
        }
    }

    /// True when `bytes` match a "sha256:…" or "md5:…" checksum.
    public static func verify(_ bytes: [UInt8], checksum: String) -> Bool {
        if checksum.hasPrefix("sha256:") { return Digest.sha256(bytes) == checksum.dropFirst(7) }
        if checksum.hasPrefix("md5:") { return Digest.md5(bytes) == checksum.dropFirst(4) }
        return false
    }

    /// Downloads, verifies and installs a data set into `directory`. With `mirror`, each file's
    /// base location is replaced by it (`<mirror>/<file name>`). Nothing is written unless every
    /// file arrived with the right checksum and parses; each file is written atomically.
    /// Returns the paths written.
    public static func fetch(_ name: DatasetName, into directory: DataDirectory, mirror: String? = nil,
                             download: (String) throws -> [UInt8]) throws(DatasetError) -> [String] {
        guard name != .digits else { throw DatasetError(path: "", "digits are bundled with Prunebook: nothing to fetch") }
        var files: [(String, [UInt8])] = []
        for remote in remotes(name) {
            let fileName = String(remote.url.split(separator: "/").last ?? "")
            let url = mirror.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + fileName } ?? remote.url
            let bytes: [UInt8]
            do { bytes = try download(url) } catch {
                throw DatasetError(path: url, "download failed: \(error)")
            }
            guard verify(bytes, checksum: remote.checksum) else {
                throw DatasetError(path: url, "checksum mismatch: expected \(remote.checksum), got "
                                   + (remote.checksum.hasPrefix("md5:") ? "md5:" + Digest.md5(bytes) : "sha256:" + Digest.sha256(bytes)))
            }
            if name == .cifar10 {
                let inner = try Gzip.decompress(bytes, path: url)
                for (path, data) in try TarArchive.files(inner, path: url) where path.hasSuffix(".bin") {
                    files.append((String(path.split(separator: "/").last ?? ""), data))
                }
            } else {
                files.append((fileName, bytes))
            }
        }
        return try install(name, files: files, into: directory)
    }

    /// Copies a data set's standard files from `source` (a folder holding them, gzipped or not, or
    /// for CIFAR-10 the .bin files or the `cifar-10-binary.tar.gz` archive) after checking that they parse.
    public static func importFiles(_ name: DatasetName, from source: String, into directory: DataDirectory) throws(DatasetError) -> [String] {
        guard name != .digits else { throw DatasetError(path: "", "digits are bundled with Prunebook: nothing to import") }
        var files: [(String, [UInt8])] = []
        let archive = source.hasSuffix(".tar.gz") ? source : source + "/cifar-10-binary.tar.gz"
        if name == .cifar10, let bytes = try? FileReader.bytes(atPath: archive) {
            for (path, data) in try TarArchive.files(try Gzip.decompress(bytes, path: archive), path: archive) where path.hasSuffix(".bin") {
                files.append((String(path.split(separator: "/").last ?? ""), data))
            }
        } else {
            for split in DataSplit.allCases {
                for file in name.files(split) {
                    var bytes: [UInt8]?
                    for candidate in [source + "/" + file, source + "/" + file.replacingSuffix(".gz", with: "")] {
                        if let b = try? FileReader.bytes(atPath: candidate) {
                            bytes = Gzip.isCompressed(b) || !file.hasSuffix(".gz") ? b : Gzip.compress(b)
                            break
                        }
                    }
                    guard let bytes else {
                        throw DatasetError(path: source, "\(file) not found (looked for \(file) and its uncompressed form)")
                    }
                    files.append((file, bytes))
                }
            }
        }
        return try install(name, files: files, into: directory)
    }

    /// Validates the complete set of files, then writes each atomically.
    static func install(_ name: DatasetName, files: [(String, [UInt8])], into directory: DataDirectory) throws(DatasetError) -> [String] {
        let byName = Dictionary(files, uniquingKeysWith: { a, _ in a })
        for split in DataSplit.allCases {
            let wanted = name.files(split)
            for f in wanted where byName[f] == nil {
                throw DatasetError(path: "", "\(name.rawValue): \(f) is missing from what was provided")
            }
            if name == .cifar10 {
                for f in wanted { _ = try CIFAR10Reader.parse(byName[f] ?? [], path: f) }
            } else {
                let images = try IDXReader.parse(Gzip.decompress(byName[wanted[0]] ?? [], path: wanted[0]), path: wanted[0], rank: 3)
                let labels = try IDXReader.parse(Gzip.decompress(byName[wanted[1]] ?? [], path: wanted[1]), path: wanted[1], rank: 1)
                guard images.dims[0] == labels.dims[0] else {
                    throw DatasetError(path: wanted[1], "\(labels.dims[0]) labels for \(images.dims[0]) images")
                }
            }
        }
        let folder = directory.folder(for: name)
        var written: [String] = []
        for split in DataSplit.allCases {
            for f in name.files(split) {
                let path = folder + "/" + f
                do { try AtomicFile.write(byName[f] ?? [], to: path, createFolders: true) } catch {
                    throw DatasetError(path: path, error.reason)
                }
                written.append(path)
            }
        }
        return written
    }

    /// One row of `prunebook data list`.
    public struct Status: Sendable {
        public let name: DatasetName
        public let split: DataSplit
        public let location: String
        /// Records found, or nil with `problem` set.
        public let count: Int?
        public let problem: String?
    }

    /// What is found where, with record counts (files are read and checked).
    public static func list(_ directory: DataDirectory) -> [Status] {
        var rows: [Status] = []
        for name in DatasetName.allCases {
            for split in DataSplit.allCases {
                let location = name == .digits ? "bundled" : directory.folder(for: name)
                do {
                    let s = try DatasetCatalog.load(name, split: split, directory: directory)
                    rows.append(Status(name: name, split: split, location: location, count: s.count, problem: nil))
                } catch {
                    rows.append(Status(name: name, split: split, location: location, count: nil,
                                       problem: error.message.hasPrefix("\(name.rawValue) \(split.rawValue) split not found")
                                       ? "not found" : error.description))
                }
            }
        }
        return rows
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with new: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + new : self
    }
}
