import Datasets
import NeuralNet
import Pruning
import Tensor
import TestSupport
import Testing
import Training

/// The network run in Double and `ScorePrecision.double` against the PyTorch fixtures (float32,
/// so to 1e-4) and against the float32 engine.
@Suite(.enabled(if: Golden.available, "golden fixtures not found at ../shared/golden"))
struct Float64GoldenTests {
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for (u, v) in zip(a, b) { num += (u - v) * (u - v); den += v * v }
        return den == 0 ? num.squareRoot() : (num / den).squareRoot()
    }

    static func doubles(_ t: Tensor<Float>) -> [Double] { t.scalars.map { Double($0) } }

    @Test(arguments: Golden.names)
    func gradientsMatchTheFixture(name: String) throws {
        let c = try GoldenPruningTests.Case(name)
        let (x, y) = try c.f.batch(0)
        let net = c.net.converted(to: Double.self)
        net.zeroGradients()
        let z = net.forward(x.converted(to: Double.self), mode: .train)
        let (loss, dz) = Loss.crossEntropy.evaluate(logits: z, labels: y)
        net.backward(dz)
        let gradients = net.prunable.map(\.parameter.grad.scalars)
        #expect(Self.relativeError(z.scalars, Self.doubles(try c.f.tensor("logits"))) <= 1e-4, "\(name) logits")
        let ref = Double(try c.f.tensor("loss")[flat: 0])
        #expect(abs(loss - ref) / abs(ref) <= 1e-4, "\(name) loss \(loss) vs \(ref)")
        // and the float32 engine's gradients of the same batch
        let float32 = Saliency.meanGradients(c.net.copy(), batches: [0], from: c.data, loss: .crossEntropy)
        for (k, (pname, _)) in c.net.prunable.enumerated() {
            let e = Self.relativeError(gradients[k], Self.doubles(try c.f.tensor("grad.\(pname)")))
            #expect(e <= 1e-4, "\(name) grad.\(pname): relative error \(e)")
            let e32 = Self.relativeError(Self.doubles(float32[k]), gradients[k])
            #expect(e32 <= 1e-4, "\(name) \(pname): float32 engine vs the network in Double \(e32)")
        }
    }

    @Test(arguments: Golden.names)
    func doubleScoresMatchTheFixture(name: String) throws {
        let c = try GoldenPruningTests.Case(name)
        let double = c.net.converted(to: Double.self)
        let snip = Saliency.snip(double, data: c.data)
        #expect(snip.precision == .double)
        #expect(GoldenPruningTests.relativeError(snip, try c.scores("score.snip")) <= 1e-4, "\(name) snip")
        let tl = Saliency.snip(double, data: c.data, loss: .targetLogit)
        #expect(GoldenPruningTests.relativeError(tl, try c.scores("score.snip_target_logit")) <= 1e-4, "\(name) target logit")
        let sf = try Saliency.synflow(double)
        #expect(GoldenPruningTests.relativeError(sf, try c.scores("score.synflow")) <= 1e-4, "\(name) synflow")
    }

    /// `precision: .double` for every iterative method, not only where `auto` chooses it.
    @Test(arguments: Golden.names)
    func doubleIterativeMasks(name: String) throws {
        let c = try GoldenPruningTests.Case(name)
        let s = c.f.sparsities[0]
        let tag = GoldenFixture.tag(s)
        for method in [PruningMethod.iterSnip, .force, .synflow] {
            let ref = try c.mask("mask.\(method.rawValue).\(tag)")
            let ours = try Pruner.prune(c.net, method: method, data: c.data, amount: .sparsity(s),
                                        options: PruningOptions(steps: c.f.steps, loss: .crossEntropy, precision: .double)).mask
            #expect(ours.kept == ref.kept, "\(name) \(method) @\(s) count")
            guard (c.f.meta["mask_agreement_f32_vs_f64"]?["\(method.rawValue)@\(tag)"]?.doubleValue ?? 0) >= 0.999 else { continue }
            let a = try ours.agreement(with: ref)
            #expect(a >= 0.99, "\(name) \(method) @\(s): agreement \(a)")
        }
    }

    /// The near-tie of vgg11_w0125's FORCE step 1: in Double our top-k is the reference's.
    @Test func doubleRanksTheStepOneNearTieAsTheReference() throws {
        let c = try GoldenPruningTests.Case("vgg11_w0125")
        let previous = Mask.dense(for: c.net)
        let scores = try IterativePruning.stepScores(.force, original: c.net.copy(), work: c.net.copy(), previous: previous,
                                                     step: 1, data: c.data, options: .init(steps: 10, precision: .double))
        let d1 = DensitySchedule.exponential.densities(final: 1 - 0.9, steps: 10)[0]
        let ours = Selection.keepTop(scores, k: DensitySchedule.keptCount(total: previous.total, density: d1), previous: previous)
        #expect(ours == (try c.mask("trace.force.mask.1")))
    }

    @Test func autoPrecisionChoosesDoubleWhereFloat32NearTiesCascade() throws {
        let vgg = try ModelZoo.build(ModelSpec(name: "vgg11", width: 0.125))
        let lenet = try ModelZoo.build(ModelSpec(name: "lenet5"))
        #expect(ScorePrecision.auto.resolved(for: .force, on: vgg) == .double)
        #expect(ScorePrecision.auto.resolved(for: .iterSnip, on: vgg) == .double)
        for method in [PruningMethod.snip, .synflow, .grasp, .magnitude] {
            #expect(ScorePrecision.auto.resolved(for: method, on: vgg) == .single, "\(method)")
        }
        #expect(ScorePrecision.auto.resolved(for: .force, on: lenet) == .single)
        #expect(ScorePrecision.double.resolved(for: .snip, on: lenet) == .double)
        #expect(ScorePrecision.single.resolved(for: .force, on: vgg) == .single)
    }

    @Test func doubleLossesMatchTheFloat32Ones() {
        var g = Philox(seed: 4)
        let logits = (0..<(5 * 7)).map { _ in Float(g.normal() * 3) }
        let labels = (0..<5).map { _ in g.below(7) }
        for loss in Loss.allCases {
            let (l32, g32) = loss.evaluate(logits: Tensor<Float>(shape: [5, 7], scalars: logits), labels: labels)
            let (l64, g64) = loss.evaluate(logits: Tensor<Double>(shape: [5, 7], scalars: logits.map { Double($0) }), labels: labels)
            #expect(abs(l32 - l64) <= 1e-6 * max(1, abs(l64)), "\(loss)")
            #expect(Self.relativeError(Self.doubles(g32), g64.scalars) <= 1e-6, "\(loss)")
        }
    }
}
