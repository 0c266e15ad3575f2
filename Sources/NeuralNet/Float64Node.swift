import Tensor

// The layer tree of `Float64Pass` and what flows through it.

/// An activation or gradient of the float64 pass: row-major values with a shape.
struct Float64Array {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(Tensor.count(of: shape) == values.count, "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Double](repeating: 0, count: Tensor.count(of: shape)))
    }

    var count: Int { values.count }
}

/// Gradient with respect to a node's output ↦ gradient with respect to its input; nil when
/// nothing before the node needs it (the first layer does not propagate).
typealias Float64Pullback = (Float64Array) -> Float64Array?

/// Where pullbacks add the prunable weights' gradients.
final class Float64GradientSink {
    var gradients: [[Double]]
    init(counts: [Int]) { gradients = counts.map { [Double](repeating: 0, count: $0) } }
}

/// The layer tree, its parameters read into Double.
indirect enum Float64Node {
    case sequence([Float64Node])
    /// main(x) + shortcut(x) (the shortcut an empty sequence for the identity).
    case residual(main: Float64Node, shortcut: Float64Node)
    case conv(Float64Conv)
    case linear(Float64Linear)
    case batchNorm(Float64BatchNorm)
    case relu
    case maxPool(kernel: Int, stride: Int)
    case avgPool(kernel: Int, stride: Int)
    case globalAvgPool
    case flatten

    /// Reads `layer` (named `path` in messages); `slots` gives each prunable weight its gradient slot.
    init(_ layer: any Layer, slots: [ObjectIdentifier: Int], path: String) throws(Float64Pass.UnsupportedLayer) {
        func child(_ l: any Layer, _ name: String) throws(Float64Pass.UnsupportedLayer) -> Float64Node {
            try Float64Node(l, slots: slots, path: path + "." + name)
        }
        switch layer {
        case let s as Sequential:
            var nodes: [Float64Node] = []
            for (name, l) in s.children { nodes.append(try child(l, name)) }
            self = .sequence(nodes)
        case let c as Conv2d:
            self = .conv(Float64Conv(c, slot: slots[ObjectIdentifier(c.weight)]))
        case let l as Linear:
            self = .linear(Float64Linear(l, slot: slots[ObjectIdentifier(l.weight)]))
        case let b as BatchNorm2d:
            self = .batchNorm(Float64BatchNorm(b))
        case is ReLU:
            self = .relu
        case let m as MaxPool2d:
            self = .maxPool(kernel: m.kernelSize, stride: m.stride)
        case let a as AvgPool2d:
            self = .avgPool(kernel: a.kernelSize, stride: a.stride)
        case is GlobalAvgPool:
            self = .globalAvgPool
        case is Flatten:
            self = .flatten
        case let b as BasicBlock:
            // relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))
            let main = Float64Node.sequence([try child(b.conv1, "conv1"), try child(b.bn1, "bn1"), .relu,
                                             try child(b.conv2, "conv2"), try child(b.bn2, "bn2")])
            self = .sequence([.residual(main: main, shortcut: try child(b.shortcut, "shortcut")), .relu])
        default:
            throw Float64Pass.UnsupportedLayer(message: "\(path): \(type(of: layer)) has no float64 pass")
        }
    }

    /// The output of the node and its pullback (which adds weight gradients into `sink`).
    func forward(_ x: Float64Array, mode: ForwardMode, into sink: Float64GradientSink) -> (Float64Array, Float64Pullback) {
        switch self {
        case .sequence(let nodes):
            var h = x
            var pullbacks: [Float64Pullback] = []
            pullbacks.reserveCapacity(nodes.count)
            for node in nodes {
                let (y, pb) = node.forward(h, mode: mode, into: sink)
                h = y
                pullbacks.append(pb)
            }
            return (h, { dy in
                var g: Float64Array? = dy
                for pb in pullbacks.reversed() {
                    guard let d = g else { return nil }
                    g = pb(d)
                }
                return g
            })
        case .residual(let main, let shortcut):
            let (a, pbMain) = main.forward(x, mode: mode, into: sink)
            let (b, pbShort) = shortcut.forward(x, mode: mode, into: sink)
            var y = a
            Float64Kernels.add(b, into: &y)
            return (y, { dy in
                switch (pbMain(dy), pbShort(dy)) {
                case (var g?, let h?):
                    Float64Kernels.add(h, into: &g)
                    return g
                case (let g, let h): return g ?? h
                }
            })
        case .conv(let c): return c.forward(x, into: sink)
        case .linear(let l): return l.forward(x, into: sink)
        case .batchNorm(let b): return b.forward(x, mode: mode)
        case .relu: return Float64Kernels.relu(x)
        case .maxPool(let k, let s): return Float64Kernels.maxPool(x, kernel: k, stride: s)
        case .avgPool(let k, let s): return Float64Kernels.avgPool(x, kernel: k, stride: s)
        case .globalAvgPool: return Float64Kernels.globalAvgPool(x)
        case .flatten:
            let n = x.shape[0]
            return (Float64Array(shape: [n, x.count / max(1, n)], values: x.values),
                    { dy in Float64Array(shape: x.shape, values: dy.values) })
        }
    }
}
