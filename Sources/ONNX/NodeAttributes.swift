/// A node's attributes by name, read with the types ONNX gives them.
struct NodeAttributes {
    private let byName: [String: Onnx_AttributeProto]
    let fail: (String) -> ONNXError

    init(_ node: Onnx_NodeProto, fail: @escaping (String) -> ONNXError) {
        var d: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute { d[a.name] = a }
        byName = d
        self.fail = fail
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, default value: Int) throws(ONNXError) -> Int {
        guard let a = byName[name] else { return value }
        guard a.type == .int || a.hasI else { throw fail("attribute \(name) should be an integer") }
        guard let i = Int(exactly: a.i) else { throw fail("attribute \(name) = \(a.i) is out of range") }
        return i
    }

    func ints(_ name: String) throws(ONNXError) -> [Int]? {
        guard let a = byName[name] else { return nil }
        guard a.type == .ints || !a.ints.isEmpty else { throw fail("attribute \(name) should be a list of integers") }
        var out: [Int] = []
        for v in a.ints {
            guard let i = Int(exactly: v), abs(i) < 1 << 40 else { throw fail("attribute \(name) holds \(v), out of range") }
            out.append(i)
        }
        return out
    }

    /// A float attribute as the Double it was written from: ONNX stores float32, and exporters
    /// round a Python float such as BatchNorm's eps 1e-5 to it; the shortest decimal that reads back
    /// as the same float32 is that value (so a network in Double computes with PyTorch's 1e-5,
    /// not 1e-5 rounded to float32, which moves near-constant channels by 1e-7).
    func float(_ name: String, default value: Double) throws(ONNXError) -> Double {
        guard let a = byName[name] else { return value }
        guard a.type == .float || a.hasF else { throw fail("attribute \(name) should be a number") }
        return Double(a.f.description) ?? Double(a.f)
    }

    func string(_ name: String, default value: String) -> String {
        guard let a = byName[name] else { return value }
        return String(decoding: a.s, as: UTF8.self)
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let a = byName[name], a.hasT else { return nil }
        return a.t
    }

    func floats(_ name: String) -> [Float]? { byName[name].map(\.floats) }
}
