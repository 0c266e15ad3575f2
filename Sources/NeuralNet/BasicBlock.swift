import Tensor

/// The residual block of CIFAR ResNets: relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)),
/// 3×3 convolutions without bias; the shortcut is the identity, or a 1×1 strided conv + BN
/// (`shortcut.0`, `shortcut.1`) when the stride or the width changes.
public final class BasicBlock<Scalar: TensorScalar>: Layer {
    public let conv1: Conv2d<Scalar>
    public let bn1: BatchNorm2d<Scalar>
    public let conv2: Conv2d<Scalar>
    public let bn2: BatchNorm2d<Scalar>
    /// Empty for an identity shortcut.
    public let shortcut: Sequential<Scalar>
    private let relu1 = ReLU<Scalar>()
    private let relu2 = ReLU<Scalar>()

    public init(inChannels: Int, outChannels: Int, stride: Int) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(channels: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(channels: outChannels)
        if stride != 1 || inChannels != outChannels {
            shortcut = Sequential([
                Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false),
                BatchNorm2d(channels: outChannels),
            ])
        } else {
            shortcut = Sequential([])
        }
    }

    private init(conv1: Conv2d<Scalar>, bn1: BatchNorm2d<Scalar>, conv2: Conv2d<Scalar>, bn2: BatchNorm2d<Scalar>,
                 shortcut: Sequential<Scalar>) {
        self.conv1 = conv1
        self.bn1 = bn1
        self.conv2 = conv2
        self.bn2 = bn2
        self.shortcut = shortcut
    }

    public var children: [(name: String, layer: any Layer<Scalar>)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("shortcut", shortcut)]
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        let main = try bn2.outputShape(for: conv2.outputShape(for: conv1.outputShape(for: input)))
        let side = try shortcut.outputShape(for: input)
        guard main == side else { throw ShapeError("residual branch \(main) and shortcut \(side) differ") }
        return main
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        let h = relu1.forward(bn1.forward(conv1.forward(x, mode: mode), mode: mode), mode: mode)
        var y = bn2.forward(conv2.forward(h, mode: mode), mode: mode)
        y.add(shortcut.forward(x, mode: mode))
        return relu2.forward(y, mode: mode)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = relu2.backward(dy)
        var dx = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(d)))))
        dx.add(shortcut.backward(d))
        return dx
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        let h = relu1.forwardR(bn1.forwardR(conv1.forwardR(rx)))
        var y = bn2.forwardR(conv2.forwardR(h))
        y.add(shortcut.forwardR(rx))
        return relu2.forwardR(y)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = relu2.backwardR(rdy)
        var dx = conv1.backwardR(bn1.backwardR(relu1.backwardR(conv2.backwardR(bn2.backwardR(d)))))
        dx.add(shortcut.backwardR(d))
        return dx
    }

    public func clone() -> any Layer<Scalar> {
        BasicBlock(conv1: conv1.copy(), bn1: bn1.copy(), conv2: conv2.copy(), bn2: bn2.copy(),
                   shortcut: shortcut.copy())
    }

    /// The main branch in forward order.
    private var mainBranch: [any Layer<Scalar>] { [conv1, bn1, relu1, conv2, bn2] }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        BasicBlock<Other>(conv1: conv1.copy(as: Other.self), bn1: bn1.copy(as: Other.self),
                          conv2: conv2.copy(as: Other.self), bn2: bn2.copy(as: Other.self),
                          shortcut: shortcut.copy(as: Other.self))
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        var (main, shape) = (reachable, inputShape)
        for layer in mainBranch {
            main = layer.reachableOutputs(from: main, inputShape: shape, kept: kept)
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        let side = shortcut.reachableOutputs(from: reachable, inputShape: inputShape, kept: kept)
        return zip(main, side).map { $0 || $1 }
    }

    public func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int] {
        var shape = inputShape
        for layer in [conv1, bn1, conv2, bn2] as [any Layer<Scalar>] { shape = layer.visitLeaves(inputShape: shape, visit) }
        _ = shortcut.visitLeaves(inputShape: inputShape, visit)
        return shape
    }

    /// How the layer is written in PruneScript.
    public var description: String { "basic_block(\(conv1.inChannels), \(conv1.outChannels), stride: \(conv1.stride))" }
}
