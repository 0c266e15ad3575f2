import Tensor

/// A network as a directed acyclic graph of ops over named values: one input (the images), one
/// output (the logits), constants, and nodes in topological order. `Sequential` is the special
/// case of a chain; a graph is what an ONNX file describes.
///
/// Forward runs the nodes in order, dropping each value after its last reader; backward runs
/// them in reverse, summing the gradients of a value read by several nodes. The R-operator
/// passes run the same way, so GraSP works on any graph whose ops have one.
///
/// Layer-backed nodes are the graph's children, named so that parameter names are the state
/// names the graph came with (`layer1.0.conv1.weight`).
public final class Graph<Scalar: TensorScalar>: Layer {
    /// One op applied to values (indices into the graph's values).
    public struct Node {
        public let name: String
        public let op: any GraphOp<Scalar>
        public let inputs: [Int]
        public let outputs: [Int]

        public init(name: String, op: any GraphOp<Scalar>, inputs: [Int], outputs: [Int]) {
            (self.name, self.op, self.inputs, self.outputs) = (name, op, inputs, outputs)
        }
    }

    /// The values' names, by index.
    public let valueNames: [String]
    public let input: Int
    public let output: Int
    /// Constant values (no batch dimension; they broadcast), by index.
    public let constants: [Int: Tensor<Scalar>]
    public let nodes: [Node]
    /// The layer of each layer-backed node under the name that prefixes its parameters.
    public let children: [(name: String, layer: any Layer<Scalar>)]

    /// For each value, the index of the last node that reads it (nil: never read).
    private let lastReader: [Int?]
    /// Set by `skipInputGradient`: nobody needs the gradient with respect to the images.
    private var inputGradientSkipped = false

    /// Checks that every node reads only values defined before it (the input, constants, or an
    /// earlier node's outputs), that each value is defined once, and that the output is defined.
    public init(valueNames: [String], input: Int, output: Int, constants: [Int: Tensor<Scalar>],
                nodes: [Node], childNames: [Int: String]) throws(ShapeError) {
        var defined = [Bool](repeating: false, count: valueNames.count)
        guard valueNames.indices.contains(input), valueNames.indices.contains(output) else {
            throw ShapeError("graph input or output is not a value")
        }
        defined[input] = true
        for k in constants.keys {
            guard valueNames.indices.contains(k), !defined[k] else { throw ShapeError("constant \(k) is not a new value") }
            defined[k] = true
        }
        var last = [Int?](repeating: nil, count: valueNames.count)
        var children: [(name: String, layer: any Layer<Scalar>)] = []
        for (i, node) in nodes.enumerated() {
            for v in node.inputs {
                guard valueNames.indices.contains(v), defined[v] else {
                    let name = valueNames.indices.contains(v) ? valueNames[v] : "#\(v)"
                    throw ShapeError("node \(node.name) (\(node.op.opType)) reads \(name) before it is computed")
                }
                last[v] = i
            }
            for v in node.outputs {
                guard valueNames.indices.contains(v), !defined[v] else {
                    throw ShapeError("node \(node.name) (\(node.op.opType)) redefines a value")
                }
                defined[v] = true
            }
            if let layer = node.op.layer, let name = childNames[i] { children.append((name, layer)) }
        }
        guard defined[output] else { throw ShapeError("the graph's output \(valueNames[output]) is never computed") }
        self.valueNames = valueNames
        self.input = input
        self.output = output
        self.constants = constants
        self.nodes = nodes
        self.children = children
        self.childNames = childNames
        lastReader = last
    }

    /// Which nodes' layers are children, and under which name.
    public let childNames: [Int: String]

    // MARK: shapes

    /// Every value's full shape (batch first) for a batch of `batch` inputs of shape `input`.
    public func valueShapes(input shape: [Int], batch: Int = 1) throws(ShapeError) -> [[Int]?] {
        var shapes = [[Int]?](repeating: nil, count: valueNames.count)
        shapes[input] = [batch] + shape
        for (k, c) in constants { shapes[k] = c.shape }
        for node in nodes {
            var ins: [[Int]] = []
            for v in node.inputs {
                guard let s = shapes[v] else { throw ShapeError("node \(node.name) reads an unknown value") }
                ins.append(s)
            }
            let outs: [[Int]]
            do { outs = try node.op.outputShapes(for: ins) } catch {
                throw ShapeError("node \(node.name) (\(node.op.opType)): \(error.message)")
            }
            guard outs.count == node.outputs.count else {
                throw ShapeError("node \(node.name) (\(node.op.opType)) gives \(outs.count) outputs, the graph expects \(node.outputs.count)")
            }
            for (v, s) in zip(node.outputs, outs) { shapes[v] = s }
        }
        return shapes
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        let shapes = try valueShapes(input: input)
        guard let out = shapes[output], out.first == 1 else {
            throw ShapeError("the graph's output \(valueNames[output]) has no batch dimension")
        }
        return Array(out.dropFirst())
    }

    // MARK: passes

    private func runtime(_ v: Int) -> Bool { constants[v] == nil }

    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        var values = [Tensor<Scalar>?](repeating: nil, count: valueNames.count)
        values[input] = x
        for (k, c) in constants { values[k] = c }
        for (i, node) in nodes.enumerated() {
            let ins = node.inputs.map { values[$0] ?? Tensor<Scalar>(zeros: [0]) }
            let outs = node.op.forward(ins, mode: mode)
            for (v, t) in zip(node.outputs, outs) { values[v] = t }
            // free what no later node reads (constants stay)
            for v in node.inputs where lastReader[v] == i && runtime(v) && v != output { values[v] = nil }
        }
        return values[output] ?? Tensor<Scalar>(zeros: [0])
    }

    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        reverse(dy) { op, g, needs in op.backward(g, needs: needs) }
    }

    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        var tangents = [Tensor<Scalar>?](repeating: nil, count: valueNames.count)
        tangents[input] = rx
        for (i, node) in nodes.enumerated() {
            let outs = node.op.forwardR(node.inputs.map { tangents[$0] })
            for (v, t) in zip(node.outputs, outs) { tangents[v] = t }
            for v in node.inputs where lastReader[v] == i && v != output { tangents[v] = nil }
        }
        return tangents[output] ?? Tensor<Scalar>(zeros: [0])
    }

    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        reverse(rdy) { op, g, needs in op.backwardR(g, needs: needs) }
    }

    /// Runs the nodes backwards from the output's gradient `dy`, summing gradients where a value
    /// fans out; returns the input's gradient.
    private func reverse(_ dy: Tensor<Scalar>,
                         _ step: (any GraphOp<Scalar>, [Tensor<Scalar>], [Bool]) -> [Tensor<Scalar>?]) -> Tensor<Scalar> {
        var grads = [Tensor<Scalar>?](repeating: nil, count: valueNames.count)
        grads[output] = dy
        for node in nodes.reversed() {
            // an output nobody differentiates (an unused Split half) has a zero gradient
            let gs = node.outputs.map { grads[$0] ?? Tensor<Scalar>(zeros: [0]) }
            for v in node.outputs { grads[v] = nil }
            let needs = node.inputs.map { runtime($0) && !(inputGradientSkipped && $0 == input) }
            let ins = step(node.op, gs, needs)
            for (v, g) in zip(node.inputs, ins) where runtime(v) {
                guard let g else { continue }
                if grads[v] == nil { grads[v] = g } else { grads[v]?.add(g) }
            }
        }
        return grads[input] ?? Tensor<Scalar>(zeros: [0])
    }

    // MARK: copies

    public func clone() -> any Layer<Scalar> { copy(as: Scalar.self) }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { copy(as: Other.self) }

    /// A deep copy computing in `Other` (constants converted too).
    public func copy<Other: TensorScalar>(as: Other.Type) -> Graph<Other> {
        let nodes = self.nodes.map {
            Graph<Other>.Node(name: $0.name, op: $0.op.converted(to: Other.self), inputs: $0.inputs, outputs: $0.outputs)
        }
        // The copy has the same structure, which the initializer already checked.
        do {
            return try Graph<Other>(valueNames: valueNames, input: input, output: output,
                                    constants: constants.mapValues { $0.converted(to: Other.self) },
                                    nodes: nodes, childNames: childNames)
        } catch {
            preconditionFailure("a copy of a valid graph is valid: \(error)")
        }
    }

    // MARK: reports

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        guard let shapes = try? valueShapes(input: inputShape) else { return reachable }
        var units = [[Bool]?](repeating: nil, count: valueNames.count)
        units[input] = reachable
        for node in nodes {
            let ins = node.inputs.map { units[$0] }
            let inShapes = node.inputs.map { shapes[$0] ?? [] }
            let outs = node.op.reachableOutputs(from: ins, inputShapes: inShapes, kept: kept)
            for (v, r) in zip(node.outputs, outs) { units[v] = r }
        }
        return units[output] ?? []
    }

    public func visitLeaves(inputShape: [Int], _ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) -> [Int] {
        guard let shapes = try? valueShapes(input: inputShape) else { return inputShape }
        for node in nodes {
            guard let layer = node.op.layer, let i = node.inputs.first, let si = shapes[i] else { continue }
            _ = layer.visitLeaves(inputShape: Array(si.dropFirst()), visit)
        }
        return (shapes[output]).map { Array($0.dropFirst()) } ?? inputShape
    }

    /// Layers that read the graph's input directly skip their input gradient.
    public func skipInputGradient() -> Bool {
        inputGradientSkipped = true
        for node in nodes where node.inputs.contains(input) { _ = node.op.layer?.skipInputGradient() }
        return false
    }

    public var description: String { "graph(\(nodes.count) nodes)" }
}
