import NeuralNet
import PruneScript
import Support
import Tensor

/// A layer in a script, not yet part of a network. A template: `sequential`, `residual` and
/// `network` copy the layers they are given, so one handle can build several networks that never
/// share weights.
package final class LayerHandle: ScriptHandle {
    package let layer: any Layer<Float>
    /// The same layer when `sequential` made it: a network or a residual branch takes it as it is
    /// rather than as a sequence of one.
    let sequence: Sequential<Float>?

    package init(_ layer: any Layer<Float>) {
        self.layer = layer
        sequence = nil
    }

    init(sequence: Sequential<Float>) {
        layer = sequence
        self.sequence = sequence
    }

    /// Parameters of the layer and everything in it.
    var parameterCount: Int {
        func count(_ l: any Layer<Float>) -> Int {
            l.parameters.reduce(0) { $0 + $1.parameter.value.count } + l.children.reduce(0) { $0 + count($1.layer) }
        }
        return count(layer)
    }

    package var typeName: String { "layer" }
    package var displayText: String { "<layer \(layer): \(grouped(parameterCount)) parameters>" }
    package var fieldNames: [String] { ["params", "text"] }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "params": return .number(Double(parameterCount))
        case "text": return .string(layer.description)
        default: return nil
        }
    }
}

/// Architectures in the language: layers composed with `sequential` and `residual`, made a
/// network with `network`, named like PyTorch's `nn.Sequential` (`0.weight`) unless named.
extension BuiltinRegistry {
    mutating func registerLayers(settings: EngineSettings) {
        let positive = ParamRange.atLeast(1)
        register("linear", positional: [Param("in", .integer, range: positive), Param("out", .integer, range: positive)],
                 named: [Param("bias", .bool, default: .bool(true))],
                 doc: "A fully connected layer y = x Wᵀ + b, W of shape [out, in] (prunable).") { args in
            let (i, o) = (try args.int("in"), try args.int("out"))
            try Self.checkParameterMemory(Double(i) * Double(o), args)
            return .handle(LayerHandle(Linear<Float>(inFeatures: i, outFeatures: o, bias: try args.bool("bias"))))
        }
        register("conv2d", positional: [Param("in", .integer, range: positive), Param("out", .integer, range: positive),
                                        Param("kernel", .integer, range: positive)],
                 named: [Param("stride", .integer, default: .number(1), range: positive),
                         Param("padding", .integer, default: .number(0), range: .atLeast(0)),
                         Param("bias", .bool, default: .bool(true))],
                 doc: "A 2-D convolution with square kernels, weight [out, in, k, k] (prunable).") { args in
            let (i, o, k) = (try args.int("in"), try args.int("out"), try args.int("kernel"))
            try Self.checkParameterMemory(Double(i) * Double(o) * Double(k) * Double(k), args)
            return .handle(LayerHandle(Conv2d<Float>(inChannels: i, outChannels: o, kernelSize: k, stride: try args.int("stride"),
                                                     padding: try args.int("padding"), bias: try args.bool("bias"))))
        }
        for name in ["batchnorm2d", "batchnorm1d"] {
            register(name, positional: [Param("channels", .integer, range: positive)],
                     doc: "Batch normalization over the channels of [N, C, H, W] (or the features of [N, F]), "
                        + "with affine parameters and running statistics, as PyTorch's BatchNorm2d/1d.") { args in
                let c = try args.int("channels")
                try Self.checkParameterMemory(Double(c), args)
                return .handle(LayerHandle(BatchNorm2d<Float>(channels: c)))
            }
        }
        register("relu", doc: "max(x, 0).") { _ in .handle(LayerHandle(ReLU<Float>())) }
        register("flatten", doc: "[N, …] → [N, product of the rest].") { _ in .handle(LayerHandle(Flatten<Float>())) }
        register("global_avgpool", doc: "Mean over the spatial dimensions: [N, C, H, W] → [N, C].") { _ in
            .handle(LayerHandle(GlobalAvgPool<Float>()))
        }
        for (name, what) in [("maxpool2d", "Max"), ("avgpool2d", "Average")] {
            register(name, positional: [Param("kernel", .integer, range: positive)],
                     named: [Param("stride", .integer, default: .null, defaultText: "the kernel size", range: positive)],
                     doc: "\(what) pooling over k×k windows, no padding.") { args in
                let k = try args.int("kernel")
                let s = args.has("stride") ? try args.int("stride") : k
                return .handle(LayerHandle(name == "maxpool2d" ? MaxPool2d<Float>(kernelSize: k, stride: s)
                                                               : AvgPool2d<Float>(kernelSize: k, stride: s)))
            }
        }
        register("dropout", positional: [Param("p", .number, range: ParamRange(0..<1), unit: "probability of zeroing a value")],
                 named: [Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0))],
                 doc: "Inverted dropout in training (values zeroed with probability p, the rest scaled by 1/(1−p)); the identity in evaluation.") { args in
            let seed = args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed
            return .handle(LayerHandle(Dropout<Float>(p: try args.number("p"), seed: seed)))
        }
        register("sequential", variadic: Param("layers", .oneOf([.handle("layer"), .record, .list])),
                 doc: "Layers applied in order, named 0, 1, … as in nn.Sequential (given one by one or as a list), or by a record: sequential({conv1: conv2d(1, 6, 5), relu1: relu()}).") { args in
            var items = args.rest
            if items.count == 1, case .list(let l) = items[0] { items = l.items }
            return .handle(LayerHandle(sequence: try Self.sequence(items, args, argument: "layers")))
        }
        register("residual", positional: [Param("main", .oneOf([.handle("layer"), .record]))],
                 named: [Param("shortcut", .oneOf([.handle("layer"), .record]), default: .null, defaultText: "the identity"),
                         Param("relu", .bool, default: .bool(false), doc: "a ReLU after the addition, as in a ResNet basic block")],
                 doc: "y = main(x) + shortcut(x): a residual block. Its parameters are named by the main branch's layers, then shortcut.0, shortcut.1, … (a basic block written with conv1, bn1, … names them as the zoo's resnet does).") { args in
            let main = try Self.sequence([args["main"]], args, argument: "main", unwrap: true)
            let shortcut = args.has("shortcut") ? try Self.sequence([args["shortcut"]], args, argument: "shortcut", unwrap: true)
                                                : Sequential<Float>([])
            let relu = try args.bool("relu")
            do throws(ShapeError) {
                return .handle(LayerHandle(try Residual(main: main, shortcut: shortcut, relu: relu)))
            } catch {
                throw args.error(.value, error.message, argument: "main")
            }
        }
        register("network", positional: [Param("body", .oneOf([.handle("layer"), .record]))],
                 named: [Param("input", .list, doc: "input shape [C, H, W] (or [F])"),
                         Param("classes", .integer, default: .null, defaultText: "the body's output size", range: positive),
                         Param("name", .string, default: .string("custom"), doc: "the architecture's name in displays and reports"),
                         Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0), doc: "initialization seed"),
                         Param("init", Initialization.self, default: .kaimingNormal, doc: "how conv and linear weights are drawn")],
                 doc: "A network from layers, initialized as the zoo's are (so the same layers and seed give the zoo's weights): network(sequential(flatten(), linear(784, 10)), input: [1, 28, 28]).") { args in
            let body = try Self.sequence([args["body"]], args, argument: "body", unwrap: true)
            let input = try args.list("input").items.map { v -> Int in
                guard case .number(let x) = v, let i = exactInt(x), i >= 1 else {
                    throw args.error(.type, "input must be a list of positive whole numbers like [1, 28, 28], got \(args["input"].repr)", argument: "input")
                }
                return i
            }
            let out: [Int]
            do throws(ShapeError) { out = try body.outputShape(for: input) } catch {
                throw args.error(.value, "the layers do not fit input \(input): \(error.message)", argument: "body")
            }
            guard out.count == 1 else {
                throw args.error(.value, "the layers map input \(input) to \(out); a network ends in one score per class [classes]",
                                 argument: "body", hint: "end with flatten() and a linear layer, or global_avgpool() and a linear layer")
            }
            let classes = args.has("classes") ? try args.int("classes") : out[0]
            let name = try args.string("name")
            let network: Network<Float>
            do throws(ShapeError) { network = try Network(architecture: name, inputShape: input, classes: classes, body: body) } catch {
                throw args.error(.value, error.message, argument: "classes")
            }
            let seed = args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed
            try args.choice("init", as: Initialization.self).apply(to: network, seed: seed)
            _ = network.body.skipInputGradient()   // nobody needs the gradient with respect to the images
            return .handle(ModelHandle(network, name: name))
        }
    }

    /// A `Sequential` of copies of the given layers: layer handles (named 0, 1, …) or one record of
    /// named layers. With `unwrap`, a single layer that is already a sequence is copied as it is.
    static func sequence(_ items: [Value], _ args: Arguments, argument: String, unwrap: Bool = false) throws -> Sequential<Float> {
        if items.count == 1, case .record(let r) = items[0] {
            return Sequential(named: try r.pairs.map { key, value in
                guard case .handle(let h as LayerHandle) = value else {
                    throw args.error(.type, "'\(key)' in \(argument): expected a layer, got \(value.typeName)", argument: argument)
                }
                return (key, h.layer.clone())
            })
        }
        let handles = try items.enumerated().map { i, value -> LayerHandle in
            guard case .handle(let h as LayerHandle) = value else {
                throw args.error(.type, "\(argument) \(i + 1): expected a layer or a record of layers, got \(value.typeName)", argument: argument)
            }
            return h
        }
        if unwrap, handles.count == 1, let seq = handles[0].sequence { return seq.copy() }
        return Sequential(handles.map { $0.layer.clone() })
    }

    /// Refuses a layer whose weights alone exceed the memory budget, before allocating them.
    static func checkParameterMemory(_ count: Double, _ args: Arguments) throws {
        do {
            try MemoryBudget.check(4 * count, for: "this layer", purpose: "for its weights alone")
        } catch { throw args.error(.value, error.description) }
    }
}
