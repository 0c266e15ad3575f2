import Tensor

/// The residual block of CIFAR ResNets: relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)),
/// 3×3 convolutions without bias; the shortcut is the identity, or a 1×1 strided conv + BN
/// (`shortcut.0`, `shortcut.1`) when the stride or the width changes.
public final class BasicBlock: Layer {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    /// Empty for an identity shortcut.
    public let shortcut: Sequential
    private let relu1 = ReLU()
    private let relu2 = ReLU()

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

    private init(conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, shortcut: Sequential) {
        self.conv1 = conv1
        self.bn1 = bn1
        self.conv2 = conv2
        self.bn2 = bn2
        self.shortcut = shortcut
    }

    public var children: [(name: String, layer: any Layer)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("shortcut", shortcut)]
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        let main = try bn2.outputShape(for: conv2.outputShape(for: conv1.outputShape(for: input)))
        let side = try shortcut.outputShape(for: input)
        guard main == side else { throw ShapeError("residual branch \(main) and shortcut \(side) differ") }
        return main
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let h = relu1.forward(bn1.forward(conv1.forward(x, mode: mode), mode: mode), mode: mode)
        var y = bn2.forward(conv2.forward(h, mode: mode), mode: mode)
        y.add(shortcut.forward(x, mode: mode))
        return relu2.forward(y, mode: mode)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let d = relu2.backward(dy)
        var dx = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(d)))))
        dx.add(shortcut.backward(d))
        return dx
    }

    public func forwardR(_ rx: Tensor) -> Tensor {
        let h = relu1.forwardR(bn1.forwardR(conv1.forwardR(rx)))
        var y = bn2.forwardR(conv2.forwardR(h))
        y.add(shortcut.forwardR(rx))
        return relu2.forwardR(y)
    }

    public func backwardR(_ rdy: Tensor) -> Tensor {
        let d = relu2.backwardR(rdy)
        var dx = conv1.backwardR(bn1.backwardR(relu1.backwardR(conv2.backwardR(bn2.backwardR(d)))))
        dx.add(shortcut.backwardR(d))
        return dx
    }

    public func clone() -> any Layer {
        BasicBlock(conv1: conv1.copy(), bn1: bn1.copy(), conv2: conv2.copy(), bn2: bn2.copy(),
                   shortcut: shortcut.copy())
    }
}
