/// Input and output shapes (without the batch) of every leaf layer, for cost and connectivity analyses.
extension Network {
    /// Visits leaf layers in forward order with their input and output shapes. Residual blocks visit
    /// their main branch and then their shortcut, both from the block's input.
    public func walk(_ visit: (any Layer, _ input: [Int], _ output: [Int]) -> Void) {
        func go(_ layer: any Layer, _ shape: [Int]) -> [Int] {
            if let seq = layer as? Sequential {
                var s = shape
                for c in seq.layers { s = go(c, s) }
                return s
            }
            if let block = layer as? BasicBlock {
                var s = shape
                for c in [block.conv1, block.bn1, block.conv2, block.bn2] as [any Layer] { s = go(c, s) }
                _ = go(block.shortcut, shape)
                return s
            }
            let out = (try? layer.outputShape(for: shape)) ?? shape
            visit(layer, shape, out)
            return out
        }
        _ = go(body, inputShape)
    }

    /// Multiply-accumulates per image that each weight of each prunable tensor costs
    /// (output positions for a convolution, 1 for a linear layer), by parameter name.
    public var macsPerWeight: [String: Int] {
        var byLayer: [ObjectIdentifier: Int] = [:]
        walk { layer, _, out in
            if layer is Conv2d { byLayer[ObjectIdentifier(layer)] = out[1] * out[2] }
            if layer is Linear { byLayer[ObjectIdentifier(layer)] = 1 }
        }
        var out: [String: Int] = [:]
        func visit(_ layer: any Layer, _ prefix: String) {
            if let m = byLayer[ObjectIdentifier(layer)] { out[prefix + "weight"] = m }
            for (n, c) in layer.children { visit(c, prefix + n + ".") }
        }
        visit(body, "")
        return out
    }

    /// Multiply-accumulates per image of the conv and linear layers (dense).
    public var macsPerImage: Int {
        let per = macsPerWeight
        return prunable.reduce(0) { $0 + (per[$1.name] ?? 0) * $1.parameter.value.count }
    }
}
