import JSON
import NeuralNet
import Tensor
import Training

/// One model's peak memory over a few training steps (forward, backward, SGD with momentum and a
/// dense mask, as `TrainingBenchmark` times them) beside `Network.trainingMemory`'s estimate.
/// Run in a process of its own, so that the peak is the model's.
package struct MemoryBenchmark {
    var model: String
    var batch: Int
    var peakRSSMiB: Double
    var estimate: TrainingMemory

    static let mib = 1024.0 * 1024.0

    package var json: JSONValue {
        .object([
            ("model", .string(model)), ("batch", .int(batch)), ("peak_rss_mib", .double(peakRSSMiB.rounded())),
            ("estimate_mib", .double((estimate.total / Self.mib).rounded())),
            ("estimate_parameters_mib", .double((estimate.parameters / Self.mib).rounded())),
            ("estimate_optimizer_mib", .double((estimate.optimizer / Self.mib).rounded())),
            ("estimate_activations_mib", .double((estimate.activations / Self.mib).rounded())),
            ("estimate_gradients_mib", .double((estimate.gradients / Self.mib).rounded())),
            ("estimate_process_mib", .double((estimate.process / Self.mib).rounded())),
            ("ratio", .double(((estimate.total / Self.mib / peakRSSMiB) * 1000).rounded() / 1000)),
        ])
    }

    /// Builds `model` (the benchmarks' input), runs `steps` training steps on the benchmarks'
    /// random batch and reads the process's peak resident memory.
    package static func measure(model: String, settings: BenchmarkSettings, steps: Int = 3) throws -> MemoryBenchmark {
        let input = TrainingBenchmark.input(for: model)
        let net = try ModelZoo.build(ModelSpec(name: model, input: input, classes: 10, seed: 0))
        let estimate = net.trainingMemory(batch: settings.batch, optimizerSlots: 1)
        let (x, y) = settings.randomBatch(input: input)
        for (_, p) in net.prunable { p.mask = Tensor<Float>(repeating: 1, shape: p.shape) }
        let sgd = SGD(parameters: net.namedParameters.map(\.parameter), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        for _ in 0..<steps {
            net.zeroGradients()
            let logits = net.forward(x, mode: .train)
            net.backward(Loss.crossEntropy.evaluate(logits: logits, labels: y).gradient)
            sgd.step()
        }
        return MemoryBenchmark(model: model, batch: settings.batch, peakRSSMiB: MachineInfo.peakRSSMiB(), estimate: estimate)
    }
}
