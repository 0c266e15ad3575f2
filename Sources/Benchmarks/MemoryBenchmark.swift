import JSON
import NeuralNet

/// One model's peak memory over a few training steps (`TrainingBenchmark.trainingStep`, the step
/// it times) beside `Network.trainingMemory`'s estimate. Run in a process of its own, so that the
/// peak is the model's.
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
        let (net, _, step) = try TrainingBenchmark.trainingStep(model: model, settings: settings)
        let estimate = net.trainingMemory(batch: settings.batch, optimizerSlots: 1)
        for _ in 0..<steps { step() }
        return MemoryBenchmark(model: model, batch: settings.batch, peakRSSMiB: MachineInfo.peakRSSMiB(), estimate: estimate)
    }
}
