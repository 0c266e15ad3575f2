import Builtins
import Foundation
import NeuralNet
import PruneScript
import Tensor
import TestSupport
import Testing

/// Friction 7: state dicts as PyTorch users have them: nn.Sequential names, a "model." prefix,
/// torch.nn.utils.prune pairs; errors that name the nearest fix.
@Suite struct LoadWeightsTests {
    /// lenet300 on 8×8 inputs: its state names and shapes, in order.
    static let layout: [(String, [Int])] = [("fc1.weight", [300, 64]), ("fc1.bias", [300]), ("fc2.weight", [100, 300]),
                                            ("fc2.bias", [100]), ("fc3.weight", [10, 100]), ("fc3.bias", [10])]

    /// A deterministic value per tensor: index-dependent so a swap would show.
    static func values(_ k: Int, _ shape: [Int]) -> Tensor<Float> {
        let n = shape.reduce(1, *)
        return Tensor<Float>(shape: shape, scalars: (0..<n).map { Float(k + 1) * 0.001 + Float($0 % 97) * 1e-4 })
    }

    static func write(_ names: [String], to path: String, extra: [SafetensorsItem] = []) throws {
        let items = zip(names, layout).enumerated().map { k, pair in SafetensorsItem.f32(pair.0, values(k, pair.1.1)) }
        try SafetensorsWriter.write(items + extra, to: path)
    }

    static func session() -> Interpreter {
        let i = Interpreter(builtins: .prunebook(settings: EngineSettings()))
        _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)", cell: 1)
        return i
    }

    static func weights(_ i: Interpreter) throws -> [String: Tensor<Float>] {
        guard case .handle(let h as ModelHandle)? = i.global("net") else { throw StateError(message: "no net") }
        return Dictionary(uniqueKeysWithValues: h.network.namedParameters.map { ($0.name, $0.parameter.value) })
    }

    @Test func sequentialNamesSuggestTheRenameThatLoadsThem() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/seq.safetensors"
        try Self.write(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], to: path)
        let i = Self.session()
        let error = try #require(i.run("load_weights(net, \"\(path)\")", cell: 2).error)
        #expect(error.message.hasPrefix("\(path) does not fit lenet300"))
        #expect(error.message.components(separatedBy: path).count == 2, "the path once: \(error.message)")
        let hint = try #require(error.hint)
        #expect(hint.contains(#"rename: {"0.weight": "fc1.weight", "0.bias": "fc1.bias", "2.weight": "fc2.weight""#), "\(hint)")
        // the suggested rename loads them
        let rename = #"{"0.weight": "fc1.weight", "0.bias": "fc1.bias", "2.weight": "fc2.weight", "2.bias": "fc2.bias", "4.weight": "fc3.weight", "4.bias": "fc3.bias"}"#
        let ok = i.run("load_weights(net, \"\(path)\", rename: \(rename))", cell: 3)
        #expect(ok.error == nil, "\(ok.error.map { i.render($0) } ?? "")")
        let w = try Self.weights(i)
        for (k, (name, shape)) in Self.layout.enumerated() { #expect(w[name] == Self.values(k, shape), "\(name)") }
    }

    @Test func aSharedPrefixIsSuggested() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        try Self.write(Self.layout.map { "model." + $0.0 }, to: path)
        let i = Self.session()
        let error = try #require(i.run("load_weights(net, \"\(path)\")", cell: 2).error)
        #expect(error.hint == "the file's tensor names start with \"model.\": load_weights(net, \"\(path)\", prefix: \"model.\")")
        #expect(i.run("load_weights(net, \"\(path)\", prefix: \"model.\")", cell: 3).error == nil)
    }

    @Test func renameByFunctionAndNearMisses() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cls.safetensors"
        try Self.write(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "classifier.weight", "classifier.bias"], to: path)
        let i = Self.session()
        let fn = #"fn (n) { if n == "classifier.weight" { "fc3.weight" } else if n == "classifier.bias" { "fc3.bias" } else { n } }"#
        #expect(i.run("load_weights(net, \"\(path)\", rename: \(fn))", cell: 2).error == nil)
        #expect(try Self.weights(i)["fc3.weight"] == Self.values(4, [10, 100]))
        // a typo'd rename: the near miss is named
        let typo = try #require(i.run("load_weights(net, \"\(path)\", rename: {\"classifier.weight\": \"fc3.weigth\"})", cell: 3).error)
        #expect(typo.message.contains("missing 2 tensor(s): fc3.weight, fc3.bias"), "\(typo.message)")
        #expect(typo.message.contains("unexpected tensor(s): classifier.weight, classifier.bias"), "\(typo.message)")
        // a rename that returns a number is a clear error
        let bad = try #require(i.run("load_weights(net, \"\(path)\", rename: fn (n) { 1 })", cell: 4).error)
        #expect(bad.message.contains("must return a string or nil, got number"))
    }

    @Test func torchPruneStateDictsLoadAsWeightTimesMaskAndAsAMask() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/pruned.safetensors"
        let mask = Tensor<Float>(shape: [300, 64], scalars: (0..<(300 * 64)).map { $0 % 3 == 0 ? 1 : 0 })
        try Self.write(["fc1.weight_orig", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"], to: path,
                       extra: [.f32("fc1.weight_mask", mask)])
        let i = Self.session()
        let r = i.run("load_weights(net, \"\(path)\")", cell: 2)
        #expect(r.error == nil, "\(r.error.map { i.render($0) } ?? "")")
        #expect(r.warnings.first?.contains("holds torch.nn.utils.prune masks for 1 tensor(s)") == true, "\(r.warnings)")
        let w = try #require(try Self.weights(i)["fc1.weight"])
        let orig = Self.values(0, [300, 64])
        #expect(w.scalars == zip(orig.scalars, mask.scalars).map { $0 * $1 })
        // the same file as a mask: fc1 from its W_mask, the unpruned layers whole
        let m = i.run("m = load(\"\(path)\", net: net)\nm.kept", cell: 3)
        #expect(m.resultText == String(6400 + 30_000 + 1000), "\(m.error.map { i.render($0) } ?? m.resultText ?? "")")
    }
}
