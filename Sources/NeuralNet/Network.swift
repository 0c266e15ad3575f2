import Tensor

/// A model: a tree of layers with PyTorch-style parameter names (`layer1.0.conv1.weight`),
/// an input shape and a number of classes, computing in `Scalar` (`Float` for training; the same
/// network converted to `Double` ranks near-tied scores).
public final class Network<Scalar: TensorScalar> {
    /// Zoo name (`lenet5`, `resnet20`, …) or a user's label.
    public let architecture: String
    /// Input shape without the batch dimension, `[C, H, W]`.
    public let inputShape: [Int]
    public let classes: Int
    /// The root layer (a `Sequential` for the zoo, a `Graph` for imported networks); its
    /// children's names prefix every parameter name.
    public let body: any Layer<Scalar>
    /// Every trainable parameter by full name, in registration order (PyTorch's `named_parameters`).
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// Every buffer by full name (BatchNorm running statistics).
    public let namedBuffers: [(name: String, buffer: Buffer<Scalar>)]

    /// Wraps `body`, checking that it maps `inputShape` to `[classes]` logits.
    public init(architecture: String, inputShape: [Int], classes: Int, body: any Layer<Scalar>) throws(ShapeError) {
        let out = try body.outputShape(for: inputShape)
        guard out == [classes] else {
            throw ShapeError("\(architecture) produces output \(out) for input \(inputShape), expected [\(classes)]")
        }
        self.architecture = architecture
        self.inputShape = inputShape
        self.classes = classes
        self.body = body
        var params: [(String, Parameter<Scalar>)] = []
        var buffers: [(String, Buffer<Scalar>)] = []
        Network.collect(body, prefix: "", params: &params, buffers: &buffers)
        namedParameters = params.map { (name: $0.0, parameter: $0.1) }
        namedBuffers = buffers.map { (name: $0.0, buffer: $0.1) }
    }

    private static func collect(_ layer: any Layer<Scalar>, prefix: String,
                                params: inout [(String, Parameter<Scalar>)], buffers: inout [(String, Buffer<Scalar>)]) {
        for (n, p) in layer.parameters { params.append((prefix + n, p)) }
        for (n, b) in layer.buffers { buffers.append((prefix + n, b)) }
        for (n, child) in layer.children { collect(child, prefix: prefix + n + ".", params: &params, buffers: &buffers) }
    }

    /// Conv and linear weights, in registration order: the tensors pruning ranks.
    public var prunable: [(name: String, parameter: Parameter<Scalar>)] {
        namedParameters.filter { $0.parameter.isPrunable }
    }

    /// Number of prunable weights.
    public var prunableCount: Int { prunable.reduce(0) { $0 + $1.parameter.value.count } }

    /// Number of trainable parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }

    public func parameter(named name: String) -> Parameter<Scalar>? {
        namedParameters.first { $0.name == name }?.parameter
    }

    /// Parameters and buffers in PyTorch `state_dict` order (each module's parameters, then its buffers).
    public var state: [(name: String, value: Tensor<Scalar>)] {
        var out: [(name: String, value: Tensor<Scalar>)] = []
        func visit(_ layer: any Layer<Scalar>, _ prefix: String) {
            for (n, p) in layer.parameters { out.append((prefix + n, p.value)) }
            for (n, b) in layer.buffers { out.append((prefix + n, b.value)) }
            for (n, c) in layer.children { visit(c, prefix + n + ".") }
        }
        visit(body, "")
        return out
    }

    /// Logits `[N, classes]` for inputs `[N, C, H, W]`.
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        precondition(Array(x.shape.dropFirst()) == inputShape,
                     "\(architecture) expects inputs [N] + \(inputShape), got \(x.shape)")
        return body.forward(x, mode: mode)
    }

    /// Back-propagates the gradient of the loss with respect to the last forward's logits,
    /// accumulating into every parameter's `grad`. Returns the gradient with respect to the input
    /// (zeros when the first layer does not propagate).
    @discardableResult
    public func backward(_ dLogits: Tensor<Scalar>) -> Tensor<Scalar> {
        body.backward(dLogits)
    }

    public func zeroGradients() {
        for (_, p) in namedParameters { p.zeroGradient() }
    }

    /// A deep copy: same architecture, parameter values, masks and running statistics.
    public func copy() -> Network {
        // The copied body has the same shapes, so the shape check cannot fail.
        Network(architecture: architecture, inputShape: inputShape, classes: classes, checkedBody: body.clone())
    }

    private init(architecture: String, inputShape: [Int], classes: Int, checkedBody: any Layer<Scalar>) {
        self.architecture = architecture
        self.inputShape = inputShape
        self.classes = classes
        self.body = checkedBody
        var params: [(String, Parameter<Scalar>)] = []
        var buffers: [(String, Buffer<Scalar>)] = []
        Network.collect(checkedBody, prefix: "", params: &params, buffers: &buffers)
        namedParameters = params.map { (name: $0.0, parameter: $0.1) }
        namedBuffers = buffers.map { (name: $0.0, buffer: $0.1) }
    }

    /// The same network computing in another precision: parameters, masks (masked-out weights
    /// zero) and running statistics converted. Later changes to either network are not shared.
    public func converted<Other: TensorScalar>(to: Other.Type) -> Network<Other> {
        Network<Other>(architecture: architecture, inputShape: inputShape, classes: classes, checkedBody: body.converted(to: Other.self))
    }

    /// Copies parameter values and buffers from another network of the same architecture.
    public func loadState(from other: Network) {
        precondition(other.namedParameters.map(\.name) == namedParameters.map(\.name), "architectures differ")
        for (a, b) in zip(namedParameters, other.namedParameters) { a.parameter.copyState(from: b.parameter) }
        for (a, b) in zip(namedBuffers, other.namedBuffers) { a.buffer.value = b.buffer.value }
    }

    /// Sets which kernels every conv and linear layer computes with (see `KernelChoice`).
    public func useKernels(_ choice: KernelChoice) {
        func visit(_ layer: any Layer<Scalar>) {
            (layer as? any SparseCapable)?.kernels = choice
            for (_, c) in layer.children { visit(c) }
        }
        visit(body)
    }

    /// Runs `body` with the given kernels, then restores each layer's previous choice.
    public func withKernels<R, E: Error>(_ choice: KernelChoice, _ body: () throws(E) -> R) throws(E) -> R {
        var layers: [any SparseCapable] = []
        func visit(_ layer: any Layer<Scalar>) {
            if let s = layer as? any SparseCapable { layers.append(s) }
            for (_, c) in layer.children { visit(c) }
        }
        visit(self.body)
        let previous = layers.map(\.kernels)
        for l in layers { l.kernels = choice }
        defer { for (l, k) in zip(layers, previous) { l.kernels = k } }
        return try body()
    }

    /// Sets every masked-out weight to zero.
    public func applyMasks() {
        for (_, p) in namedParameters { p.applyMask() }
    }
}

extension Network {
    /// Names of the normalization parameters (BatchNorm's scale and shift, `bn1.weight`, `bn1.bias`).
    public var batchNormParameterNames: [String] {
        namedParameters.filter { $0.parameter.role == .normScale || $0.parameter.role == .normShift }.map(\.name)
    }

}

extension Network where Scalar == Float {
    /// Parameters and buffers as safetensors items named `prefix + name`.
    public func stateItems(prefix: String = "") -> [SafetensorsItem] {
        state.map { SafetensorsItem.f32(prefix + $0.name, $0.value) }
    }
}
