import Tensor

/// Layers applied in order. Children are named `"0"`, `"1"`, … unless names are given,
/// so a VGG `features` block numbers its parameters as torchvision does (`features.3.weight`).
public final class Sequential: Layer {
    public private(set) var children: [(name: String, layer: any Layer)]

    /// Children numbered from 0.
    public init(_ layers: [any Layer]) {
        children = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Children with explicit names.
    public init(named: [(String, any Layer)]) {
        children = named.map { (name: $0.0, layer: $0.1) }
    }

    public var layers: [any Layer] { children.map(\.layer) }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        var s = input
        for (name, layer) in children {
            do { s = try layer.outputShape(for: s) } catch {
                throw ShapeError("\(name): \(error.message)")
            }
        }
        return s
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = x
        for (_, layer) in children { h = layer.forward(h, mode: mode) }
        return h
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        for (_, layer) in children.reversed() { g = layer.backward(g) }
        return g
    }

    public func forwardR(_ rx: Tensor) -> Tensor {
        var h = rx
        for (_, layer) in children { h = layer.forwardR(h) }
        return h
    }

    public func backwardR(_ rdy: Tensor) -> Tensor {
        var g = rdy
        for (_, layer) in children.reversed() { g = layer.backwardR(g) }
        return g
    }

    /// A deep copy with copies of every child.
    public func copy() -> Sequential {
        Sequential(named: children.map { ($0.name, $0.layer.clone()) })
    }

    public func clone() -> any Layer { copy() }
}
