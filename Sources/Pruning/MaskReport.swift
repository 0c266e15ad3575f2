import Foundation
import NeuralNet

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

    public var sparsity: Double { total == 0 ? 0 : 1 - Double(kept) / Double(total) }

    public init(mask: Mask, network: Network) throws(PruningError) {
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
        disconnected = Connectivity.isDisconnected(network, mask: mask)
    }

    /// Loud warnings about collapse, empty when the network is intact.
    public var warnings: [String] {
        var w: [String] = []
        if !collapsedLayers.isEmpty {
            w.append("WARNING: layer collapse: \(collapsedLayers.joined(separator: ", ")) ha\(collapsedLayers.count == 1 ? "s" : "ve") no weights left")
        }
        if disconnected { w.append("WARNING: no path from input to output: the network's outputs no longer depend on its input") }
        return w
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
        return (lines + warnings).joined(separator: "\n")
    }
}
