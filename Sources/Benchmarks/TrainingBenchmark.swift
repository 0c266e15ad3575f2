import Datasets
import JSON
import NeuralNet
import Pruning
import Tensor
import Training

/// One model's training-step measurement (forward, backward, SGD with momentum and a dense mask).
package struct TrainingBenchmark {
    var model: String
    var input: [Int]
    var batch: Int
    var imagesPerSecond: Double
    var spread: Double
    var gflops: Double
    var macsPerImage: Int
    var peakRSSMiB: Double
    /// Median seconds of one SNIP scoring pass (forward + backward on one batch, scores).
    var snipSeconds: Double
    /// Median seconds of one FORCE step (restore θ0, mask, forward + backward, scores, top-k).
    var forceStepSeconds: Double
    /// Seconds of whole 60-step FORCE and Iterative SNIP runs in float32 (with `fullRuns`).
    var forceRunSeconds: Double?
    var iterSnipRunSeconds: Double?
    /// The same runs at the default precision, when it resolves to the float64 pass (BatchNorm networks).
    var forceRunDoubleSeconds: Double?
    var iterSnipRunDoubleSeconds: Double?

    package var json: JSONValue {
        .object([
            ("model", .string(model)), ("input", .array(input.map { .int($0) })), ("batch", .int(batch)),
            ("train_images_per_s", .double(imagesPerSecond.rounded())), ("train_spread", .double(spread)),
            ("train_gflops", .double((gflops * 10).rounded() / 10)), ("macs_per_image", .int(macsPerImage)),
            ("snip_s", .double(Self.round4(snipSeconds))), ("force_step_s", .double(Self.round4(forceStepSeconds))),
            ("peak_rss_mib", .double(peakRSSMiB.rounded())),
        ] + (forceRunSeconds.map { [("force_60_s", .double(Self.round4($0)))] } ?? [])
          + (iterSnipRunSeconds.map { [("iter_snip_60_s", .double(Self.round4($0)))] } ?? [])
          + (forceRunDoubleSeconds.map { [("force_60_f64_s", .double(Self.round4($0)))] } ?? [])
          + (iterSnipRunDoubleSeconds.map { [("iter_snip_60_f64_s", .double(Self.round4($0)))] } ?? []))
    }

    /// The models `prunebook bench` can measure: the zoo.
    package static var modelNames: [String] { ModelZoo.names }

    /// Benchmark inputs: MNIST shape for the LeNets, CIFAR shape otherwise.
    static func input(for model: String) -> [Int] { ModelZoo.defaultInput(for: model) }

    /// `model` built as the benchmarks train it (their input, seed 0, a dense mask), their random
    /// batch, and one training step on it: forward, backward, SGD with momentum.
    static func trainingStep(model: String, settings: BenchmarkSettings) throws
        -> (net: Network<Float>, batch: (inputs: Tensor<Float>, labels: [Int]), step: () -> Void) {
        let input = self.input(for: model)
        let net = try ModelZoo.build(ModelSpec(name: model, input: input, classes: 10, seed: 0))
        let (x, y) = settings.randomBatch(input: input)
        for (_, p) in net.prunable { p.mask = Tensor<Float>(repeating: 1, shape: p.shape) }
        let sgd = SGD(parameters: net.namedParameters.map(\.parameter), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        return (net, (x, y), {
            net.zeroGradients()
            let logits = net.forward(x, mode: .train)
            net.backward(Loss.crossEntropy.evaluate(logits: logits, labels: y).gradient)
            sgd.step()
        })
    }

    package static func measure(model: String, settings: BenchmarkSettings) throws -> TrainingBenchmark {
        let input = self.input(for: model)
        let (net, (x, y), step) = try trainingStep(model: model, settings: settings)
        let times = settings.timedRuns(step)
        let median = times[times.count / 2]
        let spread = (times[(times.count * 3) / 4] - times[times.count / 4]) / median
        let macs = net.macsPerImage
        let gflops = 6 * Double(macs) * Double(settings.batch) / median / 1e9

        // pruning: the same batch, the unmasked initial network
        let fresh = try ModelZoo.build(ModelSpec(name: model, input: input, classes: 10, seed: 0))
        let data = BatchSource.list([Batch(inputs: x, labels: y)])
        let runs = settings.quick ? 3 : 5
        let snip = medianSeconds(runs) { _ = Saliency.snip(fresh, data: data) }
        let original = fresh.copy(), work = fresh.copy()
        // float32, the same arithmetic as PyTorch's CPU run (the default resolves to float64 on BatchNorm networks)
        let options = IterativePruning.Options(steps: 60, precision: .single)
        let densities = DensitySchedule.exponential.densities(final: 0.01, steps: 60)
        var mask = Mask.dense(for: original)
        var t = 0
        let forceStep = try medianSeconds(runs) {
            t += 1
            let scores = try IterativePruning.stepScores(.force, original: original, work: work, previous: mask, step: t,
                                                         data: data, options: options)
            mask = Selection.keepTop(scores, k: DensitySchedule.keptCount(total: mask.total, density: densities[t - 1]),
                                     previous: mask)
        }
        var runs60: [String: Double] = [:]
        if settings.fullRuns {
            let precisions: [ScorePrecision] = ScorePrecision.auto.resolved(for: .force, on: fresh) == .double
                ? [.single, .double] : [.single]
            for precision in precisions {
                for method in [PruningMethod.force, .iterSnip] {
                    let t0 = Clock.now
                    _ = try Pruner.prune(fresh, method: method, data: data, amount: .density(0.01),
                                         options: PruningOptions(steps: 60, precision: precision))
                    runs60["\(method.rawValue) \(precision.rawValue)"] = Clock.now - t0
                }
            }
        }
        return TrainingBenchmark(model: model, input: input, batch: settings.batch,
                                 imagesPerSecond: Double(settings.batch) / median, spread: spread,
                                 gflops: gflops, macsPerImage: macs, peakRSSMiB: MachineInfo.peakRSSMiB(),
                                 snipSeconds: snip, forceStepSeconds: forceStep,
                                 forceRunSeconds: runs60["force single"], iterSnipRunSeconds: runs60["iter_snip single"],
                                 forceRunDoubleSeconds: runs60["force double"], iterSnipRunDoubleSeconds: runs60["iter_snip double"])
    }

    /// Median wall time of `runs` calls after one warm-up call.
    static func medianSeconds(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = Clock.now
            try body()
            times.append(Clock.now - t0)
        }
        return times.sorted()[times.count / 2]
    }

    static func round4(_ v: Double) -> Double { (v * 1e4).rounded() / 1e4 }
}
