import Datasets
import JSON
import NeuralNet
import ONNX
import Pruning
import Tensor

/// A network from an ONNX file: how long reading it takes and how much memory it holds, and one
/// SNIP pass and one FORCE step on a batch in float32 and in float64 (what `--onnx` prints beside
/// `scripts/torch_onnx_bench.py`'s PyTorch figures for the same file).
package struct ONNXBenchmark {
    var file: String
    var parameters: Int
    var importSeconds: Double
    /// Peak resident memory of the process after reading the file (before any pass).
    var importPeakRSSMiB: Double
    var batch: Int
    var input: [Int]
    var snipSeconds: [String: Double]
    var forceStepSeconds: [String: Double]

    package var json: JSONValue {
        .object([
            ("file", .string(file)), ("parameters", .int(parameters)), ("import_s", .double(TrainingBenchmark.round4(importSeconds))),
            ("import_peak_rss_mib", .double(importPeakRSSMiB.rounded())), ("batch", .int(batch)), ("input", .array(input.map { .int($0) })),
            ("snip_f32_s", .double(TrainingBenchmark.round4(snipSeconds["single"] ?? 0))),
            ("snip_f64_s", .double(TrainingBenchmark.round4(snipSeconds["double"] ?? 0))),
            ("force_step_f32_s", .double(TrainingBenchmark.round4(forceStepSeconds["single"] ?? 0))),
            ("force_step_f64_s", .double(TrainingBenchmark.round4(forceStepSeconds["double"] ?? 0))),
        ])
    }

    /// Reads `path` (timed, then the memory read off), then times the passes on `settings`' random batch.
    package static func measure(path: String, settings: BenchmarkSettings, passes: Bool = true) throws -> ONNXBenchmark {
        let t0 = Clock.now
        let model = try ONNXModel.load(path: path)
        let importSeconds = Clock.now - t0
        let rss = MachineInfo.peakRSSMiB()
        let net = model.network
        var snip: [String: Double] = [:], force: [String: Double] = [:]
        if passes {
            let (x, y) = settings.randomBatch(input: net.inputShape)
            let data = BatchSource.list([Batch(inputs: x, labels: y.map { $0 % net.classes })])
            let runs = settings.quick ? 1 : 3
            for precision in [ScorePrecision.single, .double] {
                let options = PruningOptions(loss: .crossEntropy, precision: precision)
                snip[precision.rawValue] = try TrainingBenchmark.medianSeconds(runs) {
                    _ = try Pruner.scores(net, method: .snip, data: data, options: options)
                }
                // FORCE's first step: scores of the masked network at θ0, then the top-k
                let stepOptions = IterativePruning.Options(steps: 1, precision: precision)
                let dense = Mask.dense(for: net)
                force[precision.rawValue] = try TrainingBenchmark.medianSeconds(runs) {
                    let scores = try IterativePruning.stepScores(.force, original: net, work: net.copy(), previous: dense, step: 1,
                                                                 data: data, options: stepOptions)
                    _ = Selection.keepTop(scores, k: DensitySchedule.keptCount(total: dense.total, density: 0.1), previous: dense)
                }
            }
        }
        return ONNXBenchmark(file: path, parameters: net.parameterCount, importSeconds: importSeconds, importPeakRSSMiB: rss,
                             batch: settings.batch, input: net.inputShape, snipSeconds: snip, forceStepSeconds: force)
    }
}
