import Tensor

/// Layers applied in order. Children are named `"0"`, `"1"`, … unless names are given,
/// so a VGG `features` block numbers its parameters as torchvision does (`features.3.weight`).
public final class Sequential<Scalar: TensorScalar>: Layer {
    public private(set) var children: [(name: String, layer: any Layer<Scalar>)]

    /// Children numbered from 0.
    public init(_ layers: [any Layer<Scalar>]) {
        children = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Children with explicit names.
    public init(named: [(String, any Layer<Scalar>)]) {
        children = named.map { (name: $0.0, layer: $0.1) }
    }

    public var layers: [any Layer<Scalar>] { children.map(\.layer) }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        var s = input
        for (name, layer) in children {
            do { s = try layer.outputShape(for: s) } catch {
                throw ShapeError("\(name): \(error.message)")
            }
        }
        return s
    }

    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        var h = x
        var i = 0
        while i < children.count {
            // a layer followed by a ReLU that it can apply in its own output pass (BatchNorm):
            // the same bits as the two layers one after the other, one pass fewer
            if i + 1 < children.count, children[i + 1].layer.isRectifier,
               let y = children[i].layer.forwardRectified(h, mode: mode) {
                children[i + 1].layer.adoptRectified(y)
                h = y
                i += 2
                continue
            }
            h = children[i].layer.forward(h, mode: mode)
            i += 1
        }
        return h
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = dy
        for (_, layer) in children.reversed() { g = layer.backward(g) }
        return g
    }

    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        var h = rx
        for (_, layer) in children { h = layer.forwardR(h) }
        return h
    }

    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = rdy
        for (_, layer) in children.reversed() { g = layer.backwardR(g) }
        return g
    }

    /// A deep copy with copies of every child.
    public func copy() -> Sequential {
        Sequential(named: children.map { ($0.name, $0.layer.clone()) })
    }

    public func clone() -> any Layer<Scalar> { copy() }

    /// A deep copy computing in another precision.
    public func copy<Other: TensorScalar>(as: Other.Type) -> Sequential<Other> {
        Sequential<Other>(named: children.map { ($0.name, $0.layer.converted(to: Other.self)) })
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { copy(as: Other.self) }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        var (r, shape) = (reachable, inputShape)
        for (_, layer) in children {
            r = layer.reachableOutputs(from: r, inputShape: shape, kept: kept)
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        return r
    }

    public func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int] {
        var shape = inputShape
        for (_, layer) in children { shape = layer.visitLeaves(inputShape: shape, visit) }
        return shape
    }

    /// Passes the request to the first children until one stops it.
    public func skipInputGradient() -> Bool {
        for (_, layer) in children where !layer.skipInputGradient() { return false }
        return true
    }

    /// How the layer is written in PruneScript.
    public var description: String { "sequential(" + children.map { "\($0.name): \($0.layer)" }.joined(separator: ", ") + ")" }
}
