/// Training could not go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite.
    case diverged(step: Int, epoch: Int, loss: Double, learningRate: Double)
    /// Options that cannot work (an empty data set, a batch of zero).
    case invalid(String)

    public var description: String {
        switch self {
        case let .diverged(step, epoch, loss, lr):
            return "training diverged: the loss became \(loss) at step \(step) (epoch \(epoch)); "
                + "try a lower learning rate than \(lr)"
        case let .invalid(m):
            return m
        }
    }
}
