import NeuralNet
import Tensor

/// Which prunable weights a network keeps: one 0/1 byte per weight, per prunable tensor,
/// with the tensors' names and shapes. 1 keeps a weight, 0 prunes it.
public struct Mask: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public var bits: [UInt8]

        public init(name: String, shape: [Int], bits: [UInt8]) {
            precondition(bits.count == shape.reduce(1, *), "\(bits.count) bits for shape \(shape)")
            self.name = name
            self.shape = shape
            self.bits = bits
        }

        public var count: Int { bits.count }
        public var kept: Int { bits.reduce(0) { $0 + Int($1) } }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Everything kept, for the prunable tensors of `network`.
    public static func dense<Scalar: TensorScalar>(for network: Network<Scalar>) -> Mask {
        Mask(entries: network.prunable.map { Entry(name: $0.name, shape: $0.parameter.shape, bits: [UInt8](repeating: 1, count: $0.parameter.value.count)) })
    }

    public var names: [String] { entries.map(\.name) }
    /// Prunable weights in all.
    public var total: Int { entries.reduce(0) { $0 + $1.count } }
    /// Weights kept.
    public var kept: Int { entries.reduce(0) { $0 + $1.kept } }
    public var density: Double { total == 0 ? 1 : Double(kept) / Double(total) }
    public var sparsity: Double { 1 - density }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// All bits concatenated in entry order.
    public var flat: [UInt8] { entries.flatMap(\.bits) }

    /// The same names and shapes with new concatenated bits.
    public func with(flat bits: [UInt8]) -> Mask {
        precondition(bits.count == total)
        var out = self
        var o = 0
        for i in out.entries.indices {
            let n = out.entries[i].count
            out.entries[i].bits = Array(bits[o..<(o + n)])
            o += n
        }
        return out
    }

    /// Checks that `other` covers the same tensors with the same shapes.
    public func checkCompatible(_ other: Mask) throws(PruningError) {
        guard names == other.names, entries.map(\.shape) == other.entries.map(\.shape) else {
            throw PruningError("masks cover different tensors or shapes")
        }
    }

    /// Kept in both.
    public func and(_ other: Mask) throws(PruningError) -> Mask {
        try checkCompatible(other)
        return with(flat: zip(flat, other.flat).map { $0 & $1 })
    }

    /// Kept in either.
    public func or(_ other: Mask) throws(PruningError) -> Mask {
        try checkCompatible(other)
        return with(flat: zip(flat, other.flat).map { $0 | $1 })
    }

    /// Intersection over union of the kept sets (1 for two empty masks).
    public func overlap(_ other: Mask) throws(PruningError) -> Double {
        try checkCompatible(other)
        var both = 0, either = 0
        for (a, b) in zip(flat, other.flat) {
            both += Int(a & b)
            either += Int(a | b)
        }
        return either == 0 ? 1 : Double(both) / Double(either)
    }

    /// Fraction of `reference`'s kept weights that this mask keeps too (the fixtures' agreement).
    public func agreement(with reference: Mask) throws(PruningError) -> Double {
        try checkCompatible(reference)
        var both = 0, ref = 0
        for (a, b) in zip(flat, reference.flat) {
            both += Int(a & b)
            ref += Int(b)
        }
        return Double(both) / Double(max(1, ref))
    }

    /// Sets each prunable parameter's mask and zeroes its pruned weights.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply<Scalar: TensorScalar>(to network: Network<Scalar>) throws(PruningError) {
        let params = network.prunable
        guard params.map(\.name) == names, params.map(\.parameter.shape) == entries.map(\.shape) else {
            throw PruningError("mask does not fit \(network.architecture): it covers " + Mask.describe(names)
                               + ", the network's prunable tensors are " + Mask.describe(params.map(\.name)))
        }
        for (e, p) in zip(entries, params) {
            p.parameter.mask = Tensor<Scalar>(shape: e.shape, scalars: e.bits.map { Scalar($0) })
            p.parameter.applyMask()
        }
    }

    static func describe(_ names: [String]) -> String {
        names.count <= 4 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + ", … (\(names.count))"
    }
}

/// A pruning request that cannot be carried out, with the reason.
public struct PruningError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
