import Tensor

/// A residual connection: y = main(x) + shortcut(x), then an optional ReLU, the shortcut the
/// identity when it has no layers. The block's children are the main branch's children followed
/// by `shortcut`, so a basic block written as `Residual(main: [conv1, bn1, relu1, conv2, bn2],
/// shortcut: [conv, bn], relu: true)` names its parameters as the zoo's basic block does
/// (`conv1.weight`, `shortcut.0.weight`) and computes the same values in the same order (the zoo's
/// ResNets are made of `Residual.basicBlock`s).
public final class Residual<Scalar: TensorScalar>: Layer {
    public let main: Sequential<Scalar>
    public let shortcut: Sequential<Scalar>
    /// The ReLU after the addition, when there is one.
    private let activation: ReLU<Scalar>?

    /// Fails when a main-branch child is named `shortcut` (the names would collide).
    public init(main: Sequential<Scalar>, shortcut: Sequential<Scalar>, relu: Bool) throws(ShapeError) {
        guard !main.children.contains(where: { $0.name == "shortcut" }) else {
            throw ShapeError("a residual block's main branch cannot have a layer named 'shortcut'")
        }
        self.main = main
        self.shortcut = shortcut
        activation = relu ? ReLU() : nil
    }

    private init(checkedMain main: Sequential<Scalar>, shortcut: Sequential<Scalar>, relu: Bool) {
        self.main = main
        self.shortcut = shortcut
        activation = relu ? ReLU() : nil
    }

    /// The residual block of CIFAR ResNets: relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)), 3×3
    /// convolutions without bias; the shortcut is the identity, or a 1×1 strided conv + BN
    /// (`shortcut.0`, `shortcut.1`) when the stride or the width changes.
    public static func basicBlock(inChannels: Int, outChannels: Int, stride: Int) -> Residual {
        let main = Sequential<Scalar>(named: [
            ("conv1", Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false)),
            ("bn1", BatchNorm2d(channels: outChannels)),
            ("relu1", ReLU()),
            ("conv2", Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, bias: false)),
            ("bn2", BatchNorm2d(channels: outChannels)),
        ])
        let projection = stride != 1 || inChannels != outChannels
        let shortcut = Sequential<Scalar>(projection ? [
            Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false),
            BatchNorm2d(channels: outChannels),
        ] : [])
        return Residual(checkedMain: main, shortcut: shortcut, relu: true)
    }

    /// Whether a ReLU follows the addition.
    public var hasReLU: Bool { activation != nil }

    public var children: [(name: String, layer: any Layer<Scalar>)] { main.children + [("shortcut", shortcut)] }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        let out = try main.outputShape(for: input)
        let side = try shortcut.outputShape(for: input)
        guard out == side else { throw ShapeError("residual branch \(out) and shortcut \(side) differ") }
        return out
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        var y = main.forward(x, mode: mode)
        let s = shortcut.forward(x, mode: mode)
        guard let activation else {
            y.add(s)
            return y
        }
        // the addition and the ReLU in one pass over y (same bits as add, then relu)
        precondition(y.shape == s.shape, "residual branches differ: \(y.shape) vs \(s.shape)")
        let n = y.count
        s.withUnsafePointer { sp in
            y.withUnsafeMutablePointer { yp in
                nonisolated(unsafe) let (src, dst) = (sp, yp)
                Parallel.forRanges(n, grain: Parallel.grain) { r in
                    VectorOps.addThenRelu(src + r.lowerBound, into: dst + r.lowerBound, count: r.count)
                }
            }
        }
        activation.adoptRectified(y)
        return y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = activation?.backward(dy) ?? dy
        var dx = main.backward(d)
        dx.add(shortcut.backward(d))
        return dx
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        var y = main.forwardR(rx)
        y.add(shortcut.forwardR(rx))
        return activation?.forwardR(y) ?? y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = activation?.backwardR(rdy) ?? rdy
        var dx = main.backwardR(d)
        dx.add(shortcut.backwardR(d))
        return dx
    }

    public func clone() -> any Layer<Scalar> {
        Residual(checkedMain: main.copy(), shortcut: shortcut.copy(), relu: hasReLU)
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        Residual<Other>(checkedMain: main.copy(as: Other.self), shortcut: shortcut.copy(as: Other.self), relu: hasReLU)
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        let a = main.reachableOutputs(from: reachable, inputShape: inputShape, kept: kept)
        let b = shortcut.reachableOutputs(from: reachable, inputShape: inputShape, kept: kept)
        return zip(a, b).map { $0 || $1 }
    }

    public func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int] {
        let out = main.visitLeaves(inputShape: inputShape, visit)
        _ = shortcut.visitLeaves(inputShape: inputShape, visit)
        return out
    }

    /// How the layer is written in PruneScript.
    public var description: String { "residual(\(main)" + (shortcut.children.isEmpty ? "" : ", shortcut: \(shortcut)") + (hasReLU ? ", relu: true" : "") + ")" }
}
