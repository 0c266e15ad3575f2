import Foundation
import NeuralNet
import ONNX
import PruneScript

/// Networks from and to ONNX files: a PyTorch model exported with `torch.onnx.export` comes in
/// as a graph network and goes back out with its pruned weights.
extension BuiltinRegistry {
    mutating func registerONNX() {
        register("load_model", positional: [Param("path", .string)],
                 doc: "Read a network from an ONNX file (torch.onnx.export, opset 13 or later): parameters are named by the file's initializers, the state_dict names when exported with do_constant_folding=False.",
                 reference: "operators: " + ONNXModel.supportedOperators.joined(separator: ", ")) { args in
            let path = try args.string("path")
            guard FileManager.default.fileExists(atPath: path) else {
                throw args.error(.io, "no such file: \(path) (relative paths start at \(FileManager.default.currentDirectoryPath))", argument: "path")
            }
            do {
                let model = try ONNXModel.load(path: path)
                return .handle(ModelHandle(model.network, name: model.network.architecture, source: model))
            } catch {
                throw args.error(.value, "\(error)", argument: "path")
            }
        }

        register("save_model", positional: [Param("net", .handle("model")), Param("path", .string)],
                 named: [Param("mask", .handle("mask"), default: .null, defaultText: "none", doc: "pruned weights are written as zeros")],
                 doc: "Write a network read by load_model back to an ONNX file with its current weights and BatchNorm statistics (masked weights zero); onnxruntime runs it and PyTorch loads its weights by name.") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let path = try args.string("path")
            guard (path as NSString).pathExtension.lowercased() == "onnx" else {
                throw args.error(.value, "an ONNX model saves as .onnx, not \(path)", argument: "path")
            }
            guard let source = model.source else {
                throw args.error(.value, "\(model.name) was not read from an ONNX file; save_model writes networks that load_model read "
                                 + "(save(net, \"weights.safetensors\") writes any network's weights)", argument: "net")
            }
            var masks: [String: [UInt8]] = [:]
            if args.has("mask") {
                let m = try args.handle("mask", as: MaskHandle.self)
                for e in m.mask.entries {
                    guard let p = model.network.parameter(named: e.name), p.value.count == e.count else {
                        throw args.error(.value, "the mask does not fit \(model.name): it has no weight '\(e.name)' of \(e.count) entries", argument: "mask")
                    }
                    masks[e.name] = e.bits
                }
            }
            do { try source.write(model.network, masks: masks, to: path) } catch {
                throw args.error(.io, "\(error)", argument: "path")
            }
            return .null
        }
    }
}
