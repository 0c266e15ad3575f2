import Datasets
import JSON
import NeuralNet
import Pruning
import Tensor
import Training

/// Training and inference throughput of one model at one density (`prunebook bench --densities`):
/// the mask is SNIP's at that density on one random batch; the step is forward, backward and SGD
/// with momentum through the kernels a user's training takes (`kernels`, `.auto` by default).
package struct DensityBenchmark {
    var model: String
    var density: Double
    var kernels: KernelChoice
    var batch: Int
    var trainImagesPerSecond: Double
    var inferImagesPerSecond: Double
    /// Conv and linear multiply-accumulates per image the mask keeps, over the dense count.
    var macsFraction: Double
    /// The layers that ran sparse at this density, by parameter name.
    var sparseLayers: [String]
    /// Each prunable layer's density under the mask, by parameter name.
    var layerDensities: [(String, Double)]

    package var json: JSONValue {
        .object([
            ("model", .string(model)), ("density", .double(density)), ("kernels", .string(kernels.rawValue)),
            ("batch", .int(batch)),
            ("train_images_per_s", .double((trainImagesPerSecond * 10).rounded() / 10)),
            ("infer_images_per_s", .double((inferImagesPerSecond * 10).rounded() / 10)),
            ("macs_fraction", .double((macsFraction * 1e5).rounded() / 1e5)),
            ("sparse_layers", .array(sparseLayers.map { .string($0) })),
            ("layer_densities", .object(layerDensities.map { ($0.0, .double(($0.1 * 1e5).rounded() / 1e5)) })),
        ])
    }

    package static func measure(model: String, density: Double, kernels: KernelChoice,
                                settings: BenchmarkSettings) throws -> DensityBenchmark {
        let input = ModelZoo.defaultInput(for: model)
        let net = try ModelZoo.build(ModelSpec(name: model, input: input, classes: 10, seed: 0))
        let (x, y) = settings.randomBatch(input: input)
        var macsFraction = 1.0
        if density < 1 {
            let scores = Saliency.snip(net, data: .list([Batch(inputs: x, labels: y)]))
            let total = net.prunableCount
            let mask = Selection.keepTop(scores, k: DensitySchedule.keptCount(total: total, density: density))
            try mask.apply(to: net)
            let per = net.macsPerWeight
            var kept = 0.0
            for (name, p) in net.prunable {
                kept += Double(per[name] ?? 0) * p.density * Double(p.value.count)
            }
            macsFraction = kept / Double(max(1, net.macsPerImage))
        }
        let sgd = SGD(parameters: net.namedParameters.map(\.parameter), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        net.useKernels(kernels)
        func step() {
            net.zeroGradients()
            let logits = net.forward(x, mode: .train)
            net.backward(Loss.crossEntropy.evaluate(logits: logits, labels: y).gradient)
            sgd.step()
        }
        let train = median(settings) { step() }
        var sparse: [String] = []
        for (name, p) in net.prunable where p.compactGradient != nil { sparse.append(name) }
        let infer = median(settings) { _ = net.forward(x, mode: .eval) }
        return DensityBenchmark(model: model, density: density, kernels: kernels, batch: settings.batch,
                                trainImagesPerSecond: Double(settings.batch) / train,
                                inferImagesPerSecond: Double(settings.batch) / infer,
                                macsFraction: macsFraction, sparseLayers: sparse,
                                layerDensities: net.prunable.map { ($0.name, $0.parameter.density) })
    }

    /// Median seconds of `body` (see `BenchmarkSettings.timedRuns`).
    static func median(_ settings: BenchmarkSettings, _ body: () -> Void) -> Double {
        let times = settings.timedRuns(body)
        return times[times.count / 2]
    }
}
