import Datasets
import NeuralNet
import Tensor

/// Loss and accuracy of a network on a data set, BatchNorm in eval mode.
public struct Evaluation: Sendable, Equatable {
    public var loss: Double
    /// Fraction of images classified correctly.
    public var accuracy: Double
    public var count: Int

    /// Evaluates `network` on every image of `loader` (in order, no augmentation), with the given
    /// kernels for its masked layers (nil: as the layers are set, as during training).
    public static func run(_ network: Network<Float>, on loader: DataLoader, kernels: KernelChoice? = nil) -> Evaluation {
        guard let kernels else { return evaluate(network, on: loader) }
        return network.withKernels(kernels) { evaluate(network, on: loader) }
    }

    private static func evaluate(_ network: Network<Float>, on loader: DataLoader) -> Evaluation {
        var loss = 0.0, correct = 0, count = 0
        for batch in loader.evaluationBatches() {
            let logits = network.forward(batch.inputs, mode: .eval)
            loss += Loss.crossEntropy.evaluate(logits: logits, labels: batch.labels).loss * Double(batch.count)
            correct += Evaluation.correct(logits: logits, labels: batch.labels)
            count += batch.count
        }
        return Evaluation(loss: count > 0 ? loss / Double(count) : 0,
                          accuracy: count > 0 ? Double(correct) / Double(count) : 0, count: count)
    }

    /// How many rows of `logits` have their largest value at the label (first maximum on ties).
    public static func correct(logits: Tensor<Float>, labels: [Int]) -> Int {
        let c = logits.shape[1]
        var n = 0
        logits.withUnsafePointer { z in
            for (i, y) in labels.enumerated() {
                var best = 0
                for j in 1..<c where z[i * c + j] > z[i * c + best] { best = j }
                if best == y { n += 1 }
            }
        }
        return n
    }
}
