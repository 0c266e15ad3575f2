import Foundation
import JSON
import TestSupport
import Testing

/// `prunebook bench --json`: the schema of the performance issue, with positive values. No timing assertions.
@Suite struct BenchCommandTests {
    @Test func quickBenchWritesTheDocumentedJSON() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["bench", "--models", "lenet300", "--batch", "16", "--quick", "--json", dir + "/b.json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("GEMM ceiling"))
        let doc = try JSONParser.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/b.json")), as: UTF8.self))
        let machine = try #require(doc["machine"])
        #expect(machine["cpu"]?.stringValue?.isEmpty == false)
        #expect(machine["blas_core"]?.stringValue?.isEmpty == false)
        for key in ["cores", "threads", "gemm_gflops"] { #expect((machine[key]?.doubleValue ?? 0) > 0, "\(key)") }
        let results = try #require(doc["results"]?.arrayValue)
        #expect(results.count == 1)
        let r0 = results[0]
        #expect(r0["model"]?.stringValue == "lenet300")
        #expect(r0["input"]?.arrayValue?.compactMap(\.intValue) == [1, 28, 28])
        #expect(r0["batch"]?.intValue == 16)
        for key in ["train_images_per_s", "train_gflops", "gemm_fraction", "snip_s", "force_step_s", "peak_rss_mib"] {
            #expect((r0[key]?.doubleValue ?? 0) > 0, "\(key)")
        }
    }

    /// #23: the training-memory estimate that refuses a step too large for the machine is within
    /// 0.7–1.5× of the peak resident memory of real steps (each model in its own process; vgg19 at
    /// batch 128 peaks near 900 MiB). The parts add up to the total.
    @Test func trainingMemoryEstimateIsCloseToTheMeasuredPeak() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["bench", "--memory", "--models", "lenet5,resnet20,vgg19", "--batch", "128", "--json", dir + "/m.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONParser.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/m.json")), as: UTF8.self))
        let results = try #require(doc["results"]?.arrayValue)
        #expect(results.compactMap { $0["model"]?.stringValue } == ["lenet5", "resnet20", "vgg19"])
        for m in results {
            let peak = try #require(m["peak_rss_mib"]?.doubleValue), estimate = try #require(m["estimate_mib"]?.doubleValue)
            #expect(estimate >= 0.7 * peak && estimate <= 1.5 * peak, "\(m)")
            let parts = ["parameters", "optimizer", "activations", "gradients", "process"].compactMap { m["estimate_\($0)_mib"]?.doubleValue }
            #expect(parts.count == 5 && abs(parts.reduce(0, +) - estimate) <= 3, "\(m)")
        }
    }

    /// `--densities`: one result per density with the fields; the mask SNIP's, so the
    /// kept fraction of the MACs falls with the density; at density 1 nothing runs sparse, at
    /// 0.005 with `--kernels sparse` every layer does.
    @Test func densitiesWriteOneResultPerDensity() throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["bench", "--models", "lenet300", "--batch", "16", "--quick", "--densities", "1,0.1,0.005",
                             "--kernels", "sparse", "--json", dir + "/d.json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("speedup"))
        let doc = try JSONParser.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/d.json")), as: UTF8.self))
        let results = try #require(doc["results"]?.arrayValue)
        #expect(results.map { $0["density"]?.doubleValue } == [1, 0.1, 0.005])
        for row in results {
            #expect(row["model"]?.stringValue == "lenet300")
            #expect(row["kernels"]?.stringValue == "sparse")
            for key in ["train_images_per_s", "infer_images_per_s", "macs_fraction"] { #expect((row[key]?.doubleValue ?? 0) > 0, "\(key)") }
        }
        let macs = results.compactMap { $0["macs_fraction"]?.doubleValue }
        #expect(macs[0] == 1 && macs[1] < 0.2 && macs[2] < macs[1])
        #expect(results[0]["sparse_layers"]?.arrayValue?.isEmpty == true)
        #expect(results[2]["sparse_layers"]?.arrayValue?.count == 3)
    }

    @Test func badDensitiesAndKernelsAreUsageErrors() throws {
        let r = try CLI.run(["bench", "--densities", "1,0,2"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--densities takes numbers in (0, 1]"))
        let k = try CLI.run(["bench", "--densities", "0.1", "--kernels", "fast"])
        #expect(k.status == 64)
        #expect(k.stderr.contains("--kernels must be one of auto, dense, sparse"))
    }

    @Test func unknownModelIsAUsageError() throws {
        let r = try CLI.run(["bench", "--models", "lenet7"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("unknown model 'lenet7'"))
    }
}
