import NeuralNet

/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// The learning rate of the next step (schedules set it before each step).
    var learningRate: Double { get set }
    /// One update of every parameter from its accumulated gradient.
    func step()
}
