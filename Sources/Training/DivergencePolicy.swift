/// What training does when the loss stops being finite.
public enum DivergencePolicy: String, CaseIterable, Sendable {
    /// Throw `TrainingError.diverged`: the run (and the script) stops with the error.
    case error
    /// End the run at that step and report it (`TrainingRun.diverged`); the network is evaluated
    /// as it is, which is what a sweep over methods and sparsities wants of a mask whose network
    /// cannot be trained at the recipe's learning rate: a result, not a lost point.
    case stop
}
