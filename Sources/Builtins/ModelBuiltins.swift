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
                 named: [Param("prefix", .string, default: .string(""), doc: "prefix of the tensor names in the file, removed first, e.g. \"model.\""),
                         Param("rename", .oneOf([.record, .function]), default: .null, defaultText: "none",
                               doc: "file name → the network's name: a record {\"0.weight\": \"fc1.weight\"} or a function (nil leaves a tensor out)")],
                 doc: "Load parameters and BN statistics by PyTorch state_dict name from a safetensors file, in place; torch.nn.utils.prune pairs (W_orig, W_mask) load as W_orig × W_mask.") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let path = try args.string("path")
            let file: SafetensorsFile
            do { file = try SafetensorsFile(path: path) } catch { throw args.error(.io, "\(error)", argument: "path") }
            let prefix = try args.string("prefix")
            let rename = try Self.stateRename(args)
            let masks: [String: [UInt8]]
            do {
                masks = try model.network.loadStateDict(from: file, prefix: prefix, rename: rename)
            } catch let e as StateError {
                throw args.error(.value, "\(path) \(e.message)", argument: "path",
                                 hint: Self.stateHint(e, network: model.network, path: path, prefix: prefix, renamed: args.has("rename")))
            }
            if !masks.isEmpty {
                args.context.warn("\(path) holds torch.nn.utils.prune masks for \(masks.count) tensor(s), applied to the weights; "
                                  + "load(\(quote(path)), net: net) loads them as a mask")
            }
            return .null
        }

        register("set_weight", positional: [Param("net", .handle("model")), Param("name", .string),
                                             Param("value", .oneOf([.handle("tensor"), .list, .number]))],
                 doc: "Write one parameter or buffer by state_dict name, in place: set_weight(net, \"fc1.weight\", t) is net[\"fc1.weight\"] = t. A masked weight keeps its pruned entries zero.") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            do { try model.setField(try args.string("name"), to: args["value"]) } catch let e as ScriptError {
                throw args.error(e.kind, e.message, argument: e.kind == .key ? "name" : "value", hint: e.hint)
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

    /// `rename:` as a closure: a record looked up by file name (names it lacks stay as they are),
    /// or a script function called with each name (nil leaves the tensor out).
    static func stateRename(_ args: Arguments) throws -> (String) throws -> String? {
        switch args["rename"] {
        case .record(let r):
            return { name in
                guard let v = r[name] else { return name }
                if case .string(let s) = v { return s }
                if v.isNil { return nil }
                throw args.error(.type, "rename[\(quote(name))] must be a string (or nil to leave it out), got \(v.typeName)", argument: "rename")
            }
        case .function(let f):
            return { name in
                switch try args.context.call(.function(f), [.string(name)]) {
                case .string(let s): return s
                case .null: return nil
                case let v: throw args.error(.type, "rename(\(quote(name))) must return a string or nil, got \(v.typeName)", argument: "rename")
                }
            }
        default:
            return { $0 }
        }
    }

    /// The nearest fix for a state dict that does not fit: the prefix its names share, a rename
    /// when the shapes line up in order (nn.Sequential's `0.weight`…), or the nearest names.
    static func stateHint(_ e: StateError, network: Network<Float>, path: String, prefix: String, renamed: Bool) -> String? {
        let wanted = network.state.map { (name: $0.name, shape: $0.value.shape) }
        let offered = e.offered.filter { $0.name.hasPrefix(prefix) }.map { (name: String($0.name.dropFirst(prefix.count)), shape: $0.shape) }
        // a shared prefix such as "model." or "module."
        let names = Set(wanted.map(\.name))
        if !e.missing.isEmpty, let first = offered.first?.name, let dot = first.firstIndex(of: ".") {
            let candidate = String(first[...dot])
            if offered.allSatisfy({ $0.name.hasPrefix(candidate) }),
               names.isSubset(of: Set(offered.map { String($0.name.dropFirst(candidate.count)) })) {
                return "the file's tensor names start with \(quote(prefix + candidate)): load_weights(net, \(quote(path)), prefix: \(quote(prefix + candidate)))"
            }
        }
        // other names, the same shapes in the same order: the file's order, or modules in natural
        // order ("2.weight" before "10.weight") with weight, bias, running_mean, running_var in each
        if !renamed, offered.count == wanted.count {
            let orders = [offered, offered.enumerated().sorted { stateOrder($0, $1) }.map(\.element)]
            if let ordered = orders.first(where: { zip($0, wanted).allSatisfy { $0.shape == $1.shape } }) {
                let pairs = zip(ordered, wanted).filter { $0.name != $1.name }.map { "\(quote($0.name)): \(quote($1.name))" }
                let shown = pairs.count <= 8 ? pairs.joined(separator: ", ") : pairs.prefix(6).joined(separator: ", ") + ", …"
                return "the file's \(offered.count) tensors have the network's shapes in order under other names: rename: {\(shown)}"
            }
        }
        // the nearest name for the first few missing ones
        let unexpected = e.unexpected.map { String($0.dropFirst(prefix.count)) }
        let near = e.missing.prefix(3).compactMap { m in Suggest.closest(to: m, in: unexpected).map { "\(quote($0)) → \(quote(m))" } }
        return near.isEmpty ? nil : "near misses (file → network): " + near.joined(separator: ", ") + "; rename: maps them"
    }

    /// The order PyTorch's state_dict lists tensors in: modules in natural order ("layer2.10" after
    /// "layer2.9"), then within a module weight, bias, running_mean, running_var, then the rest
    /// in the file's order.
    static func stateOrder(_ a: (offset: Int, element: (name: String, shape: [Int])),
                           _ b: (offset: Int, element: (name: String, shape: [Int]))) -> Bool {
        var x = a.element.name.split(separator: "."), y = b.element.name.split(separator: ".")
        let lastX = x.popLast() ?? "", lastY = y.popLast() ?? ""
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            return p < q
        }
        if x.count != y.count { return x.count < y.count }
        let rank = ["weight": 0, "bias": 1, "running_mean": 2, "running_var": 3]
        let r = rank[String(lastX)] ?? 4, q = rank[String(lastY)] ?? 4
        return r != q ? r < q : a.offset < b.offset
    }
}
