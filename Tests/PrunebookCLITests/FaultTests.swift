import Foundation
import TestSupport
import Testing

/// Faults while a run writes its outputs: SIGKILL at random moments leaves every output file
/// either its previous complete version or the new complete one, and the next run succeeds; a
/// file system that refuses the bytes (a file-size limit) gives a clear error naming the file
/// and leaves no partial file behind.
@Suite(.serialized) struct FaultTests {
    static let script = """
    # %%
    #| tags: [parameters]
    n = 1

    # %%
    seed(n)
    net = lenet300(input: [1, 8, 8])
    data = digits(batch: 64)
    r = train(net, data, epochs: 4 * n, lr: 0.05)
    plot([1, 2, 3], [n, 2 * n, 3 * n], file: "line.svg")
    hist(scores(net, "snip", data), log: true, bins: 20, file: "scores.svg");
    m = prune(net, "force", data, sparsity: 99%, steps: 20)
    r2 = train(net, data, mask: m, epochs: 2 * n, lr: 0.05)
    r2.accuracy
    """
    static let outputs = ["out/faults.ipynb", "out/faults.md", "Plots/line.svg", "Plots/scores.svg"]

    /// A folder holding the script, run to completion with `n`; its outputs by path.
    static func completeRun(n: Int) throws -> (dir: String, files: [String: Data], seconds: Double) {
        let dir = CLI.temporaryFolder()
        try script.write(toFile: dir + "/faults.prune", atomically: true, encoding: .utf8)
        let start = Date()
        let r = try CLI.run(["run", "faults.prune", "--out", "out", "-p", "n=\(n)"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        var files: [String: Data] = [:]
        for path in outputs { files[path] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + path)) }
        return (dir, files, Date().timeIntervalSince(start))
    }

    /// `PRUNEBOOK_KILL_ROUNDS` kills (default 4; `make check-slow` runs 50).
    @Test func sigkillNeverLeavesAPartialOutput() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["PRUNEBOOK_KILL_ROUNDS"] ?? "") ?? 4
        let a = try Self.completeRun(n: 1), b = try Self.completeRun(n: 2)
        defer { for d in [a.dir, b.dir] { try? FileManager.default.removeItem(atPath: d) } }
        for path in Self.outputs { #expect(a.files[path] != b.files[path], "\(path): the two runs must differ for the test to see anything") }
        for round in 0..<rounds {
            let n = round % 2 == 0 ? 2 : 1
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["run", "faults.prune", "--out", "out", "-p", "n=\(n)"]
            p.currentDirectoryURL = URL(fileURLWithPath: a.dir)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // anywhere in the run, writes at the end included
            let delay = Double.random(in: 0...1) * max(a.seconds, b.seconds) * 1.1
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            for path in Self.outputs {
                let now = try Data(contentsOf: URL(fileURLWithPath: a.dir + "/" + path))
                #expect(now == a.files[path] || now == b.files[path],
                        "round \(round) (killed after \(delay) s): \(path) is neither complete version")
            }
        }
        // the next run succeeds and writes the complete new version of everything
        let r = try CLI.run(["run", "faults.prune", "--out", "out", "-p", "n=2"], cwd: a.dir)
        #expect(r.status == 0, "\(r.stderr)")
        for path in Self.outputs {
            #expect(try Data(contentsOf: URL(fileURLWithPath: a.dir + "/" + path)) == b.files[path], "\(path) after the last run")
        }
    }

    /// A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored so writes fail with EFBIG) stands in for
    /// a full disk: the run fails naming the file, and no partial or temporary file remains.
    @Test func aFullFileSystemIsAClearErrorAndLeavesNoPartialFile() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.script.write(toFile: dir + "/faults.prune", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 64 blocks of 512 bytes: the figures fit, the transcript (with its PNGs) does not
        p.arguments = ["-c", "ulimit -f 64; trap '' XFSZ; exec \"$0\" run faults.prune --out out", CLI.binary]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(stderr.contains("out/faults.ipynb: cannot write: File too large"), "\(stderr)")
        let left = try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "temporary files left: \(left)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/faults.ipynb"))
        for figure in ["Plots/line.svg", "Plots/scores.svg"] where FileManager.default.fileExists(atPath: dir + "/" + figure) {
            let svg = try String(contentsOfFile: dir + "/" + figure, encoding: .utf8)
            #expect(svg.hasSuffix("</svg>\n"), "\(figure) is partial")
        }
    }

    /// Output folders that cannot be written: a folder on a read-only file system (sysfs, which
    /// not even root may write; a folder without write permission too when not root) and one
    /// that cannot be created. Each is a clear error naming the path, and nothing is left behind.
    @Test func unwritableOutputFoldersAreClearErrors() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x = 1\nplot([1, 2], [3, 4])\nx\n".write(toFile: dir + "/ro.prune", atomically: true, encoding: .utf8)
        let existing = try CLI.run(["run", "ro.prune", "--out", "/sys/kernel"], cwd: dir)
        #expect(existing.status == 1)
        #expect(existing.stderr.contains("/sys/kernel/ro.ipynb: cannot create a temporary file"), "\(existing.stderr)")
        let missing = try CLI.run(["run", "ro.prune", "--out", "/sys/kernel/prunebook"], cwd: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/sys/kernel/prunebook: cannot create folder"), "\(missing.stderr)")
        // a figure that cannot be written is a warning in its cell, naming the folder; the rest runs
        let plots = try CLI.run(["run", "ro.prune", "--out", "out", "--plots", "/sys/kernel/plots"], cwd: dir)
        #expect(plots.status == 0, "\(plots.stderr)")
        let md = (try? String(contentsOfFile: dir + "/out/ro.md", encoding: .utf8)) ?? ""
        #expect(md.contains("could not write the figure: /sys/kernel/plots: cannot create folder"), "\(md)")
        if getuid() != 0 {
            let locked = dir + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
            chmod(locked, 0o555)
            let r = try CLI.run(["run", "ro.prune", "--out", "locked"], cwd: dir)
            #expect(r.status == 1)
            #expect(r.stderr.contains(locked + "/ro.ipynb") || r.stderr.contains("locked/ro.ipynb"), "\(r.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
        }
    }

    /// A data folder that does not exist: the cell's error says where it looked and how to get
    /// the files; the transcript is still written.
    @Test func aMissingDataFolderIsAClearError() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "d = dataset(\"mnist\")\n".write(toFile: dir + "/md.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "md.prune", "--out", "out"], environment: ["PRUNEBOOK_DATA": dir + "/nowhere"], cwd: dir)
        #expect(r.status != 0)
        let text = r.stdout + r.stderr
        #expect(text.contains("\(dir)/nowhere/mnist") && text.contains("prunebook data fetch mnist"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/md.ipynb"))
    }
}
