import Foundation
import TestSupport
import Testing

/// `prunebook sweep` through the real binary: grid order and CSV bytes, the cache, resuming after a
/// deleted point and after SIGKILL, a failing point, and the local and Slurm engines agreeing byte for byte.
@Suite(.serialized) struct SweepTests {
    /// A point that publishes a product of its parameters (and fails where told to).
    static let pointScript = """
        # %%
        #| tags: [parameters]
        a = 1
        b = "x"
        fail_at = -1
        work = 0

        # %%
        if a == fail_at {
            this_name_does_not_exist
        }
        for i in range(work) {
            train(lenet300(input: [1, 8, 8], seed: i), digits(), epochs: 1)
        }
        publish([{product: a * 10, label: "{b}-{a}"}])

        """

    static let expectedCSV = """
        a,b,product,label
        1,x,10,x-1
        1,y,10,y-1
        2,x,20,x-2
        2,y,20,y-2
        3,x,30,x-3
        3,y,30,y-3

        """

    /// A folder with the point script; returns (folder, script path).
    static func setUp(_ script: String = pointScript) throws -> (String, String) {
        let dir = CLI.temporaryFolder()
        let path = dir + "/point.prune"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return (dir, path)
    }

    static let grid = ["--grid", "a=[1, 2, 3]", "--grid", "b=[\"x\", \"y\"]"]

    static func sweep(_ dir: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["sweep", dir + "/point.prune"] + grid + ["--out", dir + "/out"] + extra, cwd: dir)
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    @Test func gridOrderCSVBytesAndTheCache() throws {
        let (dir, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.sweep(dir, ["--jobs", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("6 points: 6 run, 0 cached, 0 failed\n"), "\(r.stdout)")
        #expect(Self.read(dir + "/out/results.csv") == Self.expectedCSV)
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs").sorted()
        #expect(runs == ["a=1,b=x", "a=1,b=y", "a=2,b=x", "a=2,b=y", "a=3,b=x", "a=3,b=y"])
        // each point's transcript shows its injected parameters
        let md = Self.read(dir + "/out/runs/a=2,b=y/point.md") ?? ""
        #expect(md.contains("a = 2") && md.contains("b = \"y\""), "\(md)")
        // a rerun runs nothing and rewrites nothing
        let csvTime = Self.modified(dir + "/out/results.csv"), resultTime = Self.modified(dir + "/out/runs/a=1,b=x/result.json")
        let again = try Self.sweep(dir)
        #expect(again.status == 0)
        #expect(again.stdout.hasSuffix("6 points: 0 run, 6 cached, 0 failed\n"), "\(again.stdout)")
        #expect(Self.modified(dir + "/out/results.csv") == csvTime)
        #expect(Self.modified(dir + "/out/runs/a=1,b=x/result.json") == resultTime)
        // deleting a point's folder makes it missing; a changed script reruns every point
        try FileManager.default.removeItem(atPath: dir + "/out/runs/a=2,b=y")
        let resumed = try Self.sweep(dir)
        #expect(resumed.stdout.hasSuffix("6 points: 1 run, 5 cached, 0 failed\n"), "\(resumed.stdout)")
        #expect(Self.read(dir + "/out/results.csv") == Self.expectedCSV)
        try (Self.pointScript + "# changed\n").write(toFile: dir + "/point.prune", atomically: true, encoding: .utf8)
        #expect(try Self.sweep(dir).stdout.hasSuffix("6 points: 6 run, 0 cached, 0 failed\n"))
        #expect(try Self.sweep(dir, ["--force"]).stdout.hasSuffix("6 points: 6 run, 0 cached, 0 failed\n"))
    }

    @Test func aFailingPointDoesNotStopTheOthers() throws {
        let (dir, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.sweep(dir, ["-p", "fail_at=2"])
        #expect(r.status == 1)
        #expect(r.stdout.hasSuffix("6 points: 6 run, 0 cached, 2 failed\n"), "\(r.stdout)")
        #expect(r.stderr.contains("failed: a=2,b=x: a cell failed") && r.stderr.contains("failed: a=2,b=y"), "\(r.stderr)")
        let csv = Self.read(dir + "/out/results.csv") ?? ""
        #expect(csv == Self.expectedCSV.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("2,") }.joined(separator: "\n"))
        // the failed points run again next time; the good ones are cached
        #expect(try Self.sweep(dir, ["-p", "fail_at=2"]).stdout.hasSuffix("6 points: 2 run, 4 cached, 2 failed\n"))
    }

    @Test func badGridsAreUsageErrors() throws {
        let (dir, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func error(_ args: [String]) throws -> String {
            let r = try CLI.run(["sweep", dir + "/point.prune", "--out", dir + "/out"] + args, cwd: dir)
            #expect(r.status == 64)
            return r.stderr
        }
        #expect(try error(["--grid", "c=[1]"]).contains("'c' is not assigned in the parameters cell"))
        #expect(try error(["--grid", "a=3"]).contains("expected a list"))
        #expect(try error(["--grid", "a=[1", "--grid", "b=[2]"]).contains("--grid a:"))
        #expect(try error(["--grid", "a=[1]", "-p", "a=2"]).contains("given twice"))
        #expect(try error(["--grid", "a=[]"]).contains("the list is empty"))
    }

    /// SIGKILL of the sweep half-way: its running point dies with it, finished points stay, and the
    /// next sweep runs only what is missing, to the same results.
    @Test func resumesAfterSIGKILL() throws {
        let (dir, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["sweep", dir + "/point.prune"] + Self.grid + ["-p", "work=2", "--out", dir + "/out"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        func finished() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs")) ?? [])
                .filter { FileManager.default.fileExists(atPath: dir + "/out/runs/\($0)/result.json") }.count
        }
        let deadline = Date().addingTimeInterval(120)
        while finished() < 2 && Date() < deadline && p.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let done = finished()
        #expect(done >= 2 && done < 6, "\(done) points had finished when the sweep was killed")
        // the point that was running died with the sweep
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.runsOf(dir) == 0, "a point's run outlived the killed sweep")
        let r = try Self.sweep(dir, ["-p", "work=2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("6 points: \(6 - done) run, \(done) cached, 0 failed\n"), "\(r.stdout)")
        #expect(Self.read(dir + "/out/results.csv") == Self.expectedCSV)
    }

    /// Processes whose command line runs a point of the sweep in `dir`.
    static func runsOf(_ dir: String) -> Int {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmd = String(decoding: data, as: UTF8.self)
            return cmd.contains("--result\u{0}" + dir)
        }.count
    }

    static let slurmLocal: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/slurm-local").path
    }()

    /// The same 3 × 2 grid on the bundled digits through a real one-node Slurm (scripts/slurm-local)
    /// and through the local engine: byte-identical results.csv.
    @Test func slurmAndLocalAgreeByteForByte() throws {
        let script = """
            # %%
            #| tags: [parameters]
            sparsity = 0.5
            seed_value = 0

            # %%
            net = lenet300(input: [1, 8, 8], seed: seed_value)
            m = snip(net, digits(batch: 32), sparsity: sparsity)
            r = train(net, digits(batch: 32), mask: m, epochs: 1, seed: seed_value)
            publish({kept: m.kept, accuracy: r.accuracy})

            """
        let (dir, _) = try Self.setUp(script)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Process()
        start.executableURL = URL(fileURLWithPath: Self.slurmLocal)
        start.arguments = ["start"]
        let out = Pipe()
        start.standardOutput = out
        try start.run()
        let exported = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        start.waitUntilExit()
        try #require(start.terminationStatus == 0, "scripts/slurm-local start failed: a real Slurm is a test peer and must start")
        defer {
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: Self.slurmLocal)
            stop.arguments = ["stop"]
            try? stop.run()
            stop.waitUntilExit()
        }
        let conf = exported.components(separatedBy: "SLURM_CONF=").last?.trimmingCharacters(in: .whitespacesAndNewlines)
            .trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) ?? ""
        let grid = ["--grid", "sparsity=[50%, 90%, 99%]", "--grid", "seed_value=[0, 1]"]
        let local = try CLI.run(["sweep", dir + "/point.prune"] + grid + ["--out", dir + "/local", "--jobs", "2"], cwd: dir)
        #expect(local.status == 0, "\(local.stderr)")
        let slurm = try CLI.run(["sweep", dir + "/point.prune"] + grid + ["--out", dir + "/slurm", "--engine", "slurm", "--jobs", "2"],
                                environment: ["SLURM_CONF": conf], cwd: dir)
        #expect(slurm.status == 0, "\(slurm.stderr)")
        #expect(slurm.stdout.hasSuffix("6 points: 6 run, 0 cached, 0 failed\n"), "\(slurm.stdout)")
        let a = Self.read(dir + "/local/results.csv"), b = Self.read(dir + "/slurm/results.csv")
        #expect(a != nil && a == b)
        #expect(a?.split(separator: "\n").count == 7)
    }
}
