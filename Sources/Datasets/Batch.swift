import Tensor

/// A minibatch: inputs `[N, C, H, W]` and one class label per input.
public struct Batch: Sendable {
    public var inputs: Tensor<Float>
    public var labels: [Int]

    public init(inputs: Tensor<Float>, labels: [Int]) {
        precondition(inputs.shape.first == labels.count, "\(labels.count) labels for inputs \(inputs.shape)")
        self.inputs = inputs
        self.labels = labels
    }

    public var count: Int { labels.count }
}
