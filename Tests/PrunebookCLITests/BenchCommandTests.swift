import Foundation
import JSON
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

    @Test func unknownModelIsAUsageError() throws {
        let r = try CLI.run(["bench", "--models", "lenet7"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("unknown model 'lenet7'"))
    }
}
