import Foundation
import NeuralNet
import Pruning
import Tensor
import Testing

/// Reports (per-layer counts, remaining cost, collapse), connectivity, and mask and score files.
@Suite struct MaskReportTests {
    static func lenet5() throws -> Network { try ModelZoo.build(ModelSpec(name: "lenet5")) }

    @Test func countsAndMultiplyAccumulatesByHand() throws {
        let net = try Self.lenet5()
        let dense = try MaskReport(mask: Mask.dense(for: net), network: net)
        // conv1 6·1·25 weights at 28·28 positions, conv2 16·6·25 at 10·10, then 400·120 + 120·84 + 84·10
        let macs = 150 * 784 + 2400 * 100 + 48_000 + 10_080 + 840
        #expect(dense.denseMACs == macs && dense.remainingMACs == macs)
        #expect(net.macsPerImage == macs)
        #expect(dense.total == 61_470 && dense.kept == 61_470 && dense.sparsity == 0)
        #expect(dense.warnings.isEmpty)
        var half = Mask.dense(for: net)
        for i in 0..<75 { half.entries[0].bits[i] = 0 }   // half of conv1
        let r = try MaskReport(mask: half, network: net)
        #expect(r.rows[0].kept == 75 && r.rows[0].sparsity == 0.5)
        #expect(r.remainingMACs == macs - 75 * 784)
        #expect(r.text.contains("conv1.weight") && r.text.contains("50.00%"))
    }

    @Test func collapseAndDisconnectionAreWarnedAbout() throws {
        let net = try Self.lenet5()
        var m = Mask.dense(for: net)
        m.entries[3].bits = [UInt8](repeating: 0, count: m.entries[3].count)   // fc2 emptied
        let r = try MaskReport(mask: m, network: net)
        #expect(r.collapsedLayers == ["fc2.weight"])
        #expect(r.disconnected)
        #expect(r.warnings.count == 2)
        #expect(r.text.contains("WARNING: layer collapse: fc2.weight"))
        // one path left through every layer: connected, nothing collapsed
        var thin = Mask.dense(for: net).with(flat: [UInt8](repeating: 0, count: 61_470))
        thin.entries[0].bits[0] = 1                       // conv1: output 0 from input 0
        thin.entries[1].bits[0] = 1                       // conv2: output 0 from channel 0
        thin.entries[2].bits[0] = 1                       // fc1: unit 0 from feature 0 (channel 0)
        thin.entries[3].bits[0] = 1                       // fc2: unit 0 from unit 0
        thin.entries[4].bits[0] = 1                       // fc3: logit 0 from unit 0
        #expect(Connectivity.reachableOutputs(net, mask: thin) == 1)
        thin.entries[2].bits[0] = 0
        thin.entries[2].bits[25] = 1                      // fc1 reads feature 25 = channel 1, which conv2 never fed
        #expect(Connectivity.isDisconnected(net, mask: thin))
    }

    @Test func reportRejectsAMaskOfAnotherNetwork() throws {
        let other = try ModelZoo.build(ModelSpec(name: "lenet300"))
        #expect(throws: PruningError.self) { try MaskReport(mask: Mask.dense(for: other), network: try Self.lenet5()) }
    }

    @Test func masksAndScoresRoundTripThroughSafetensors() throws {
        let net = try Self.lenet5()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prunebook-mask-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mask = try Pruner.prune(net, method: .random, data: nil, amount: .sparsity(0.7), options: PruningOptions(seed: 9)).mask
        try MaskFile.save(mask, to: dir + "/m.safetensors")
        #expect(try MaskFile.loadMask(dir + "/m.safetensors", for: net) == mask)
        let file = try SafetensorsFile(path: dir + "/m.safetensors")
        #expect(file.names.sorted() == net.prunable.map(\.name).sorted())
        #expect(file.entry("conv1.weight")?.dtype == .u8)
        let scores = Saliency.magnitude(net)
        try MaskFile.save(scores, to: dir + "/s.safetensors")
        let back = try SafetensorsFile(path: dir + "/s.safetensors")
        #expect(try back.tensor("fc1.weight") == scores.scores("fc1.weight"))
        // a mask for another network names what is missing
        let other = try ModelZoo.build(ModelSpec(name: "lenet300"))
        do {
            _ = try MaskFile.loadMask(dir + "/m.safetensors", for: other)
            Issue.record("expected an error")
        } catch { #expect(error.message.contains("no mask for fc1.weight") || error.message.contains("shape")) }
        // values other than 0 and 1 are refused
        try SafetensorsWriter.write(net.prunable.map { .f32($0.name, $0.parameter.value) }, metadata: [:], to: dir + "/w.safetensors")
        do {
            _ = try MaskFile.loadMask(dir + "/w.safetensors", for: net)
            Issue.record("expected an error")
        } catch { #expect(error.message.contains("values other than 0 and 1")) }
    }
}
