import Glibc

/// How the learning rate changes over training, evaluated per iteration.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// Multiply by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Multiply by `gamma` at each epoch in `milestones`.
    case multiStep(milestones: [Int], gamma: Double)
    /// Cosine annealing from the base rate to 0 over the whole run (per iteration).
    case cosine

    /// The rate at iteration `step` (0-based) of `totalSteps`, `stepsPerEpoch` per epoch,
    /// after a linear warm-up of `warmupSteps` iterations (rate · min(1, (step+1)/warmup)).
    public func rate(base: Double, step: Int, stepsPerEpoch: Int, totalSteps: Int, warmupSteps: Int = 0) -> Double {
        let epoch = step / max(1, stepsPerEpoch)
        var r: Double
        switch self {
        case .constant:
            r = base
        case let .step(every, gamma):
            r = base * pow(gamma, Double(epoch / max(1, every)))
        case let .multiStep(milestones, gamma):
            r = base * pow(gamma, Double(milestones.filter { epoch >= $0 }.count))
        case .cosine:
            r = base * 0.5 * (1 + cos(Double.pi * Double(step) / Double(max(1, totalSteps))))
        }
        if warmupSteps > 0 && step < warmupSteps { r *= Double(step + 1) / Double(warmupSteps) }
        return r
    }
}
