/// Input and output shapes (without the batch) of every leaf layer, for cost and connectivity analyses.
extension Network {
    /// Visits leaf layers in forward order with their input and output shapes. Residual blocks visit
    /// their main branch and then their shortcut, both from the block's input.
    public func walk(_ visit: (any Layer<Scalar>, _ input: [Int], _ output: [Int]) -> Void) {
        _ = body.visitLeaves(inputShape: inputShape, visit)
    }

    /// Multiply-accumulates per image that each weight of each prunable tensor costs
    /// (output positions for a convolution, 1 for a linear layer), by parameter name.
    public var macsPerWeight: [String: Int] {
        var byLayer: [ObjectIdentifier: Int] = [:]
        walk { layer, _, out in
            if let m = layer.macsPerWeight(outputShape: out) { byLayer[ObjectIdentifier(layer)] = m }
        }
        var out: [String: Int] = [:]
        func visit(_ layer: any Layer<Scalar>, _ prefix: String) {
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
