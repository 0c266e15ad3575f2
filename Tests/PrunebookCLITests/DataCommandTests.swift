import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct DataCommandTests {
    let shared = Golden.dataFolder

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "../shared/data not found"))
    func fetchFromAFileMirrorVerifiesAndInstalls() throws {
        let dir = CLI.temporaryFolder()
        let r = try CLI.run(["data", "fetch", "mnist", "--mirror", "file://\(shared)/mnist", "--data", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote \(dir)/mnist/t10k-labels-idx1-ubyte.gz"))
        let list = try CLI.run(["data", "list"], environment: ["PRUNEBOOK_DATA": dir])
        #expect(list.stdout.contains("from PRUNEBOOK_DATA"))
        #expect(list.stdout.contains("mnist         train 60000 records"))
        #expect(list.stdout.contains("fashion-mnist test  not found"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "../shared/data not found"))
    func checksumMismatchLeavesNothingBehind() throws {
        let dir = CLI.temporaryFolder(), fake = CLI.temporaryFolder()
        // Fashion-MNIST files under MNIST's names: valid IDX, wrong checksums
        for f in try FileManager.default.contentsOfDirectory(atPath: shared + "/fashion-mnist") {
            try FileManager.default.copyItem(atPath: shared + "/fashion-mnist/" + f, toPath: fake + "/" + f)
        }
        let r = try CLI.run(["data", "fetch", "mnist", "--mirror", "file://\(fake)", "--data", dir])
        #expect(r.status != 0)
        #expect(r.stderr.contains("checksum mismatch: expected sha256:0b367032"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir + "/mnist")) == nil)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/fashion-mnist"), "../shared/data not found"))
    func fetchOverHTTPFromALocalServer() throws {
        let server = Process()
        let python = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
        server.executableURL = URL(fileURLWithPath: python)
        let port = 20_000 + Int(getpid() % 20_000)
        server.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", shared + "/fashion-mnist"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // SIGKILL: the test runner may leave SIGTERM ignored in its children
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        usleep(1_500_000)
        let dir = CLI.temporaryFolder()
        let r = try CLI.run(["data", "fetch", "fashion-mnist", "--mirror", "http://127.0.0.1:\(port)", "--data", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/fashion-mnist/train-images-idx3-ubyte.gz"))
        let bad = try CLI.run(["data", "fetch", "fashion-mnist", "--mirror", "http://127.0.0.1:\(port)/missing", "--data", CLI.temporaryFolder()])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("download failed: HTTP status 404"))
    }

    @Test func importCIFARArchiveAndRejectCorruptFiles() throws {
        // a CIFAR-10 archive with two records per batch file, built here
        let src = CLI.temporaryFolder(), dir = CLI.temporaryFolder()
        let batches = src + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: batches, withIntermediateDirectories: true)
        for (k, f) in ((1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]).enumerated() {
            var record = [UInt8](repeating: UInt8(k), count: 2 * 3073)
            record[0] = UInt8(k); record[3073] = 9
            _ = FileManager.default.createFile(atPath: batches + "/" + f, contents: Data(record))
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", src + "/cifar-10-binary.tar.gz", "-C", src, "cifar-10-batches-bin"]
        try tar.run()
        tar.waitUntilExit()
        let r = try CLI.run(["data", "import", "cifar10", src + "/cifar-10-binary.tar.gz", "--data", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try CLI.run(["data", "list", "--data", dir])
        #expect(list.stdout.contains("cifar10       train 10 records"))
        #expect(list.stdout.contains("cifar10       test  2 records"))
        // a truncated batch file is refused with its name, and nothing new is written
        _ = FileManager.default.createFile(atPath: batches + "/test_batch.bin", contents: Data([UInt8](repeating: 1, count: 3000)))
        let dir2 = CLI.temporaryFolder()
        let bad = try CLI.run(["data", "import", "cifar10", batches, "--data", dir2])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("test_batch.bin"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir2 + "/cifar10")) == nil)
    }

    @Test func unknownDatasetIsAUsageError() throws {
        let r = try CLI.run(["data", "fetch", "imagenet"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("unknown data set 'imagenet'"))
    }

    @Test func demoTrainsOnTheBundledDigits() throws {
        let r = try CLI.run(["demo", "--epochs", "3"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("1397 train / 400 test images"))
        #expect(r.stdout.contains("test accuracy"))
    }
}
