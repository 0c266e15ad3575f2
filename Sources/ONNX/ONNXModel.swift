import Foundation
import NeuralNet
import Support
import SwiftProtobuf
import Tensor

/// A network read from an ONNX file (as `torch.onnx.export` writes them), and the file it came
/// from, so that the network goes back out with its own operators, names and BatchNorm mode.
public final class ONNXModel {
    /// Opsets of the default domain that the importer reads.
    public static let opsets: ClosedRange<Int> = 13...25
    /// Operators a graph can compute at run time (others, such as shape arithmetic, are folded when read).
    public static var supportedOperators: [String] { GraphImporter.supported }
    /// Largest file read (2 GiB: protobuf's own limit for one message).
    public static let maxFileSize = 1 << 31

    public let path: String
    /// The network, computing in Float; parameter names are the file's initializer names.
    public let network: Network<Float>
    /// The opset of the default domain.
    public let opset: Int
    private let proto: Onnx_ModelProto
    /// Initializer name → the network's state name (parameter or buffer).
    public let stateNames: [String: String]

    private init(path: String, network: Network<Float>, opset: Int, proto: Onnx_ModelProto, stateNames: [String: String]) {
        (self.path, self.network, self.opset, self.proto, self.stateNames) = (path, network, opset, proto, stateNames)
    }

    /// Reads the file at `path`: a clear error for anything it cannot take (file, protobuf,
    /// opset, operator, shapes), naming the node and operator where one is at fault.
    public static func load(path: String) throws(ONNXError) -> ONNXModel {
        try load(proto: try decode(read(path), path: path), path: path)
    }

    /// Reads a model from the bytes of a file at `path` (which names it in errors and whose
    /// folder holds any external data).
    public static func load(bytes: [UInt8], path: String) throws(ONNXError) -> ONNXModel {
        try load(proto: try decode(bytes, path: path), path: path)
    }

    private static func load(proto: Onnx_ModelProto, path: String) throws(ONNXError) -> ONNXModel {
        guard proto.hasGraph, !proto.graph.node.isEmpty else { throw ONNXError(path: path, "not an ONNX model (no graph)") }
        let opset = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int($0.version) } ?? 0
        guard opsets.contains(opset) else {
            throw ONNXError(path: path, "opset \(opset) is not supported (\(opsets.lowerBound) to \(opsets.upperBound); "
                            + "export with torch.onnx.export(..., opset_version=17))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var importer = GraphImporter(path: path, graph: proto.graph, external: ExternalData(folder: folder))
        let (graph, input, classes) = try importer.run()
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let network: Network<Float>
        do {
            network = try Network(architecture: name, inputShape: input, classes: classes, body: graph)
        } catch {
            throw ONNXError(path: path, error.message)
        }
        // The network holds the weights now: the kept file keeps only their names and shapes (written
        // anew from the network by `write`), not a second copy.
        // Constants in external data are inlined, so that the written file stands on its own.
        var kept = proto
        let external = ExternalData(folder: folder)
        var initializers: [Onnx_TensorProto] = []
        for t in proto.graph.initializer {
            if importer.stateNames[t.name] != nil {
                var stub = Onnx_TensorProto()
                stub.name = t.name
                stub.dims = t.dims
                stub.dataType = t.dataType
                initializers.append(stub)
            } else if t.dataLocation == .external {
                initializers.append(try inlined(t, external: external, path: path))
            } else {
                initializers.append(t)
            }
        }
        kept.graph.initializer = initializers
        return ONNXModel(path: path, network: network, opset: opset, proto: kept, stateNames: importer.stateNames)
    }

    /// An external-data tensor with its data inline (float, double and integer types).
    private static func inlined(_ t: Onnx_TensorProto, external: ExternalData, path: String) throws(ONNXError) -> Onnx_TensorProto {
        let c = try ConstantTensor(t, external: external) { ONNXError(path: path, $0) }
        var out = Onnx_TensorProto()
        out.name = t.name
        out.dims = t.dims
        out.dataType = t.dataType
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .float?: out.floatData = c.floats
        case .double?: out.doubleData = c.values
        case .int64?: out.int64Data = c.ints.map(Int64.init)
        case .int32?, .bool?, .uint8?, .int8?: out.int32Data = c.ints.map { Int32(truncatingIfNeeded: $0) }
        default: throw ONNXError(path: path, "external tensor '\(t.name)' of type \(t.dataType) cannot be written back")
        }
        return out
    }

    private static func read(_ path: String) throws(ONNXError) -> [UInt8] {
        do { return try FileReader.bytes(atPath: path, limit: maxFileSize) } catch {
            throw ONNXError(path: path, "\(error.reason)")
        }
    }

    /// The model message (the caller's bytes are freed once it returns, before the network is built).
    private static func decode(_ bytes: [UInt8], path: String) throws(ONNXError) -> Onnx_ModelProto {
        guard !bytes.isEmpty else { throw ONNXError(path: path, "the file is empty") }
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            return try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw ONNXError(path: path, "not an ONNX model (the protobuf does not decode: \(error))")
        }
    }

    /// Writes `network` (this model's network or a copy of it: same state names and shapes) to
    /// `path` as the file it came from with its current parameters and running statistics, each
    /// weight multiplied by its entry in `masks` (by state name) when given.
    public func write(_ network: Network<Float>, masks: [String: [UInt8]] = [:], to path: String) throws(ONNXError) {
        var state: [String: Tensor<Float>] = [:]
        for (n, v) in network.state { state[n] = v }
        var model = proto
        var initializers = model.graph.initializer
        for i in initializers.indices {
            guard let name = stateNames[initializers[i].name] else { continue }
            guard var value = state[name], value.shape == initializers[i].dims.map({ Int($0) }) else {
                throw ONNXError(path: path, "the network has no tensor '\(name)' shaped as the file's '\(initializers[i].name)'")
            }
            if let m = masks[name] {
                guard m.count == value.count else { throw ONNXError(path: path, "the mask of '\(name)' has \(m.count) entries, the weight \(value.count)") }
                value.withUnsafeMutableBufferPointer { v in for j in v.indices where m[j] == 0 { v[j] = 0 } }
            }
            var t = Onnx_TensorProto()
            t.name = initializers[i].name
            t.dims = initializers[i].dims
            t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            var raw = Data(count: value.count * 4)
            raw.withUnsafeMutableBytes { b in
                value.withUnsafeBufferPointer { v in
                    for (j, x) in v.enumerated() { b.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: 4 * j, as: UInt32.self) }
                }
            }
            t.rawData = raw
            initializers[i] = t
        }
        model.graph.initializer = initializers
        let bytes: [UInt8]
        do { bytes = try model.serializedBytes() } catch { throw ONNXError(path: path, "cannot encode the model: \(error)") }
        do { try AtomicFile.write(bytes, to: path) } catch { throw ONNXError(path: path, error.reason) }
    }
}
