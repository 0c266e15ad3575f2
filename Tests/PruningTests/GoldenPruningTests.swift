import Datasets
import NeuralNet
import Pruning
import Tensor
import TestSupport
import Testing
import Training

/// Every row of the tolerance table in ../shared/golden/README.md that the implemented methods cover.
@Suite(.enabled(if: Golden.available, "golden fixtures not found at ../shared/golden"))
struct GoldenPruningTests {
    struct Case {
        let f: GoldenFixture
        let net: Network<Float>
        let data: BatchSource

        init(_ name: String) throws {
            let fixture = try GoldenFixture(name)
            f = fixture
            net = try ModelZoo.build(ModelSpec(name: fixture.model, input: fixture.input, classes: fixture.classes, width: fixture.width))
            try net.loadWeights(from: fixture.file, prefix: "param.")
            data = .list(try (0..<fixture.batchCount).map { i in
                let (x, y) = try fixture.batch(i)
                return Batch(inputs: x, labels: y)
            })
        }

        func mask(_ prefix: String) throws -> Mask {
            Mask(entries: try net.prunable.map { p in
                Mask.Entry(name: p.name, shape: p.parameter.shape,
                           bits: try f.file.integers("\(prefix).\(p.name)").map { UInt8($0) })
            })
        }

        func scores(_ prefix: String) throws -> [Tensor<Float>] {
            try net.prunable.map { try f.tensor("\(prefix).\($0.name)") }
        }
    }

    static func relativeError(_ a: ScoreSet, _ b: [Tensor<Float>]) -> Double {
        let x = a.flat, y = b.flatMap(\.scalars)
        var num = 0.0, den = 0.0
        for (u, v) in zip(x, y) { num += (Double(u) - Double(v)) * (Double(u) - Double(v)); den += Double(v) * Double(v) }
        return den == 0 ? num.squareRoot() : (num / den).squareRoot()
    }

    @Test(arguments: Golden.names)
    func singlePassScores(name: String) throws {
        let c = try Case(name)
        let snip = Saliency.snip(c.net, data: c.data)
        #expect(Self.relativeError(snip, try c.scores("score.snip")) <= 1e-4, "\(name) snip")
        let tl = Saliency.snip(c.net, data: c.data, loss: .targetLogit)
        #expect(Self.relativeError(tl, try c.scores("score.snip_target_logit")) <= 1e-4, "\(name) snip target logit")
        let grasp = GraSP.scores(c.net, data: c.data)
        let ge = Self.relativeError(grasp, try c.scores("score.grasp"))
        #expect(ge <= 2e-2, "\(name) grasp \(ge)")
        print("\(name) grasp relative error \(ge)")
        let sf = try Saliency.synflow(c.net)
        let e = Self.relativeError(sf, try c.scores("score.synflow"))
        #expect(e <= 1e-4, "\(name) synflow \(e)")
    }

    @Test(arguments: Golden.names)
    func oneShotMasks(name: String) throws {
        let c = try Case(name)
        for s in c.f.sparsities {
            for method in [PruningMethod.magnitude, .snip, .grasp] {
                let ref = try c.mask("mask.\(method.rawValue).\(GoldenFixture.tag(s))")
                let ours = try Pruner.prune(c.net, method: method, data: c.data, amount: .sparsity(s)).mask
                #expect(ours.kept == ref.kept, "\(name) \(method) @\(s): kept \(ours.kept) vs \(ref.kept)")
                let a = try ours.agreement(with: ref)
                #expect(a >= (method == .grasp ? 0.99 : 0.999), "\(name) \(method) @\(s): agreement \(a)")
            }
        }
    }

    /// Teacher-forced: step t scored on the reference mask of step t−1, by the float32 engine and by the float64 pass.
    @Test(arguments: Golden.names, [ScorePrecision.single, .double])
    func traces(name: String, precision: ScorePrecision) throws {
        let c = try Case(name)
        let s0 = c.f.meta["trace"]?["sparsity"]?.doubleValue ?? 0
        let T = c.f.steps
        let scoreSteps = Set(c.f.meta["trace"]?["score_steps"]?.arrayValue?.compactMap(\.intValue) ?? [])
        let options = IterativePruning.Options(steps: T, precision: precision)
        let densities = DensitySchedule.exponential.densities(final: 1 - s0, steps: T)
        let original = c.net.copy()
        let work = c.net.copy()
        for method in [IterativeMethod.iterSnip, .force, .synflow] {
            var previous = Mask.dense(for: c.net)
            for t in 1...T {
                let scores = try IterativePruning.stepScores(method, original: original, work: work, previous: previous,
                                                             step: t, data: c.data, options: options)
                if scoreSteps.contains(t) {
                    let e = Self.relativeError(scores, try c.scores("trace.\(method.rawValue).score.\(t)"))
                    let bound = max(1e-4, 30 * c.f.floor("trace_f32_vs_f64_rel_error", "\(method.rawValue)@\(t)"))
                    #expect(e <= bound, "\(name) \(method.rawValue) step \(t) scores: \(e) > \(bound)")
                }
                let ref = try c.mask("trace.\(method.rawValue).mask.\(t)")
                let ours = Selection.keepTop(scores, k: DensitySchedule.keptCount(total: previous.total, density: densities[t - 1]),
                                             previous: previous)
                #expect(ours.kept == ref.kept, "\(name) \(method.rawValue) step \(t) count")
                let a = try ours.agreement(with: ref)
                #expect(a >= 0.999, "\(name) \(method.rawValue) step \(t): agreement \(a)")
                previous = ref
            }
        }
    }

    /// End to end: agreement where PyTorch's own float32 and float64 runs agree (≥ 0.999), count always.
    ///
    /// With the default options, which score FORCE and Iterative SNIP in Double on networks with
    /// BatchNorm (`ScorePrecision.auto`). In float32, vgg11_w0125 FORCE at 0.9 fails: step 1 has a
    /// near-tie at the threshold (k-th and (k+1)-th scores 4.5e-6 apart, relative) below float32's
    /// per-element accuracy (PyTorch's float32 scores and ours both sit ~8e-5 from float64 at the 99th
    /// percentile). PyTorch's float32 happened to rank it as float64 does, our float32 flips one
    /// weight, and BatchNorm amplifies it over the later steps (`forceFromReferenceStepOne` shows every
    /// later step is exact). Double ranks the near-tie as float64 does.
    @Test(arguments: Golden.names)
    func iterativeMasks(name: String) throws {
        let c = try Case(name)
        for s in c.f.sparsities {
            let tag = GoldenFixture.tag(s)
            for method in [PruningMethod.iterSnip, .force, .synflow] {
                let ref = try c.mask("mask.\(method.rawValue).\(tag)")
                let ours = try Pruner.prune(c.net, method: method, data: c.data, amount: .sparsity(s),
                                            options: PruningOptions(steps: c.f.steps, loss: .crossEntropy)).mask
                #expect(ours.kept == ref.kept, "\(name) \(method) @\(s) count")
                let stable = (c.f.meta["mask_agreement_f32_vs_f64"]?["\(method.rawValue)@\(tag)"]?.doubleValue ?? 0) >= 0.999
                guard stable else { continue }
                let a = try ours.agreement(with: ref)
                #expect(a >= 0.99, "\(name) \(method) @\(s): agreement \(a)")
            }
        }
    }

    /// The float32 divergence described at `iterativeMasks` comes only from step 1: started from the
    /// reference mask of step 1, FORCE reproduces the reference mask of every later step.
    @Test func forceFromReferenceStepOne() throws {
        let c = try Case("vgg11_w0125")
        let densities = DensitySchedule.exponential.densities(final: 1 - 0.9, steps: 10)
        var previous = try c.mask("trace.force.mask.1")
        let original = c.net.copy(), work = c.net.copy()
        for t in 2...10 {
            let s = try IterativePruning.stepScores(.force, original: original, work: work, previous: previous, step: t,
                                                    data: c.data, options: .init(steps: 10, precision: .single))
            previous = Selection.keepTop(s, k: DensitySchedule.keptCount(total: previous.total, density: densities[t - 1]),
                                         previous: previous)
            #expect(try previous.agreement(with: try c.mask("trace.force.mask.\(t)")) >= 0.999, "step \(t)")
        }
    }
}
