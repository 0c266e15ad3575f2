import Foundation
import NeuralNet
import PruneScript
import Tensor

/// Models: the zoo, safetensors weights, parameter tables.
extension BuiltinRegistry {
    mutating func registerModels(settings: EngineSettings) {
        let options = [
            Param("input", .list, default: .null, defaultText: "the model's usual input ([1, 28, 28] for the LeNets, [3, 32, 32] otherwise)", doc: "input shape [C, H, W]"),
            Param("classes", .integer, default: .number(10), range: .atLeast(1)),
            Param("width", .number, default: .number(1), range: .greaterThan(0), unit: "multiplier of every layer's channels"),
            Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0), doc: "initialization seed"),
        ]
        func build(_ name: String, _ args: Arguments) throws -> Value {
            var input: [Int]?
            if args.has("input") {
                input = try args.list("input").items.map { v in
                    guard case .number(let x) = v, let i = exactInt(x), i >= 1 else {
                        throw args.error(.type, "input must be a list of positive whole numbers like [1, 28, 28], got \(args["input"].repr)", argument: "input")
                    }
                    return i
                }
            }
            let seed = args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed
            let spec = ModelSpec(name: name, input: input, classes: try args.int("classes"), width: try args.number("width"), seed: seed)
            return .handle(ModelHandle(try ModelZoo.build(spec), name: name))
        }
        register("model", positional: [Param("name", .string, choices: ModelZoo.names)], named: options,
                 doc: "Build a zoo network with Kaiming-normal weights from the seed.",
                 reference: "architectures as in algorithms.md §5 (LeNet, Conv-N of Frankle & Carbin 2019, CIFAR VGG and ResNet)") { args in
            try build(try args.string("name"), args)
        }
        for name in ModelZoo.names {
            register(name, named: options, doc: "Shortcut for model(\"\(name)\", ...).") { args in try build(name, args) }
        }

        register("load_weights", positional: [Param("net", .handle("model")), Param("path", .string)],
                 named: [Param("prefix", .string, default: .string(""), doc: "prefix of the tensor names in the file, e.g. \"param.\"")],
                 doc: "Load parameters and BN statistics by PyTorch state_dict name from a safetensors file, in place.") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let path = try args.string("path")
            let file: SafetensorsFile
            do { file = try SafetensorsFile(path: path) } catch { throw args.error(.io, "\(error)", argument: "path") }
            do { try model.network.loadWeights(from: file, prefix: try args.string("prefix")) } catch {
                throw args.error(.value, "\(path): \(error)", argument: "path")
            }
            return .null
        }

        register("params", positional: [Param("net", .handle("model"))],
                 doc: "A table of the network's parameters: name, shape, count, prunable.") { args in
            let net = try args.handle("net", as: ModelHandle.self).network
            return .table(TableStorage(rows: net.namedParameters.map { n, p in
                RecordStorage([("name", .string(n)), ("shape", .string(p.shape.map(String.init).joined(separator: "×"))),
                               ("count", .number(Double(p.value.count))), ("prunable", .bool(p.isPrunable))])
            }))
        }

        register("summary", positional: [Param("net", .handle("model"))],
                 doc: "Print the network's prunable layers with shapes, weights and multiply-accumulates per image.") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let net = model.network
            let macs = net.macsPerWeight
            var lines = [model.displayText]
            let width = max(5, net.prunable.map(\.name.count).max() ?? 0)
            lines.append("layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  shape              weights          MACs")
            for (n, p) in net.prunable {
                let shape = p.shape.map(String.init).joined(separator: "×")
                lines.append(n.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                             + shape.padding(toLength: 15, withPad: " ", startingAt: 0)
                             + String(format: "%11d  %12d", p.value.count, (macs[n] ?? 0) * p.value.count))
            }
            lines.append("total multiply-accumulates per image: \(grouped(net.macsPerImage))")
            args.context.print(lines.joined(separator: "\n"))
            return .null
        }
    }
}
