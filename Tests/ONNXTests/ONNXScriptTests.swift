import Foundation
import TestSupport
import Testing

/// A PyTorch network in a script, through the real CLI: read from ONNX, pruned with every method,
/// reported, trained with its mask on the bundled digits, evaluated, put through IMP, and written
/// back out to a file that reads in again with the pruned weights zero.
@Suite struct ONNXScriptTests {
    init() throws {
        if let why = ONNXCases.unavailable, ONNXCases.required { throw FixtureError("ONNX cases cannot be made: \(why)") }
    }

    @Test(.enabled(if: ONNXImportTests.enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"))
    func everyMethodTrainingAndExportOnAnImportedGraph() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = "\(ONNXCases.folder.path)/digits_net.onnx"
        let script = """
            net = load_model("\(model)")
            print(net)
            data = digits(batch: 64)
            for method in ["random", "magnitude", "snip", "grasp", "synflow", "iter_snip", "force", "grasp_it"] {
                m = prune(net, method, data, sparsity: 80%, steps: 5)
                print(method, m.kept)
            }
            d = prune(net, "force", data, sparsity: 80%, steps: 5, precision: "double")
            print("double", d.kept)
            m = prune(net, "force", data, sparsity: 90%, steps: 5)
            report(m)
            r = train(net, data, mask: m, epochs: 3, lr: 0.05)
            print("trained", r.accuracy > 0.5)
            e = evaluate(r.net, data)
            print("evaluated", e.accuracy == r.accuracy)
            lottery = imp(net, data, rounds: 1, epochs: 1)
            print("imp", len(lottery.masks))
            save_model(r.net, "pruned.onnx", mask: m)
            back = load_model("pruned.onnx")
            zeros = 0
            for v in back["fc.weight"].values { if v == 0 { zeros = zeros + 1 } }
            pruned = 0
            for row in m.layers { if row.layer == "fc.weight" { pruned = row.params - row.kept } }
            print("zeros", zeros >= pruned, pruned > 0)
            save_model(net, "pruned.txt")
            """
        try script.write(toFile: "\(folder)/graph.prune", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "graph.prune"], cwd: folder)
        let md = (try? String(contentsOfFile: "\(folder)/graph.md", encoding: .utf8)) ?? ""
        #expect(md.contains("<model digits_net 1×8×8 → 10: "), "\(md)")
        // k = floor(N · (1 − 0.8)) of N = 5,280 prunable weights: 1,055 (1 − 0.8 is 0.19999999999999996
        // in Double) for the one-shot methods; the iterative ones end on the schedule's last density, 1,056
        for method in ["random", "magnitude", "snip", "grasp"] { #expect(md.contains("\n\(method) 1055\n"), "\(method): \(md)") }
        for method in ["synflow", "iter_snip", "force", "grasp_it", "double"] { #expect(md.contains("\n\(method) 1056\n"), "\(method): \(md)") }
        #expect(md.contains("se1.weight") && md.contains("remaining multiply-accumulates"), "report")
        for line in ["trained true", "evaluated true", "imp 2", "zeros true true"] { #expect(md.contains(line), "\(line): \(md)") }
        // the last line fails: a clear error, the file is not written
        #expect(r.status != 0)
        #expect(md.contains("an ONNX model saves as .onnx"), "\(md)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/pruned.txt"))
    }
}
