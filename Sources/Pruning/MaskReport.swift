import Foundation
import NeuralNet
import Tensor

/// What a mask leaves of a network: per-layer counts, global sparsity, remaining cost and collapse.
public struct MaskReport: Sendable {
    public struct Row: Sendable {
        public let name: String
        public let shape: [Int]
        public let params: Int
        public let kept: Int
        public var sparsity: Double { params == 0 ? 0 : 1 - Double(kept) / Double(params) }
    }

    public let rows: [Row]
    public let total: Int
    public let kept: Int
    /// Multiply-accumulates per image of the conv and linear layers, dense and with the mask.
    public let denseMACs: Int
    public let remainingMACs: Int
    /// Layers with no weight left.
    public let collapsedLayers: [String]
    /// True when no output depends on the input any more.
    public let disconnected: Bool
    /// Output units (classes) of the network.
    public let outputs: Int
    /// Outputs (class indices, from 0) that no longer have a path from the input: the network
    /// cannot tell those classes apart from its input any more (class-level collapse).
    public let unreachableOutputs: [Int]

    public var sparsity: Double { total == 0 ? 0 : 1 - Double(kept) / Double(total) }

    public init<Scalar: TensorScalar>(mask: Mask, network: Network<Scalar>) throws(PruningError) {
        guard mask.names == network.prunable.map(\.name) else {
            throw PruningError("mask does not fit \(network.architecture)")
        }
        let macs = network.macsPerWeight
        rows = mask.entries.map { Row(name: $0.name, shape: $0.shape, params: $0.count, kept: $0.kept) }
        total = mask.total
        kept = mask.kept
        denseMACs = mask.entries.reduce(0) { $0 + (macs[$1.name] ?? 0) * $1.count }
        remainingMACs = mask.entries.reduce(0) { $0 + (macs[$1.name] ?? 0) * $1.kept }
        collapsedLayers = rows.filter { $0.kept == 0 }.map(\.name)
        let reach = Connectivity.reachability(network, mask: mask)
        outputs = reach.count
        unreachableOutputs = reach.indices.filter { !reach[$0] }
        disconnected = !reach.contains(true)
    }

    /// Loud warnings about collapse, empty when the network is intact.
    public var warnings: [String] {
        var w: [String] = []
        if !collapsedLayers.isEmpty {
            w.append("WARNING: layer collapse: \(collapsedLayers.joined(separator: ", ")) ha\(collapsedLayers.count == 1 ? "s" : "ve") no weights left")
        }
        if disconnected {
            w.append("WARNING: no path from input to output: the network's outputs no longer depend on its input")
        } else if let cut = classCollapse {
            w.append("WARNING: " + cut)
        }
        return w
    }

    /// "5 of 10 outputs have no path from the input (classes 3, 4, 5, 7, 9)", or nil when every
    /// output has one.
    public var classCollapse: String? {
        guard !unreachableOutputs.isEmpty else { return nil }
        let n = unreachableOutputs.count
        return "\(n) of \(outputs) output\(outputs == 1 ? "" : "s") ha\(n == 1 ? "s" : "ve") no path from the input "
            + "(class\(n == 1 ? "" : "es") \(unreachableOutputs.map(String.init).joined(separator: ", ")))"
    }

    /// A plain-text table.
    public var text: String {
        func pct(_ v: Double) -> String {
            let s = String(format: "%.2f%%", v * 100)
            return s
        }
        let nameWidth = max(5, rows.map(\.name.count).max() ?? 0)
        var lines = ["layer".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  shape              params      kept  sparsity"]
        for r in rows {
            let shape = r.shape.map(String.init).joined(separator: "×")
            lines.append(r.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                         + shape.padding(toLength: 15, withPad: " ", startingAt: 0)
                         + String(format: "%10d%10d  %8@", r.params, r.kept, pct(r.sparsity)))
        }
        lines.append("total".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                     + "".padding(toLength: 15, withPad: " ", startingAt: 0)
                     + String(format: "%10d%10d  %8@", total, kept, pct(sparsity)))
        lines.append("remaining multiply-accumulates per image: \(remainingMACs) of \(denseMACs) (\(pct(Double(remainingMACs) / Double(max(1, denseMACs)))))")
        lines.append("outputs with a path from the input: \(outputs - unreachableOutputs.count) of \(outputs)")
        return (lines + warnings).joined(separator: "\n")
    }
}
