import Datasets
import Foundation
import Glibc
import Support
import Tensor
import TestSupport
import Testing

/// Real files from ../shared/data: counts, first images, label histograms.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "../shared/data not found"))
struct RealDataTests {
    let dir = DataDirectory(explicit: Golden.dataFolder)

    @Test(arguments: [
        (DatasetName.mnist, DataSplit.train, 60_000, 27_525, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]),
        (.mnist, .test, 10_000, 18_454, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]),
        (.fashionMNIST, .train, 60_000, 76_247, Array(repeating: 6000, count: 10)),
        (.fashionMNIST, .test, 10_000, 33_456, Array(repeating: 1000, count: 10)),
    ])
    func idxFiles(name: DatasetName, split: DataSplit, count: Int, firstSum: Int, histogram: [Int]) throws {
        let s = try DatasetCatalog.load(name, split: split, directory: dir)
        #expect(s.count == count)
        #expect(s.shape == [1, 28, 28])
        #expect(s.pixels[0..<784].reduce(0) { $0 + Int($1) } == firstSum)
        #expect(s.labelHistogram == histogram)
    }

    @Test func mnistFirstLabels() throws {
        let s = try DatasetCatalog.load(.mnist, split: .test, directory: dir)
        #expect(Array(s.labels.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    }

    @Test func cifarSample() throws {
        let s = try CIFAR10Reader.read(path: Golden.dataFolder + "/cifar10-sample/test_batch_first20.bin")
        #expect(s.count == 20)
        #expect(s.shape == [3, 32, 32])
        #expect(s.labels == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6])
        #expect(s.pixels[0..<3072].reduce(0) { $0 + Int($1) } == 332_962)
    }

    @Test func digitsFilesMatchTheBundledCopy() throws {
        let file = try IDXReader.imageSet(name: "digits", images: Golden.dataFolder + "/digits/digits-images-idx3-ubyte.gz",
                                          labels: Golden.dataFolder + "/digits/digits-labels-idx1-ubyte.gz")
        let bundled = try BundledDigits.all()
        #expect(file.pixels == bundled.pixels)
        #expect(file.labels == bundled.labels)
    }
}

@Suite struct BundledDigitsTests {
    @Test func countsAndSplit() throws {
        let all = try BundledDigits.all()
        #expect(all.count == 1797)
        #expect(all.shape == [1, 8, 8])
        #expect(all.labelHistogram == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(Array(all.pixels.prefix(16)) == [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0])
        #expect(all.pixels.max() == 16)
        let train = try BundledDigits.split(.train), test = try BundledDigits.split(.test)
        #expect(train.count == 1397 && test.count == 400)
        #expect(test.labelHistogram == [39, 39, 40, 39, 43, 41, 39, 40, 39, 41])
        #expect(Array(train.labels.prefix(10)) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func digitsNeedNoDataFolder() throws {
        let dir = DataDirectory(explicit: "/nonexistent")
        #expect(try DatasetCatalog.load(.digits, split: .test, directory: dir).count == 400)
    }
}

/// Corrupt and truncated files give an error naming the file and the problem.
@Suite struct CorruptFileTests {
    let folder: String = {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("pb-data-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }()

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = folder + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func idx(rank: Int, dims: [Int], data: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0, 0, 8, UInt8(rank)]
        for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return b + data
    }

    func expectError(_ body: () throws -> Void, path: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
            guard let e = error as? DatasetError else { return false }
            return e.path == path && e.message.contains(fragment)
        }
    }

    @Test func idxErrors() {
        let short = write("short", [0, 0])
        expectError({ _ = try IDXReader.read(path: short, rank: 3) }, path: short, "too short")
        let magic = write("magic", [1, 2, 8, 3] + Array(repeating: 0, count: 12))
        expectError({ _ = try IDXReader.read(path: magic, rank: 3) }, path: magic, "not an IDX file")
        let labels = write("labels", idx(rank: 1, dims: [3], data: [1, 2, 3]))
        expectError({ _ = try IDXReader.read(path: labels, rank: 3) }, path: labels, "expected 3 for images")
        let truncated = write("trunc", idx(rank: 3, dims: [2, 2, 2], data: [1, 2, 3]))
        expectError({ _ = try IDXReader.read(path: truncated, rank: 3) }, path: truncated, "need 8 data bytes, file has 3")
        let type = write("type", [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0])
        expectError({ _ = try IDXReader.read(path: type, rank: 1) }, path: type, "not unsigned byte")
    }

    /// Found by `make fuzz` (harness idx): dimensions 65538 × 822083585 × 84307823 overflowed Int
    /// while the reader multiplied them, a crash instead of an error.
    @Test func idxDimensionsWhoseProductOverflows() {
        let bytes: [UInt8] = [0, 0, 8, 3, 0, 1, 0, 2, 0x31, 0, 0, 1, 5, 6, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 7]
        expectError({ _ = try IDXReader.parse(bytes, path: "fuzz", rank: 3) }, path: "fuzz",
                    "need more data bytes than the file's 4")
        let huge = write("huge", [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12) + [1, 2])
        expectError({ _ = try IDXReader.read(path: huge, rank: 3) }, path: huge, "need more data bytes")
    }

    @Test func idxPairErrors() {
        let images = write("i", idx(rank: 3, dims: [2, 1, 1], data: [1, 2]))
        let three = write("l3", idx(rank: 1, dims: [3], data: [0, 1, 2]))
        expectError({ _ = try IDXReader.imageSet(name: "x", images: images, labels: three) }, path: three, "3 labels for 2 images")
        let bad = write("l2", idx(rank: 1, dims: [2], data: [0, 10]))
        expectError({ _ = try IDXReader.imageSet(name: "x", images: images, labels: bad) }, path: bad, "label 10 at record 1")
    }

    @Test func gzipErrors() throws {
        let good = Gzip.compress(idx(rank: 1, dims: [4], data: [1, 2, 3, 4]))
        let ok = write("ok.gz", good)
        #expect(try IDXReader.read(path: ok, rank: 1).data == [1, 2, 3, 4])
        let cut = write("cut.gz", Array(good.prefix(good.count - 12)))
        expectError({ _ = try IDXReader.read(path: cut, rank: 1) }, path: cut, "truncated")
        var flipped = good
        flipped[12] ^= 0xFF
        let corrupt = write("corrupt.gz", flipped)
        expectError({ _ = try IDXReader.read(path: corrupt, rank: 1) }, path: corrupt, "gzip data is")
    }

    @Test func cifarErrors() {
        var record = [UInt8](repeating: 7, count: CIFAR10Reader.recordSize)
        record[0] = 3
        let partial = write("partial.bin", record + record.prefix(100))
        expectError({ _ = try CIFAR10Reader.read(path: partial) }, path: partial, "1 records and 100 bytes left over")
        record[0] = 12
        let label = write("label.bin", record)
        expectError({ _ = try CIFAR10Reader.read(path: label) }, path: label, "label 12 at record 0")
        let empty = write("empty.bin", [])
        expectError({ _ = try CIFAR10Reader.read(path: empty) }, path: empty, "empty")
        expectError({ _ = try CIFAR10Reader.read(path: folder + "/missing.bin") }, path: folder + "/missing.bin", "cannot read")
    }

    /// A data file rewritten while it is read (#23): in place (truncated, then refilled in two
    /// halves) and by renaming a new copy over it. Every read either gives the whole file's
    /// records or a `DatasetError` naming the file, never a crash or a wrong count.
    @Test func aFileReplacedWhileReadIsReadWholeOrRefused() throws {
        let data = (0..<60_000).map { UInt8($0 % 251) }
        let good = Gzip.compress(idx(rank: 3, dims: [600, 10, 10], data: data))
        let path = write("moving.gz", good)
        let done = Locked(false)
        let writer = Thread {
            var round = 0
            while !done.withLock({ $0 }) {
                round += 1
                if round % 2 == 0 {
                    // in place: O_TRUNC, then the bytes in two writes
                    let fd = open(path, O_WRONLY | O_TRUNC)
                    if fd >= 0 {
                        good.withUnsafeBytes { b in
                            let half = b.count / 2
                            _ = Glibc.write(fd, b.baseAddress, half)
                            _ = Glibc.write(fd, b.baseAddress.map { $0 + half }, b.count - half)
                        }
                        close(fd)
                    }
                } else {
                    let tmp = path + ".new"
                    _ = FileManager.default.createFile(atPath: tmp, contents: Data(good))
                    _ = rename(tmp, path)
                }
            }
        }
        writer.start()
        var (whole, refused) = (0, 0)
        for _ in 0..<300 {
            do {
                let r = try IDXReader.read(path: path, rank: 3)
                #expect(r.dims == [600, 10, 10] && r.data == data)
                whole += 1
            } catch {
                #expect(error.path == path, "\(error)")
                refused += 1
            }
        }
        done.withLock { $0 = true }
        while writer.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        print("replaced while read: \(whole) whole, \(refused) refused")
        #expect(whole + refused == 300)
    }

    /// A "data file" that never ends (a device) is refused at the reader's size limit, not read
    /// until memory runs out.
    @Test func anEndlessFileIsRefusedAtTheLimit() {
        #expect {
            _ = try FileReader.bytes(atPath: "/dev/zero", limit: 1 << 20)
        } throws: { error in
            "\(error)".contains("/dev/zero") && "\(error)".contains("more than 1 MiB")
        }
    }

    @Test func missingDatasetSaysWhereItLooked() {
        let dir = DataDirectory(explicit: folder)
        #expect {
            _ = try DatasetCatalog.load(.mnist, split: .train, directory: dir)
        } throws: { error in
            let m = (error as? DatasetError)?.message ?? ""
            return m.contains("\(folder)/mnist") && m.contains("train-images-idx3-ubyte.gz") && m.contains("prunebook data fetch mnist")
        }
    }

    @Test func dataDirectoryResolution() {
        #expect(DataDirectory(explicit: "/a", environment: ["PRUNEBOOK_DATA": "/b"]).path == "/a")
        #expect(DataDirectory(environment: ["PRUNEBOOK_DATA": "/b", "HOME": "/h"]).path == "/b")
        #expect(DataDirectory(environment: ["HOME": "/h"]).path == "/h/.prunebook/data")
        #expect(DatasetName(parsing: "Fashion_MNIST") == .fashionMNIST)
        #expect(DatasetName(parsing: "imagenet") == nil)
    }
}
