import Foundation
import ONNX
import Tensor
import TestSupport
import Testing

/// Files that are not what they claim end in a clear error naming the file (and the node and
/// operator where one is at fault), never a crash, a hang or a huge allocation.
@Suite struct HostileONNXTests {
    /// A valid model: x [N, 4] → Gemm(W [3, 4], b [3]) → y [N, 3], optionally more nodes before it.
    static func model(opset: Int64 = 17, extraNodes: [Onnx_NodeProto] = [], gemmInput: String = "x",
                      weight: Onnx_TensorProto? = nil) -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var op = Onnx_OperatorSetIdProto()
        op.version = opset
        m.opsetImport = [op]
        var g = Onnx_GraphProto()
        g.name = "tiny"
        g.input = [valueInfo("x", [nil, 4])]
        g.output = [valueInfo("y", [nil, 3])]
        g.initializer = [weight ?? tensor("fc.weight", [3, 4], (0..<12).map { Float($0) / 10 }), tensor("fc.bias", [3], [0.1, 0.2, 0.3])]
        var gemm = Onnx_NodeProto()
        gemm.name = "/fc/Gemm"
        gemm.opType = "Gemm"
        gemm.input = [gemmInput, "fc.weight", "fc.bias"]
        gemm.output = ["y"]
        var transB = Onnx_AttributeProto()
        transB.name = "transB"
        transB.type = .int
        transB.i = 1
        gemm.attribute = [transB]
        g.node = extraNodes + [gemm]
        m.graph = g
        return m
    }

    static func valueInfo(_ name: String, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = d } else { dim.dimParam = "N" }
            return dim
        }
        t.shape = shape
        v.type.tensorType = t
        return v
    }

    static func tensor(_ name: String, _ dims: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = 1
        t.floatData = values
        return t
    }

    static func write(_ m: Onnx_ModelProto, _ folder: String, _ name: String = "model.onnx") throws -> String {
        let path = "\(folder)/\(name)"
        try Data(try m.serializedBytes() as [UInt8]).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func error(loading path: String) -> String {
        do {
            _ = try ONNXModel.load(path: path)
            return "loaded"
        } catch {
            return error.description
        }
    }

    @Test func theValidModelLoadsAndComputes() throws {
        let folder = temporaryFolder("pb-onnx-hostile")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = try ONNXModel.load(path: try Self.write(Self.model(), folder))
        #expect(model.network.inputShape == [4] && model.network.classes == 3)
        #expect(model.network.prunable.map(\.name) == ["fc.weight"])
        let y = model.network.forward(Tensor(shape: [1, 4], scalars: [1, 0, 0, 1]), mode: .eval)
        // y_o = W[o][0] + W[o][3] + b[o] with W[o][i] = (4o + i)/10
        let expected: [Float] = (0..<3).map { o in
            let w0 = Float(4 * o) / 10, w3 = Float(4 * o + 3) / 10, b = Float(o + 1) / 10
            return w0 + w3 + b
        }
        #expect(y.relativeError(to: Tensor(shape: [1, 3], scalars: expected)) < 1e-6)
    }

    @Test func bytesThatAreNoModel() throws {
        let folder = temporaryFolder("pb-onnx-hostile")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func file(_ bytes: [UInt8], _ name: String) throws -> String {
            let path = "\(folder)/\(name)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        #expect(Self.error(loading: try file([], "empty.onnx")).contains("the file is empty"))
        var g = Philox(seed: 7)
        let noise = (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next32()) }
        #expect(Self.error(loading: try file(noise, "noise.onnx")).contains("not an ONNX model"))
        // field 1 (ir_version, a varint) whose varint never ends
        #expect(Self.error(loading: try file([0x08, 0xFF, 0xFF], "varint.onnx")).contains("not an ONNX model"))
        // field 7 (graph) claiming 2^35 bytes: refused without allocating them
        let start = ContinuousClock.now
        let claim = try file([0x3A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00], "length.onnx")
        #expect(Self.error(loading: claim).contains("not an ONNX model"))
        #expect(ContinuousClock.now - start < .seconds(2))
        // a valid model cut short
        let whole = try Self.model().serializedBytes() as [UInt8]
        #expect(Self.error(loading: try file(Array(whole.prefix(whole.count / 2)), "cut.onnx")).contains("not an ONNX model"))
        #expect(Self.error(loading: "\(folder)/missing.onnx").contains("missing.onnx"))
        #expect(Self.error(loading: folder).contains("folder"))
    }

    @Test func unsupportedOperatorsOpsetsAndShapes() throws {
        let folder = temporaryFolder("pb-onnx-hostile")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var foo = Onnx_NodeProto()
        foo.name = "/block/Foo"
        foo.opType = "Foo"
        foo.input = ["x"]
        foo.output = ["h"]
        let e = Self.error(loading: try Self.write(Self.model(extraNodes: [foo], gemmInput: "h"), folder))
        #expect(e.contains("node /block/Foo (Foo)") && e.contains("not supported"), "\(e)")
        let old = Self.error(loading: try Self.write(Self.model(opset: 9), folder, "old.onnx"))
        #expect(old.contains("opset 9 is not supported"), "\(old)")
        // a weight of the wrong shape: the node and the shapes are named
        let bad = Self.error(loading: try Self.write(Self.model(weight: Self.tensor("fc.weight", [3, 5], [Float](repeating: 0, count: 15))),
                                                     folder, "shape.onnx"))
        #expect(bad.contains("/fc/Gemm") && bad.contains("5"), "\(bad)")
        // a reshape that folds the batch into the features
        var shape = Onnx_NodeProto()
        shape.opType = "Constant"
        shape.output = ["s"]
        var value = Onnx_AttributeProto()
        value.name = "value"
        value.type = .tensor
        var st = Onnx_TensorProto()
        st.dims = [2]
        st.dataType = 7
        st.int64Data = [1, -1]
        value.t = st
        shape.attribute = [value]
        var reshape = Onnx_NodeProto()
        reshape.name = "/flat/Reshape"
        reshape.opType = "Reshape"
        reshape.input = ["x", "s"]
        reshape.output = ["h"]
        let r = Self.error(loading: try Self.write(Self.model(extraNodes: [shape, reshape], gemmInput: "h"), folder, "batch.onnx"))
        #expect(r.contains("/flat/Reshape") && r.contains("batch"), "\(r)")
        // found by make fuzz (harness onnx): a Reshape target whose dimensions' product overflows
        // crashed the reader; sizes are now multiplied with overflow checks everywhere
        st.int64Data = [-1, 1 << 40, 1 << 40]
        st.dims = [3]
        value.t = st
        shape.attribute = [value]
        let overflow = Self.error(loading: try Self.write(Self.model(extraNodes: [shape, reshape], gemmInput: "h"), folder, "overflow.onnx"))
        #expect(overflow.contains("/flat/Reshape") && overflow.contains("too many elements"), "\(overflow)")
        // training dropout: an error until Prunebook trains with dropout (set p = 0 before exporting)
        func constant(_ name: String, _ type: Int32, float: Float? = nil, bool: Bool? = nil) -> Onnx_NodeProto {
            var n = Onnx_NodeProto()
            n.opType = "Constant"
            n.output = [name]
            var a = Onnx_AttributeProto()
            a.name = "value"
            a.type = .tensor
            var t = Onnx_TensorProto()
            t.dataType = type
            if let float { t.floatData = [float] }
            if let bool { t.int32Data = [bool ? 1 : 0] }
            a.t = t
            n.attribute = [a]
            return n
        }
        var dropout = Onnx_NodeProto()
        dropout.name = "/drop/Dropout"
        dropout.opType = "Dropout"
        dropout.input = ["x", "ratio", "training"]
        dropout.output = ["h"]
        let nodes = [constant("ratio", 1, float: 0.5), constant("training", 9, bool: true), dropout]
        let drop = Self.error(loading: try Self.write(Self.model(extraNodes: nodes, gemmInput: "h"), folder, "dropout.onnx"))
        #expect(drop.contains("/drop/Dropout (Dropout)") && drop.contains("p = 0"), "\(drop)")
        // the same at ratio 0 is the identity
        let zero = [constant("ratio", 1, float: 0), constant("training", 9, bool: true), dropout]
        #expect(Self.error(loading: try Self.write(Self.model(extraNodes: zero, gemmInput: "h"), folder, "dropout0.onnx")) == "loaded")
        // a node that reads a value nobody computes
        let dangling = Self.error(loading: try Self.write(Self.model(gemmInput: "nowhere"), folder, "dangling.onnx"))
        #expect(dangling.contains("nowhere"), "\(dangling)")
        // a tensor claiming 2^40 elements with no data
        var huge = Self.tensor("fc.weight", [1 << 20, 1 << 20], [])
        huge.floatData = []
        let h = Self.error(loading: try Self.write(Self.model(weight: huge), folder, "huge.onnx"))
        #expect(h.contains("too many elements"), "\(h)")
    }

    static func external(_ location: String, offset: Int = 0) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = "fc.weight"
        t.dims = [3, 4]
        t.dataType = 1
        t.dataLocation = .external
        t.externalData = [("location", location), ("offset", String(offset)), ("length", "48")].map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
        return t
    }

    @Test func externalDataStaysInTheModelsFolder() throws {
        let root = temporaryFolder("pb-onnx-external")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/model"
        try FileManager.default.createDirectory(atPath: folder + "/weights", withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0xAB, count: 16)   // an offset before the tensor
        for i in 0..<12 { withUnsafeBytes(of: (Float(i) / 10).bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/weights/fc.bin"))
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/secret.bin"))
        // beside the model, in a subfolder: read
        let ok = try ONNXModel.load(path: try Self.write(Self.model(weight: Self.external("weights/fc.bin", offset: 16)), folder))
        #expect(ok.network.parameter(named: "fc.weight")?.value.scalars == (0..<12).map { Float($0) / 10 })
        // out of the folder by .., by an absolute path, by a symbolic link: refused
        for location in ["../secret.bin", root + "/secret.bin", "weights/../../secret.bin"] {
            let e = Self.error(loading: try Self.write(Self.model(weight: Self.external(location, offset: 16)), folder, "escape.onnx"))
            #expect(e.contains("leaves the model's folder") || e.contains("leads out"), "\(location): \(e)")
        }
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.bin", withDestinationPath: root + "/secret.bin")
        let link = Self.error(loading: try Self.write(Self.model(weight: Self.external("link.bin", offset: 16)), folder, "link.onnx"))
        #expect(link.contains("leads out of the model's folder"), "\(link)")
        // an offset so large that offset + length overflows
        let wrap = Self.error(loading: try Self.write(Self.model(weight: Self.external("weights/fc.bin", offset: Int.max - 8)), folder, "wrap.onnx"))
        #expect(wrap.contains("do not give the 48 bytes"), "\(wrap)")
        // a length past the end of the file
        let short = Self.error(loading: try Self.write(Self.model(weight: Self.external("weights/fc.bin", offset: 40)), folder, "short.onnx"))
        #expect(short.contains("has 64 bytes, needs 88"), "\(short)")
    }
}
