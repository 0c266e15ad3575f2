import Foundation
import NeuralNet
import Pruning
import Tensor
import Testing

/// Reports (per-layer counts, remaining cost, collapse), connectivity, and mask and score files.
@Suite struct MaskReportTests {
    static func lenet5() throws -> Network<Float> { try ModelZoo.build(ModelSpec(name: "lenet5")) }

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

    /// Class-level collapse (#16): the output layer keeps weights for class 3, but every hidden
    /// unit feeding class 3 has lost its inputs: the report names class 3 and only it.
    @Test func classLevelCollapseInAnMLP() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8]))
        var m = Mask.dense(for: net)
        // fc3 [10, 100]: class 3 reads only hidden units 0…4; no other class reads them
        for c in 0..<10 {
            for h in 0..<100 where (c == 3) != (h < 5) { m.entries[2].bits[c * 100 + h] = 0 }
        }
        let intact = try MaskReport(mask: m, network: net)
        #expect(intact.unreachableOutputs.isEmpty)
        #expect(intact.text.contains("outputs with a path from the input: 10 of 10"))
        // fc2 [100, 300]: units 0…4 lose every input
        for h in 0..<5 { for i in 0..<300 { m.entries[1].bits[h * 300 + i] = 0 } }
        let r = try MaskReport(mask: m, network: net)
        #expect(r.unreachableOutputs == [3])
        #expect(!r.disconnected)
        #expect(r.warnings == ["WARNING: 1 of 10 outputs has no path from the input (class 3)"])
        #expect(r.text.contains("outputs with a path from the input: 9 of 10"))
    }

    /// Through convolutions: class 7 reads only features of one conv channel, and that channel's
    /// filters are pruned away.
    @Test func classLevelCollapseThroughConvolutions() throws {
        let net = try ModelZoo.build(ModelSpec(name: "conv2", input: [1, 8, 8], width: 0.125))
        let names = net.prunable.map(\.name)
        let shapes = net.prunable.map { $0.parameter.shape }
        var m = Mask.dense(for: net)
        let conv2 = try #require(names.firstIndex(of: "conv2.weight")), fc1 = try #require(names.firstIndex(of: "fc1.weight"))
        let fc2 = try #require(names.firstIndex(of: "fc2.weight")), fc3 = try #require(names.firstIndex(of: "fc3.weight"))
        let (channels, per) = (shapes[conv2][0], shapes[conv2][1] * shapes[conv2][2] * shapes[conv2][3])
        let features = shapes[fc1][1], hw = features / channels
        // conv2's channel 0 is cut from its inputs
        for k in 0..<per { m.entries[conv2].bits[k] = 0 }
        // fc1 unit 0 reads only channel 0's features; fc2 unit 0 reads only fc1 unit 0; class 7 only fc2 unit 0
        for f in hw..<features { m.entries[fc1].bits[f] = 0 }
        for i in 1..<shapes[fc2][1] { m.entries[fc2].bits[i] = 0 }
        let hidden = shapes[fc3][1]
        for h in 1..<hidden { m.entries[fc3].bits[7 * hidden + h] = 0 }
        let r = try MaskReport(mask: m, network: net)
        #expect(r.unreachableOutputs == [7], "\(r.unreachableOutputs)")
        #expect(r.warnings.last?.contains("(class 7)") == true)
    }

    /// Residual blocks: a block whose convolutions are all pruned still passes its input on
    /// through the shortcut; cutting the stem cuts everything.
    @Test func residualPathsKeepOutputsReachable() throws {
        let net = try ModelZoo.build(ModelSpec(name: "resnet20", width: 0.25))
        var m = Mask.dense(for: net)
        for (k, e) in m.entries.enumerated() where e.name.hasPrefix("layer1.") {
            m.entries[k].bits = [UInt8](repeating: 0, count: e.bits.count)
        }
        let r = try MaskReport(mask: m, network: net)
        #expect(r.unreachableOutputs.isEmpty, "identity shortcuts carry the input past layer1")
        #expect(!r.collapsedLayers.isEmpty)
        m.entries[0].bits = [UInt8](repeating: 0, count: m.entries[0].bits.count)   // conv1, the stem
        let cut = try MaskReport(mask: m, network: net)
        #expect(cut.disconnected && cut.unreachableOutputs == Array(0..<10))
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
