import Support

/// What a training step of a network holds at its peak, estimated from its shapes before any
/// batch is allocated, so that a step that cannot fit is refused up front instead of ending in
/// the machine's out-of-memory kill. `prunebook bench --memory` prints it beside the peak it
/// measures (a test holds it within 0.7–1.5× of that peak on lenet5, resnet20 and vgg19).
public struct TrainingMemory: Sendable, Equatable {
    /// Weights, their gradients and their masks.
    public var parameters: Double
    /// The optimizer's state (a momentum buffer per parameter for SGD with momentum).
    public var optimizer: Double
    /// The batch and every leaf layer's output at the batch size: what the forward keeps for the
    /// backward (each output is the next layer's saved input).
    public var activations: Double
    /// The backward's transient: the output gradient and the input gradient of the largest layer.
    public var gradients: Double
    /// The program itself (runtime, libraries, OpenBLAS's buffers, convolution scratch).
    public var process: Double

    /// Bytes in all.
    public var total: Double { parameters + optimizer + activations + gradients + process }

    /// The parts that make up most of it, largest first: "activations 190 GB, parameters 4.1 GB".
    public var breakdown: String {
        let parts = [("parameters", parameters), ("optimizer state", optimizer), ("activations", activations),
                     ("gradients", gradients), ("the program", process)]
        return parts.filter { $0.1 >= 0.1 * total }.sorted { $0.1 > $1.1 }
            .map { "\($0.0) \(MemoryBudget.describe($0.1))" }.joined(separator: ", ")
    }

    /// Resident memory of the program before any network or data: `bench --memory` measures a
    /// peak of 42 MiB for lenet5 at batch 1 (under 1 MiB of which is the network and its batch).
    public static let processBytes = 40.0 * 1024 * 1024
}

extension Network {
    /// The training-step memory at `batch` images: the network's parameters, `optimizerSlots`
    /// buffers of the parameters' size (1 for SGD with momentum, 0 without; the copies a pruning
    /// method keeps), the activations the forward keeps, the backward's largest gradients; in
    /// `scalarBytes` per number (the network's own by default, 8 for a float64 pass). Doubles,
    /// so absurd batches neither overflow nor trap.
    public func trainingMemory(batch: Int, optimizerSlots: Int = 1, scalarBytes: Int? = nil) -> TrainingMemory {
        let scalar = Double(scalarBytes ?? MemoryLayout<Scalar>.size)
        let count = Double(parameterCount)
        let masked = Double(prunableCount)
        let images = Double(Swift.max(1, batch))
        var outputs = Double(inputShape.reduce(1, *))
        var largest = outputs
        walk { _, _, output in
            let n = Double(output.reduce(1, *))
            outputs += n
            largest = Swift.max(largest, n)
        }
        return TrainingMemory(parameters: scalar * (2 * count + masked),
                              optimizer: scalar * count * Double(Swift.max(0, optimizerSlots)),
                              activations: scalar * images * outputs,
                              gradients: scalar * images * 2 * largest,
                              process: TrainingMemory.processBytes)
    }
}
