import NeuralNet
import Tensor

/// Turns an ONNX graph into a `Graph` layer: known values are folded, the rest become ops.
///
/// Initializers read as weights by Conv, Gemm, MatMul (with an Add of a bias) and
/// BatchNormalization become the network's parameters and buffers under their initializer names
/// (the state_dict names when PyTorch exports with `do_constant_folding=False`); any other
/// initializer is a constant. Shapes are worked out for a batch of `probeBatch` images, so a
/// Reshape can check that it keeps the batch first.
struct GraphImporter {
    /// Largest stride, dilation, pad or window a file may ask for (far past any image here, small
    /// enough that no output size computed from them overflows).
    static let maxGeometry = 1 << 20

    /// A batch size no real dimension equals by chance, for following the batch through shape computations.
    static let probeBatch = 7919

    let path: String
    let graph: Onnx_GraphProto
    let external: ExternalData

    private var valueIndex: [String: Int] = [:]
    private var valueNames: [String] = []
    /// Known values: initializers and folded nodes.
    private var constants: [String: ConstantTensor] = [:]
    /// Where a known value came from when it is an initializer, possibly transposed: a MatMul of
    /// Transpose(W) is a Linear on W.
    private var origin: [String: (initializer: String, transposed: Bool)] = [:]
    private var initializers: Set<String> = []
    /// Shapes (batch = probeBatch) of the values computed at run time.
    private var shapes: [String: [Int]] = [:]
    /// Another name for the same value (Identity, Dropout as identity).
    private var alias: [String: String] = [:]
    private var nodes: [Graph<Float>.Node] = []
    private var childNames: [Int: String] = [:]
    private var usedChildNames: Set<String> = []
    /// Initializer → the network's state name, for each initializer that became a parameter or buffer.
    private(set) var stateNames: [String: String] = [:]
    /// How many nodes read each value.
    private var readers: [String: Int] = [:]
    /// MatMul outputs whose bias Add was taken into the MatMul: Add's output → MatMul's output.
    private var fusedBias: [String: String] = [:]
    private var constantValues: [Int: Tensor<Float>] = [:]

    init(path: String, graph: Onnx_GraphProto, external: ExternalData) {
        self.path = path
        self.graph = graph
        self.external = external
    }

    private func error(_ message: String) -> ONNXError { ONNXError(path: path, message) }

    /// The graph layer, its input shape (without the batch) and the number of classes.
    mutating func run() throws(ONNXError) -> (graph: Graph<Float>, input: [Int], classes: Int) {
        for t in graph.initializer {
            guard !t.name.isEmpty else { throw error("an initializer has no name") }
            guard constants[t.name] == nil else { throw error("initializer '\(t.name)' is defined twice") }
            constants[t.name] = try ConstantTensor(t, external: external) { self.error($0) }
            initializers.insert(t.name)
            origin[t.name] = (t.name, false)
        }
        let inputs = graph.input.filter { constants[$0.name] == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw error("the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); Prunebook takes networks with one image input")
        }
        guard graph.output.count == 1, let output = graph.output.first else {
            throw error("the graph has \(graph.output.count) outputs; Prunebook takes networks with one output (the logits)")
        }
        let dims = input.type.tensorType.shape.dim
        guard dims.count >= 2 else { throw error("input '\(input.name)' has rank \(dims.count); expected [batch, C, H, W] or [batch, features]") }
        var sample: [Int] = []
        for (i, d) in dims.enumerated().dropFirst() {
            guard case .dimValue(let v)? = d.value, v > 0, v < 1 << 24 else {
                throw error("input '\(input.name)' dimension \(i) is not a fixed positive size (\(d.dimParam.isEmpty ? String(d.dimValue) : d.dimParam))")
            }
            sample.append(Int(d.dimValue))
        }
        let inputIndex = define(input.name)
        shapes[input.name] = [GraphImporter.probeBatch] + sample
        for node in graph.node {
            for name in node.input where !name.isEmpty { readers[name, default: 0] += 1 }
        }
        for node in graph.node { try convert(node) }
        let outName = resolve(output.name)
        guard let outShape = shapes[outName], let outIndex = valueIndex[outName] else {
            throw error(constants[outName] != nil ? "the output '\(output.name)' does not depend on the input"
                        : "the output '\(output.name)' is never computed")
        }
        guard outShape.count == 2, outShape[0] == GraphImporter.probeBatch else {
            throw error("the output '\(output.name)' has shape \(outShape.dropFirst()) per image; expected [classes]")
        }
        do {
            let g = try Graph<Float>(valueNames: valueNames, input: inputIndex, output: outIndex, constants: constantValues,
                                     nodes: nodes, childNames: childNames)
            return (g, sample, outShape[1])
        } catch {
            throw self.error(error.message)
        }
    }

    private mutating func define(_ name: String) -> Int {
        valueNames.append(name)
        valueIndex[name] = valueNames.count - 1
        return valueNames.count - 1
    }

    private func resolve(_ name: String) -> String {
        var n = name
        while let a = alias[n] { n = a }
        return fusedBias[n] ?? n
    }

    /// The value index of a runtime value or a constant (registered as a graph constant on first use).
    private mutating func operand(_ name: String, fail: (String) -> ONNXError) throws(ONNXError) -> Int {
        let n = resolve(name)
        if let i = valueIndex[n] { return i }
        guard let c = constants[n] else { throw fail("reads '\(name)', which no earlier node computes") }
        let i = define(n)
        constantValues[i] = Tensor(shape: c.shape, scalars: c.floats)
        return i
    }

    private mutating func addNode(_ node: Onnx_NodeProto, _ op: any GraphOp<Float>, inputs: [String], outputs: [String],
                                  parameters: [(local: String, initializer: String)] = [],
                                  fail: (String) -> ONNXError) throws(ONNXError) {
        let ins = try inputs.map { (n: String) throws(ONNXError) -> Int in try operand(n, fail: fail) }
        var inShapes: [[Int]] = []
        for i in ins { inShapes.append(shapes[valueNames[i]] ?? constantValues[i]?.shape ?? []) }
        let outShapes: [[Int]]
        do { outShapes = try op.outputShapes(for: inShapes) } catch { throw fail(error.message) }
        guard outShapes.count == outputs.count else { throw fail("gives \(outShapes.count) outputs, the file names \(outputs.count)") }
        for s in outShapes where s.first != GraphImporter.probeBatch || ConstantTensor.elementCount(Array(s.dropFirst())) == nil {
            throw fail("an output of shape \(s.dropFirst()) per image is not a valid size (at most \(ConstantTensor.maxElements) elements)")
        }
        let outs = outputs.map { define($0) }
        for (n, s) in zip(outputs, outShapes) { shapes[n] = s }
        let index = nodes.count
        nodes.append(Graph<Float>.Node(name: node.name, op: op, inputs: ins, outputs: outs))
        if op.layer != nil, !parameters.isEmpty || !(op.layer?.buffers.isEmpty ?? true) {
            childNames[index] = try childName(node, parameters, fail: fail)
        }
    }

    /// The child name that makes each parameter's state name its initializer name (`layer1.0.conv1`
    /// for `layer1.0.conv1.weight`). When the others do not share the weight's prefix (the newer
    /// exporter names a bias folded from BatchNorm `conv1.weight_bias`), the weight's prefix still
    /// names the layer, so the prunable weight keeps its state_dict name; failing that, the node's name.
    private mutating func childName(_ node: Onnx_NodeProto, _ parameters: [(local: String, initializer: String)],
                                    fail: (String) -> ONNXError) throws(ONNXError) -> String {
        for p in parameters where stateNames[p.initializer] != nil {
            throw fail("initializer '\(p.initializer)' is a weight of two layers (shared weights are not supported)")
        }
        var name: String?
        if let first = parameters.first, first.initializer.hasSuffix("." + first.local) {
            name = String(first.initializer.dropLast(first.local.count + 1))
        }
        var chosen = name ?? {
            let base = node.name.isEmpty ? node.opType : node.name
            let cleaned = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
            return String(cleaned.drop { $0 == "_" }.reversed().drop { $0 == "_" }.reversed())
        }()
        if chosen.isEmpty { chosen = node.opType }
        if usedChildNames.contains(chosen) {
            var k = 1
            while usedChildNames.contains("\(chosen)_\(k)") { k += 1 }
            chosen = "\(chosen)_\(k)"
        }
        usedChildNames.insert(chosen)
        for p in parameters { stateNames[p.initializer] = chosen + "." + p.local }
        return chosen
    }

    /// A weight: an initializer (possibly transposed by a folded Transpose) read as a parameter.
    private func weight(_ name: String, fail: (String) -> ONNXError) throws(ONNXError) -> (ConstantTensor, origin: (initializer: String, transposed: Bool)) {
        let n = resolve(name)
        guard let c = constants[n] else { throw fail("weight '\(name)' is computed at run time; only initializers can be weights") }
        guard let o = origin[n], !c.isInteger, let stored = constants[o.initializer] else {
            throw fail("weight '\(name)' is not an initializer of floating-point values")
        }
        // the initializer itself, which is what gets pruned and written back
        return (stored, o)
    }

    private func parameter(_ c: ConstantTensor, role: ParameterRole) -> Parameter<Float> {
        Parameter(Tensor(shape: c.shape, scalars: c.floats), role: role)
    }

    // MARK: nodes

    private mutating func convert(_ node: Onnx_NodeProto) throws(ONNXError) {
        let fail: (String) -> ONNXError = { [path] in ONNXError(path: path, node: (node.name, node.opType), $0) }
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw fail("operator domain '\(node.domain)' is not supported") }
        let attrs = NodeAttributes(node, fail: fail)
        if node.opType == "Add", let out = node.output.first, fusedBias[out] != nil { return }   // taken into its MatMul
        let inputs = node.input.map { $0.isEmpty ? "" : resolve($0) }
        for n in inputs where !n.isEmpty && constants[n] == nil && shapes[n] == nil {
            throw fail("reads '\(n)', which no earlier node computes")
        }
        let runtime = inputs.filter { !$0.isEmpty && shapes[$0] != nil }

        // Known inputs only (or the shape of a run-time value): evaluate now.
        if node.opType == "Shape", let first = inputs.first, let s = shapes[first] {
            // only the shape is read
            let out = try ConstantFolding.evaluate("Shape", [ConstantTensor(shape: s, values: [], isInteger: false)], attrs, external: external)
            try record(node, out, fail: fail)
            return
        }
        if runtime.isEmpty, ConstantFolding.operators.contains(node.opType) {
            let known = inputs.map { $0.isEmpty ? nil : constants[$0] }
            let out = try ConstantFolding.evaluate(node.opType, known, attrs, external: external)
            if node.opType == "Transpose", let o = origin[inputs[0]], out.count == 1, out[0].shape.count == 2 {
                origin[node.output[0]] = (o.initializer, !o.transposed)
            } else if ["Identity", "Cast"].contains(node.opType), let o = origin[inputs[0]] {
                origin[node.output[0]] = o
            }
            try record(node, out, fail: fail)
            return
        }
        guard let x = runtime.first, let xShape = shapes[x] else {
            throw fail("\(node.opType) has no input computed at run time and cannot be evaluated when the file is read")
        }
        let outputs = node.output
        func single() throws(ONNXError) -> [String] {
            guard let o = outputs.first, !o.isEmpty else { throw fail("has no output") }
            return [o]
        }
        func perImageAxis(_ a: Int, rank: Int) throws(ONNXError) -> Int {
            let r = try ConstantFolding.axis(a, rank: rank, fail: fail)
            guard r >= 1 else { throw fail("works along the batch axis, which Prunebook cannot follow") }
            return r - 1
        }

        switch node.opType {
        case "Conv":
            try convolution(node, attrs, inputs: inputs, xShape: xShape, fail: fail)
        case "Gemm":
            guard try attrs.int("transA", default: 0) == 0, try attrs.float("alpha", default: 1) == 1,
                  try attrs.float("beta", default: 1) == 1 else { throw fail("only Gemm with transA = 0, alpha = beta = 1 is supported") }
            guard xShape.count == 2 else { throw fail("Gemm input has rank \(xShape.count), expected 2") }
            let (w, wo) = try weight(inputs[1], fail: fail)
            guard w.shape.count == 2 else { throw fail("Gemm weight has shape \(w.shape)") }
            var bias: (ConstantTensor, (initializer: String, transposed: Bool))?
            if inputs.count > 2, !inputs[2].isEmpty { bias = try weight(inputs[2], fail: fail) }
            let transB = (try attrs.int("transB", default: 0) == 1) != wo.transposed
            try dense(node, weight: w, weightName: wo.initializer, transposed: !transB, bias: bias.map { ($0.0, $0.1.initializer) },
                      input: x, outputs: try single(), fail: fail)
        case "MatMul":
            let (w, wo) = try weight(inputs[1], fail: fail)
            guard w.shape.count == 2 else { throw fail("MatMul weight has shape \(w.shape); only a matrix of weights is supported") }
            // a following Add of a bias initializer becomes the layer's bias
            var bias: (ConstantTensor, String)?
            var outs = try single()
            if let add = fusableBias(after: outs[0], features: wo.transposed ? w.shape[0] : w.shape[1]) {
                bias = (add.bias, add.initializer)
                fusedBias[add.output] = outs[0]
                outs = [outs[0]]
            }
            try dense(node, weight: w, weightName: wo.initializer, transposed: !wo.transposed, bias: bias,
                      input: x, outputs: outs, fail: fail)
        case "BatchNormalization":
            let eps = try attrs.float("epsilon", default: 1e-5)
            let momentum = 1 - (try attrs.float("momentum", default: 0.9))
            let parts = try (1...4).map { (i: Int) throws(ONNXError) -> (ConstantTensor, (initializer: String, transposed: Bool)) in
                guard i < inputs.count else { throw fail("BatchNormalization needs scale, bias, mean and variance") }
                return try weight(inputs[i], fail: fail)
            }
            let c = xShape.count > 1 ? xShape[1] : 0
            guard parts.allSatisfy({ $0.0.shape == [c] }) else { throw fail("BatchNormalization parameters do not have \(c) channels") }
            let bn = BatchNorm2d<Float>(channels: c, eps: eps, momentum: momentum)
            bn.weight.value = Tensor(shape: [c], scalars: parts[0].0.floats)
            bn.bias.value = Tensor(shape: [c], scalars: parts[1].0.floats)
            bn.runningMean.value = Tensor(shape: [c], scalars: parts[2].0.floats)
            bn.runningVar.value = Tensor(shape: [c], scalars: parts[3].0.floats)
            // the running-statistics outputs of training mode are not values of the graph
            let extra = outputs.dropFirst().filter { !$0.isEmpty && (readers[$0] ?? 0) > 0 }
            guard extra.isEmpty else { throw fail("reads BatchNormalization's running statistics as values, which is not supported") }
            try addNode(node, LayerOp(bn, opType: "BatchNormalization"), inputs: [x], outputs: try single(),
                        parameters: [("weight", parts[0].1.initializer), ("bias", parts[1].1.initializer),
                                     ("running_mean", parts[2].1.initializer), ("running_var", parts[3].1.initializer)], fail: fail)
        case "Relu":
            try addNode(node, LayerOp(ReLU<Float>(), opType: "Relu"), inputs: [x], outputs: try single(), fail: fail)
        case "Sigmoid", "HardSwish", "Tanh":
            let f: Pointwise = node.opType == "Sigmoid" ? .sigmoid : node.opType == "Tanh" ? .tanh : .hardSwish
            try addNode(node, PointwiseOp<Float>(f), inputs: [x], outputs: try single(), fail: fail)
        case "HardSigmoid":
            // PyTorch's hardsigmoid (and hardswish before opset 14) exports alpha = 1/6 rounded to float32
            var alpha = try attrs.float("alpha", default: 0.2)
            if Float(alpha) == Float(1.0 / 6) { alpha = 1.0 / 6 }
            let f = Pointwise.hardSigmoid(alpha: alpha, beta: try attrs.float("beta", default: 0.5))
            try addNode(node, PointwiseOp<Float>(f), inputs: [x], outputs: try single(), fail: fail)
        case "Clip":
            var lo = -Double.infinity, hi = Double.infinity
            if attrs.has("min") || attrs.has("max") {
                lo = try attrs.float("min", default: lo)
                hi = try attrs.float("max", default: hi)
            }
            for (i, name) in inputs.enumerated().dropFirst() where !name.isEmpty {
                guard let c = constants[name], c.count == 1 else { throw fail("Clip bounds must be known scalars") }
                // (a float32 bound such as ReLU6's 6 is exact)
                if i == 1 { lo = c.values[0] } else { hi = c.values[0] }
            }
            try addNode(node, PointwiseOp<Float>(.clip(lo: lo, hi: hi)), inputs: [x], outputs: try single(), fail: fail)
        case "Add", "Sub", "Mul", "Div":
            guard inputs.count == 2, let kind = ElementwiseOp<Float>.Kind(rawValue: node.opType) else { throw fail("takes two inputs") }
            try addNode(node, ElementwiseOp<Float>(kind), inputs: inputs, outputs: try single(), fail: fail)
        case "Identity":
            alias[try single()[0]] = x
        case "Dropout":
            let ratio = inputs.count > 1 && !inputs[1].isEmpty ? constants[inputs[1]]?.values.first ?? 0.5 : try attrs.float("ratio", default: 0.5)
            let training = inputs.count > 2 && !inputs[2].isEmpty ? (constants[inputs[2]]?.values.first ?? 1) != 0 : false
            if training, ratio > 0 {
                throw fail("Dropout with ratio \(ratio) in training mode: training dropout is not supported (set p = 0 before exporting)")
            }
            if outputs.count > 1, !outputs[1].isEmpty, (readers[outputs[1]] ?? 0) > 0 { throw fail("Dropout's mask output is not supported") }
            alias[try single()[0]] = x
        case "Flatten":
            let axis = try ConstantFolding.axis(try attrs.int("axis", default: 1), rank: xShape.count + 1, fail: fail)
            guard axis == 1 else { throw fail("Flatten at axis \(axis) mixes the batch into the features") }
            try addNode(node, ReshapeOp<Float>(sampleShape: [xShape.dropFirst().reduce(1, *)], opType: "Flatten"),
                        inputs: [x], outputs: try single(), fail: fail)
        case "Reshape", "Squeeze", "Unsqueeze":
            let known = inputs.map { $0.isEmpty ? nil : constants[$0] }
            var probe = known
            probe[0] = ConstantTensor(shape: xShape, values: [], isInteger: false)
            let target: [Int]
            if node.opType == "Reshape" {
                guard inputs.count > 1, let t = known[1] else { throw fail("Reshape's target shape must be known when the file is read") }
                target = try ConstantFolding.reshapeTarget(t.ints, from: xShape, allowZero: try attrs.int("allowzero", default: 0) == 1, fail: fail)
            } else {
                target = try ConstantFolding.evaluate(node.opType, probe, attrs, external: external)[0].shape
            }
            guard target.first == GraphImporter.probeBatch else {
                throw fail("\(node.opType) to \(target.map { $0 == GraphImporter.probeBatch ? "batch" : String($0) }) does not keep the batch as its first dimension")
            }
            try addNode(node, ReshapeOp<Float>(sampleShape: Array(target.dropFirst()), opType: node.opType),
                        inputs: [x], outputs: try single(), fail: fail)
        case "Transpose":
            let perm = try attrs.ints("perm") ?? Array(xShape.indices.reversed())
            guard perm.sorted() == Array(xShape.indices), perm.first == 0 else {
                throw fail("Transpose perm \(perm) moves the batch axis")
            }
            if perm == Array(xShape.indices) { alias[try single()[0]] = x; return }
            try addNode(node, IndexOp<Float>(.transpose(perm: perm.dropFirst().map { $0 - 1 })), inputs: [x],
                        outputs: try single(), fail: fail)
        case "Concat":
            guard runtime.count == inputs.count else { throw fail("Concat of computed values and constants is not supported") }
            let axis = try perImageAxis(try attrs.int("axis", default: 0), rank: xShape.count)
            try addNode(node, IndexOp<Float>(.concat(axis: axis)), inputs: inputs, outputs: try single(), fail: fail)
        case "Split":
            let axis = try perImageAxis(try attrs.int("axis", default: 0), rank: xShape.count)
            let size = xShape[axis + 1]
            var sizes: [Int]
            if inputs.count > 1, !inputs[1].isEmpty {
                guard let s = constants[inputs[1]] else { throw fail("Split sizes must be known when the file is read") }
                sizes = s.ints
            } else if let s = try attrs.ints("split") {
                sizes = s
            } else {
                // equal parts
                let parts = try attrs.int("num_outputs", default: outputs.count)
                guard parts > 0 else { throw fail("Split into \(parts) parts") }
                let each = (size + parts - 1) / parts
                sizes = (0..<parts).map { min(each, max(0, size - $0 * each)) }
            }
            guard sizes.allSatisfy({ (0...size).contains($0) }) else { throw fail("Split sizes \(sizes) do not fit \(size)") }
            try addNode(node, IndexOp<Float>(.split(axis: axis, sizes: sizes)), inputs: [x], outputs: outputs, fail: fail)
        case "Slice":
            let known = inputs.map { $0.isEmpty ? nil : constants[$0] }
            guard known.count >= 3, let starts = known[1]?.ints, let ends = known[2]?.ints else {
                throw fail("Slice bounds must be known when the file is read")
            }
            let axes = known.count > 3 ? known[3]?.ints ?? Array(0..<starts.count) : Array(0..<starts.count)
            let steps = known.count > 4 ? known[4]?.ints ?? [Int](repeating: 1, count: starts.count) : [Int](repeating: 1, count: starts.count)
            guard axes.count == starts.count, ends.count == starts.count, steps.count == starts.count else {
                throw fail("Slice starts, ends, axes and steps differ in length")
            }
            let sample = Array(xShape.dropFirst())
            var (lo, hi, st) = ([Int](repeating: 0, count: sample.count), sample, [Int](repeating: 1, count: sample.count))
            for (k, a) in axes.enumerated() {
                let ax = try ConstantFolding.axis(a, rank: xShape.count, fail: fail)
                let r = try SliceRange(start: starts[k], end: ends[k], step: steps[k], size: xShape[ax], fail: fail)
                guard r.step > 0 else { throw fail("Slice with a negative step on computed values is not supported") }
                if ax == 0 {
                    guard r.start == 0, r.step == 1, r.count == xShape[0] else { throw fail("Slice cuts the batch axis") }
                    continue
                }
                (lo[ax - 1], hi[ax - 1], st[ax - 1]) = (r.start, r.start + (r.count - 1) * r.step + 1, r.step)
                if r.count == 0 { hi[ax - 1] = r.start }
            }
            try addNode(node, IndexOp<Float>(.slice(starts: lo, ends: hi, steps: st)), inputs: [x], outputs: try single(), fail: fail)
        case "Pad":
            guard attrs.string("mode", default: "constant") == "constant" else { throw fail("only constant padding is supported") }
            let known = inputs.map { $0.isEmpty ? nil : constants[$0] }
            guard known.count > 1, let p = known[1]?.ints else { throw fail("Pad's pads must be known when the file is read") }
            if known.count > 2, let v = known[2], v.values.contains(where: { $0 != 0 }) { throw fail("padding with a value other than 0 is not supported") }
            let rank = xShape.count
            let axes = try (known.count > 3 ? known[3]?.ints ?? Array(0..<rank) : Array(0..<rank)).map {
                (a: Int) throws(ONNXError) -> Int in try ConstantFolding.axis(a, rank: rank, fail: fail)
            }
            guard p.count == 2 * axes.count else { throw fail("Pad has \(p.count) pads for \(axes.count) axes") }
            var before = [Int](repeating: 0, count: rank), after = before
            for (k, a) in axes.enumerated() { (before[a], after[a]) = (p[k], p[k + axes.count]) }
            guard before[0] == 0, after[0] == 0 else { throw fail("Pad pads the batch axis") }
            guard (before + after).allSatisfy({ $0 >= 0 }) else { throw fail("negative pads (cropping) are not supported") }
            guard (before + after).allSatisfy({ $0 <= GraphImporter.maxGeometry }) else { throw fail("pads \(p) are too large") }
            try addNode(node, IndexOp<Float>(.pad(before: Array(before.dropFirst()), after: Array(after.dropFirst()))), inputs: [x],
                        outputs: try single(), fail: fail)
        case "MaxPool", "AveragePool":
            try pool(node, attrs, x: x, xShape: xShape, outputs: outputs, fail: fail)
        case "GlobalAveragePool":
            guard xShape.count == 4 else { throw fail("GlobalAveragePool expects [N, C, H, W], got \(xShape)") }
            try addNode(node, ReduceMeanOp<Float>(axes: [1, 2], keepDims: true, opType: "GlobalAveragePool"), inputs: [x],
                        outputs: try single(), fail: fail)
        case "ReduceMean":
            var raw = try attrs.ints("axes")
            if raw == nil, inputs.count > 1, !inputs[1].isEmpty {
                guard let a = constants[inputs[1]] else { throw fail("ReduceMean axes must be known when the file is read") }
                raw = a.ints
            }
            let axes = try (raw ?? Array(xShape.indices)).map { (a: Int) throws(ONNXError) -> Int in try perImageAxis(a, rank: xShape.count) }
            try addNode(node, ReduceMeanOp<Float>(axes: axes, keepDims: try attrs.int("keepdims", default: 1) == 1), inputs: [x],
                        outputs: try single(), fail: fail)
        default:
            throw fail("operator \(node.opType) is not supported (supported: \(GraphImporter.supported.joined(separator: ", ")))")
        }
    }

    /// Operators a graph can compute at run time.
    static let supported = [
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
        "Add", "Sub", "Mul", "Div", "Concat", "Split", "Slice", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose",
        "Pad", "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMean", "Dropout", "Identity",
    ]

    private mutating func record(_ node: Onnx_NodeProto, _ out: [ConstantTensor], fail: (String) -> ONNXError) throws(ONNXError) {
        guard out.count >= node.output.filter({ !$0.isEmpty }).count || out.count == 1 else {
            throw fail("gives \(out.count) values, the file names \(node.output.count)")
        }
        for (name, t) in zip(node.output, out) where !name.isEmpty {
            guard constants[name] == nil, shapes[name] == nil else { throw fail("redefines '\(name)'") }
            constants[name] = t
        }
    }

    /// The Add that adds a bias initializer of `features` values to a MatMul's only reader.
    private func fusableBias(after value: String, features: Int) -> (bias: ConstantTensor, initializer: String, output: String)? {
        guard readers[value] == 1,
              let add = graph.node.first(where: { $0.opType == "Add" && $0.input.contains(value) }),
              add.input.count == 2, let out = add.output.first else { return nil }
        let other = add.input[0] == value ? add.input[1] : add.input[0]
        let n = resolve(other)
        guard initializers.contains(n), let c = constants[n], !c.isInteger, c.shape == [features] else { return nil }
        return (c, n, out)
    }

    /// Gemm and MatMul with an initializer weight: a `Linear` for W `[out, in]`, a `MatMul` layer for W `[in, out]`.
    private mutating func dense(_ node: Onnx_NodeProto, weight w: ConstantTensor, weightName: String, transposed: Bool,
                                bias: (ConstantTensor, String)?, input x: String, outputs: [String],
                                fail: (String) -> ONNXError) throws(ONNXError) {
        // `transposed`: the initializer is stored [in, out] (x·W); otherwise [out, in] (x·Wᵀ)
        var params: [(local: String, initializer: String)] = [("weight", weightName)]
        if let bias { params.append(("bias", bias.1)) }
        let layer: any Layer<Float>
        let wp = parameter(w, role: .weight)
        let bp = bias.map { parameter($0.0, role: .bias) }
        if transposed {
            layer = MatMul<Float>(weight: wp, bias: bp)
        } else {
            guard (shapes[x]?.count ?? 0) == 2 else { throw fail("a Linear layer on an input of rank \(shapes[x]?.count ?? 0) is not supported") }
            let l = Linear<Float>(inFeatures: w.shape[1], outFeatures: w.shape[0], bias: bias != nil)
            l.weight.value = wp.value
            if let bp { l.bias?.value = bp.value }
            layer = l
        }
        try addNode(node, LayerOp(layer, opType: node.opType), inputs: [x], outputs: outputs, parameters: params, fail: fail)
    }

    private mutating func convolution(_ node: Onnx_NodeProto, _ attrs: NodeAttributes, inputs: [String], xShape: [Int],
                                      fail: (String) -> ONNXError) throws(ONNXError) {
        guard xShape.count == 4 else { throw fail("Conv input has shape \(xShape); only 2-D convolutions are supported") }
        let (w, wo) = try weight(inputs[1], fail: fail)
        guard w.shape.count == 4, !wo.transposed else { throw fail("Conv weight has shape \(w.shape); expected [out, in/groups, kh, kw]") }
        var bias: (ConstantTensor, String)?
        if inputs.count > 2, !inputs[2].isEmpty {
            let b = try weight(inputs[2], fail: fail)
            guard b.0.shape == [w.shape[0]] else { throw fail("Conv bias has shape \(b.0.shape), expected [\(w.shape[0])]") }
            bias = (b.0, b.origin.initializer)
        }
        let groups = try attrs.int("group", default: 1)
        let (kh, kw) = (w.shape[2], w.shape[3])
        if let k = try attrs.ints("kernel_shape"), k != [kh, kw] { throw fail("kernel_shape \(k) differs from the weight's \([kh, kw])") }
        let strides = try attrs.ints("strides") ?? [1, 1]
        let dilations = try attrs.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, groups >= 1 else { throw fail("Conv strides, dilations or group do not fit a 2-D convolution") }
        guard (strides + dilations).allSatisfy({ (1...GraphImporter.maxGeometry).contains($0) }) else {
            throw fail("Conv strides \(strides) and dilations \(dilations) must be between 1 and \(GraphImporter.maxGeometry)")
        }
        let pads = try padding(attrs, kernel: [(kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1],
                               strides: strides, spatial: [xShape[2], xShape[3]], fail: fail)
        guard xShape[1] == w.shape[1] * groups, w.shape[0] % groups == 0 else {
            throw fail("Conv weight \(w.shape) with \(groups) groups does not fit \(xShape[1]) input channels")
        }
        let wp = parameter(w, role: .weight)
        let bp = bias.map { parameter($0.0, role: .bias) }
        let layer: any Layer<Float>
        if groups == 1, kh == kw, strides[0] == strides[1], dilations == [1, 1], Set(pads).count == 1 {
            // the common case: the fast convolution the zoo uses (sparse kernels, direct paths)
            let c = Conv2d<Float>(inChannels: w.shape[1], outChannels: w.shape[0], kernelSize: kh, stride: strides[0],
                                  padding: pads[0], bias: bias != nil)
            c.weight.value = wp.value
            if let bp { c.bias?.value = bp.value }
            layer = c
        } else {
            layer = Convolution<Float>(weight: wp, bias: bp, stride: (strides[0], strides[1]), dilation: (dilations[0], dilations[1]),
                                       pads: (pads[0], pads[1], pads[2], pads[3]), groups: groups)
        }
        var params: [(local: String, initializer: String)] = [("weight", wo.initializer)]
        if let bias { params.append(("bias", bias.1)) }
        try addNode(node, LayerOp(layer, opType: "Conv"), inputs: [inputs[0]], outputs: [node.output.first ?? ""],
                    parameters: params, fail: fail)
    }

    /// [top, left, bottom, right] from `pads` or `auto_pad`.
    private func padding(_ attrs: NodeAttributes, kernel: [Int], strides: [Int], spatial: [Int],
                         fail: (String) -> ONNXError) throws(ONNXError) -> [Int] {
        let auto = attrs.string("auto_pad", default: "NOTSET")
        switch auto {
        case "NOTSET":
            let p = try attrs.ints("pads") ?? [0, 0, 0, 0]
            guard p.count == 4, p.allSatisfy({ (0...GraphImporter.maxGeometry).contains($0) }) else {
                throw fail("pads \(p) do not fit a 2-D window (each between 0 and \(GraphImporter.maxGeometry))")
            }
            return [p[0], p[1], p[2], p[3]]
        case "VALID":
            return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var out = [0, 0, 0, 0]
            for d in 0..<2 {
                let o = (spatial[d] + strides[d] - 1) / strides[d]
                let total = max(0, (o - 1) * strides[d] + kernel[d] - spatial[d])
                let small = total / 2, large = total - small
                (out[d], out[d + 2]) = auto == "SAME_UPPER" ? (small, large) : (large, small)
            }
            return out
        default:
            throw fail("auto_pad \(auto) is not supported")
        }
    }

    private mutating func pool(_ node: Onnx_NodeProto, _ attrs: NodeAttributes, x: String, xShape: [Int], outputs: [String],
                               fail: (String) -> ONNXError) throws(ONNXError) {
        guard xShape.count == 4 else { throw fail("\(node.opType) expects [N, C, H, W], got \(xShape)") }
        guard let k = try attrs.ints("kernel_shape"), k.count == 2 else { throw fail("\(node.opType) needs a 2-D kernel_shape") }
        let strides = try attrs.ints("strides") ?? [1, 1]
        guard strides.count == 2, (strides + k).allSatisfy({ (1...GraphImporter.maxGeometry).contains($0) }) else {
            throw fail("kernel_shape \(k) and strides \(strides) must be two sizes between 1 and \(GraphImporter.maxGeometry)")
        }
        if let d = try attrs.ints("dilations"), d != [1, 1] { throw fail("pooling with dilations \(d) is not supported") }
        if outputs.count > 1, !outputs[1].isEmpty, (readers[outputs[1]] ?? 0) > 0 { throw fail("MaxPool's indices output is not supported") }
        guard try attrs.int("storage_order", default: 0) == 0 else { throw fail("storage_order 1 is not supported") }
        let pads = try padding(attrs, kernel: k, strides: strides, spatial: [xShape[2], xShape[3]], fail: fail)
        let layer = Pool2d<Float>(kind: node.opType == "MaxPool" ? .max : .average, kernel: (k[0], k[1]), stride: (strides[0], strides[1]),
                                  pads: (pads[0], pads[1], pads[2], pads[3]), ceilMode: try attrs.int("ceil_mode", default: 0) == 1,
                                  countIncludePad: try attrs.int("count_include_pad", default: 0) == 1)
        try addNode(node, LayerOp(layer, opType: node.opType), inputs: [x], outputs: [outputs.first ?? ""], fail: fail)
    }
}
