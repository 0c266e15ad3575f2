/// Why an ONNX file cannot be read or written: where (the file, and the node and operator when
/// one is at fault) and why.
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    public let path: String
    /// The node's name and operator, when the error is about one node.
    public let node: (name: String, op: String)?
    public let message: String

    public init(path: String, node: (name: String, op: String)? = nil, _ message: String) {
        self.path = path
        self.node = node
        self.message = message
    }

    public var description: String {
        if let node { return "\(path): node \(node.name.isEmpty ? "(unnamed)" : node.name) (\(node.op)): \(message)" }
        return "\(path): \(message)"
    }
}
