import NeuralNet
import Tensor

/// Forward + backward time of single layers per kernel path and density (`prunebook bench
/// --layers`): the measurements `SparseKernelRule`'s constants come from.
package enum LayerKernelBenchmark {
    /// A layer shape to measure: a 3×3 convolution (padding 1) or a linear layer.
    package struct Shape: Sendable {
        package var name: String
        var conv: (channels: Int, out: Int, size: Int, stride: Int)?
        var linear: (inputs: Int, outputs: Int)?
    }

    package static let shapes: [Shape] = [
        // a network's first layer (image channels in) computes no input gradient
        Shape(name: "conv 3→16 32² first", conv: (3, 16, 32, 1)),
        Shape(name: "conv 3→64 32² first", conv: (3, 64, 32, 1)),
        Shape(name: "conv 16→16 32²", conv: (16, 16, 32, 1)),
        Shape(name: "conv 64→64 32²", conv: (64, 64, 32, 1)),
        Shape(name: "conv 32→32 16²", conv: (32, 32, 16, 1)),
        Shape(name: "conv 128→128 16²", conv: (128, 128, 16, 1)),
        Shape(name: "conv 64→64 8²", conv: (64, 64, 8, 1)),
        Shape(name: "conv 256→256 8²", conv: (256, 256, 8, 1)),
        Shape(name: "conv 512→512 4²", conv: (512, 512, 4, 1)),
        Shape(name: "conv 512→512 2²", conv: (512, 512, 2, 1)),
        Shape(name: "conv 16→32 32² s2", conv: (16, 32, 32, 2)),
        Shape(name: "conv 32→64 16² s2", conv: (32, 64, 16, 2)),
        Shape(name: "conv 128→256 8² s2", conv: (128, 256, 8, 2)),
        Shape(name: "linear 784→300", linear: (784, 300)),
        Shape(name: "linear 300→100", linear: (300, 100)),
        Shape(name: "linear 4096→256", linear: (4096, 256)),
        Shape(name: "linear 512→10", linear: (512, 10)),
    ]

    /// Median milliseconds of forward + backward (weight and input gradients) per path at `density`.
    package static func measure(_ shape: Shape, density: Double, batch: Int, settings: BenchmarkSettings) -> [(String, Double)] {
        var rng = Philox(seed: 1, stream: 5)
        if let c = shape.conv {
            let layer = Conv2d<Float>(inChannels: c.channels, outChannels: c.out, kernelSize: 3, stride: c.stride, padding: 1)
            layer.propagatesGradient = c.channels > 3
            let n = layer.weight.value.count
            layer.weight.value = Tensor(shape: layer.weight.shape, scalars: (0..<n).map { _ in Float(rng.normal()) })
            layer.weight.mask = Tensor(shape: layer.weight.shape, scalars: (0..<n).map { _ in rng.uniformDouble() < density ? 1 : 0 })
            layer.weight.applyMask()
            let x = Tensor<Float>(shape: [batch, c.channels, c.size, c.size],
                                  scalars: (0..<(batch * c.channels * c.size * c.size)).map { _ in Float(rng.normal()) })
            let out = (try? layer.outputShape(for: [c.channels, c.size, c.size])) ?? []
            let dy = Tensor<Float>(repeating: 0.01, shape: [batch] + out)
            // the dense path by the dense rule's algorithm, by each dense algorithm, then the sparse paths
            let runs: [(String, ConvKernelPath, DenseConvAlgorithm?)] =
                [("dense", .dense, nil), ("gemm", .dense, .gemm), ("tiles", .dense, .direct),
                 ("columns", .columns, nil), ("direct", .direct, nil)]
            return runs.map { name, path, algorithm in
                layer.kernels = path == .dense ? .dense : .sparse
                layer.setPathOverride(path)
                layer.denseAlgorithm = algorithm
                let t = DensityBenchmark.median(settings) {
                    layer.weight.zeroGradient()
                    _ = layer.forward(x, mode: .train)
                    _ = layer.backward(dy)
                }
                return (name, t * 1000)
            }
        }
        guard let l = shape.linear else { return [] }
        let layer = Linear<Float>(inFeatures: l.inputs, outFeatures: l.outputs)
        let n = layer.weight.value.count
        layer.weight.value = Tensor(shape: layer.weight.shape, scalars: (0..<n).map { _ in Float(rng.normal()) })
        layer.weight.mask = Tensor(shape: layer.weight.shape, scalars: (0..<n).map { _ in rng.uniformDouble() < density ? 1 : 0 })
        layer.weight.applyMask()
        let x = Tensor<Float>(shape: [batch, l.inputs], scalars: (0..<(batch * l.inputs)).map { _ in Float(rng.normal()) })
        let dy = Tensor<Float>(repeating: 0.01, shape: [batch, l.outputs])
        return [KernelChoice.dense, .sparse].map { k in
            layer.kernels = k
            let t = DensityBenchmark.median(settings) {
                layer.weight.zeroGradient()
                _ = layer.forward(x, mode: .train)
                _ = layer.backward(dy)
            }
            return (k.rawValue, t * 1000)
        }
    }
}
