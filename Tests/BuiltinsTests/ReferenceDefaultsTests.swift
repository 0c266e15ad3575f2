import Builtins
import Foundation
import PruneScript
import Pruning
import TestSupport
import Testing

/// #16's reference defaults: with no `loss:`, each method scores with the loss of the code its
/// paper's numbers came from (FORCE, Iterative SNIP, GRASP-It: the target logit, as naver/force;
/// SNIP: cross-entropy, as Lee et al.), and every mask says which loss made it.
@Suite struct ReferenceDefaultsTests {
    static func interpreter() -> Interpreter { Interpreter(builtins: .prunebook(settings: EngineSettings())) }

    @Test func autoResolvesPerMethodAndIsEchoed() throws {
        #expect(PruningLoss.auto.resolved(for: .force) == .targetLogit)
        #expect(PruningLoss.auto.resolved(for: .iterSnip) == .targetLogit)
        #expect(PruningLoss.auto.resolved(for: .graspIt) == .targetLogit)
        #expect(PruningLoss.auto.resolved(for: .snip) == .crossEntropy)
        #expect(PruningLoss.crossEntropy.resolved(for: .force) == .crossEntropy)
        let i = Self.interpreter()
        _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)\ndata = digits()", cell: 1)
        #expect(i.run("force(net, data, sparsity: 90%, steps: 3).loss", cell: 2).resultText == "\"target_logit\"")
        #expect(i.run("iter_snip(net, data, sparsity: 90%, steps: 3).loss", cell: 3).resultText == "\"target_logit\"")
        #expect(i.run("snip(net, data, sparsity: 90%).loss", cell: 4).resultText == "\"ce\"")
        #expect(i.run("force(net, data, sparsity: 90%, steps: 3, loss: \"ce\").loss", cell: 5).resultText == "\"ce\"")
        #expect(i.run("magnitude(net, sparsity: 90%).loss == nil", cell: 6).resultText == "true")
        let r = i.run("m = force(net, data, sparsity: 90%, steps: 3)\nm", cell: 7)
        #expect(r.resultText?.hasPrefix("<mask force (loss target_logit) on lenet300") == true, "\(r.resultText ?? "")")
        // the default equals naming the reference loss, and differs from cross-entropy
        #expect(i.run("overlap(m, force(net, data, sparsity: 90%, steps: 3, loss: \"target_logit\"))", cell: 8).resultText == "1")
        #expect(i.run("overlap(m, force(net, data, sparsity: 90%, steps: 3, loss: \"ce\")) < 1", cell: 9).resultText == "true")
        // the saved mask records it
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdefaults-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(i.run("save(m, \"\(dir)/m.safetensors\")", cell: 10).error == nil)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.safetensors"))
        #expect(String(decoding: bytes.prefix(400), as: UTF8.self).contains("\"loss\":\"target_logit\""))
    }

    /// The reference ordering on LeNet-300-100 / MNIST at 99%, two seeds, defaults only: Iterative
    /// SNIP not below SNIP, FORCE above SNIP (mean test accuracy after 2 epochs). And the
    /// cross-entropy Iterative SNIP mask of seed 0 that #16 found cutting off five classes: the
    /// report names them.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Golden.dataFolder + "/mnist"), "MNIST not found at ../shared/data"))
    func referenceOrderingOnMNIST() throws {
        let i = Self.interpreter()
        let r = i.run("""
            data = dataset("mnist", root: "\(Golden.dataFolder)", batch: 128)
            acc = {snip: 0, iter_snip: 0, force: 0}
            for sd in [0, 1] {
                net = lenet300(seed: sd)
                for method in ["snip", "iter_snip", "force"] {
                    m = prune(net, method, data, sparsity: 99%, seed: sd)
                    t = train(net, data, mask: m, epochs: 2, lr: 0.05, schedule: "cosine", seed: sd)
                    acc[method] = acc[method] + t.accuracy / 2
                }
            }
            acc
            """, cell: 1)
        #expect(r.error == nil, "\(r.error?.message ?? "")")
        func value(_ s: String) throws -> Double {
            guard case .number(let x)? = i.run(s, cell: 2).value else { throw ScriptError(.type, s) }
            return x
        }
        let snip = try value("acc.snip"), iter = try value("acc.iter_snip"), force = try value("acc.force")
        #expect(iter >= snip, "Iterative SNIP \(iter) below SNIP \(snip)")
        #expect(force > snip, "FORCE \(force) not above SNIP \(snip)")
        let collapse = i.run("""
            net = lenet300(seed: 0)
            ce = iter_snip(net, data, sparsity: 99%, seed: 0, loss: "ce")
            report(ce)
            ce.unreachable
            """, cell: 3)
        #expect(collapse.error == nil)
        let warned = collapse.outputs.contains { event in
            if case .warning(let w) = event { w.contains("5 of 10 outputs have no path from the input (classes 3, 4, 5, 7, 9)") } else { false }
        }
        #expect(warned, "report did not name the classes cut off: \(collapse.outputs)")
        #expect(collapse.resultText == "[3, 4, 5, 7, 9]")
        print("acc snip \(snip) iter_snip \(iter) force \(force); CE iter_snip cut off: \(collapse.resultText ?? "")")
    }
}
