import Datasets
import NeuralNet

/// A training recipe. Defaults: SGD with momentum 0.9, weight decay 5e-4, batch 128, constant rate.
public struct TrainingOptions: Sendable, Equatable {
    public var epochs: Int
    /// When set, train this many iterations instead of whole epochs.
    public var steps: Int?
    public var batchSize: Int
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var schedule: LearningRateSchedule
    public var warmupSteps: Int
    /// Fixes data order and augmentation.
    public var seed: UInt64
    public var augmentation: Augmentation?
    /// Evaluate on the test set after every epoch (otherwise only at the end).
    public var evaluateEachEpoch: Bool
    /// Start at this iteration (rewinding): earlier iterations are skipped, the schedule and data order continue.
    public var startStep: Int = 0
    /// Stop after this iteration (the rewind point W_k): the schedule still spans the whole run.
    public var stopStep: Int?
    /// Fraction of the training images held out, seeded by `seed`, to validate on after each
    /// epoch (0: none, every image trains).
    public var validationFraction: Double = 0
    /// Parameters weight decay skips: "bias" (every bias), "bn" (BatchNorm's weight and bias),
    /// or parameter names and `*` patterns ("fc3.*"). Empty: decay on every parameter, as PyTorch.
    public var weightDecayExclude: [String] = []
    /// Dense or sparse products for the masked layers (`.auto`: per layer, by shape and density).
    public var kernels: KernelChoice = .auto
    /// A non-finite loss: an error, or the end of the run (reported in `TrainingRun.diverged`).
    public var onDivergence: DivergencePolicy = .error

    public init(epochs: Int = 1, steps: Int? = nil, batchSize: Int = 128, learningRate: Double = 0.1,
                momentum: Double = 0.9, weightDecay: Double = 5e-4, nesterov: Bool = false,
                schedule: LearningRateSchedule = .constant, warmupSteps: Int = 0, seed: UInt64 = 0,
                augmentation: Augmentation? = nil, evaluateEachEpoch: Bool = true) {
        self.epochs = epochs
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.schedule = schedule
        self.warmupSteps = warmupSteps
        self.seed = seed
        self.augmentation = augmentation
        self.evaluateEachEpoch = evaluateEachEpoch
    }
}

/// What one epoch measured.
public struct EpochMetrics: Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var loss: Double
    /// Training accuracy over the epoch's batches (train-mode outputs).
    public var trainAccuracy: Double
    /// Test accuracy after the epoch, when a test set was given and evaluated.
    public var testAccuracy: Double?
    public var testLoss: Double?
    /// Accuracy and loss on the held-out validation images (with a validation fraction).
    public var validationAccuracy: Double? = nil
    public var validationLoss: Double? = nil
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Learning rate of the epoch's last step.
    public var learningRate: Double
}

/// The outcome of `Trainer.train`.
public struct TrainingRun: Sendable {
    public var epochs: [EpochMetrics]
    /// Iterations completed.
    public var steps: Int
    /// True when a cancellation stopped training early (the network holds the last completed step).
    public var cancelled: Bool
    /// Final test evaluation (nil without a test set).
    public var test: Evaluation?
    /// Final evaluation on the held-out validation images (nil without a validation fraction).
    public var validation: Evaluation? = nil
    public var seconds: Double
    /// Where the loss stopped being finite, when `onDivergence` is `.stop` (a `.diverged` error).
    public var diverged: TrainingError? = nil
}

extension TrainingOptions {
    /// These options with a validation fraction and weight-decay exclusions.
    public func with(validation fraction: Double, weightDecayExclude: [String]) -> TrainingOptions {
        var o = self
        o.validationFraction = fraction
        o.weightDecayExclude = weightDecayExclude
        return o
    }
}

extension TrainingOptions {
    /// These options with the given kernels for masked layers.
    public func with(kernels: KernelChoice) -> TrainingOptions {
        var o = self
        o.kernels = kernels
        return o
    }

    /// These options with the given response to a non-finite loss.
    public func with(onDivergence policy: DivergencePolicy) -> TrainingOptions {
        var o = self
        o.onDivergence = policy
        return o
    }
}
