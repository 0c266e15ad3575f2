@testable import NeuralNet
import Tensor
import Testing

/// The dense direct convolution (`StackedPlanes`, #22) against im2col + GEMM, by hand, and the
/// rule that picks between them.
@Suite struct DirectConvTests {
    /// Forward, input gradient, weight and bias gradients of `layer` by one dense algorithm.
    static func pass<Scalar: TensorScalar>(_ layer: Conv2d<Scalar>, _ algorithm: DenseConvAlgorithm, x: Tensor<Scalar>, dy: Tensor<Scalar>)
        -> (y: Tensor<Scalar>, dx: Tensor<Scalar>, dw: Tensor<Scalar>, db: Tensor<Scalar>?) {
        layer.denseAlgorithm = algorithm
        layer.weight.zeroGradient()
        layer.bias?.zeroGradient()
        let y = layer.forward(x, mode: .train)
        let dx = layer.backward(dy)
        return (y, dx, layer.weight.grad, layer.bias?.grad)
    }

    static func compare<Scalar: TensorScalar>(_: Scalar.Type, channels c: Int, out o: Int, height h: Int, width w: Int,
                                              batch n: Int, bias: Bool = true, inputGradient: Bool = true) {
        let layer = Conv2d<Scalar>(inChannels: c, outChannels: o, kernelSize: 3, padding: 1, bias: bias)
        layer.propagatesGradient = inputGradient
        layer.weight.value = SparseKernelTests.normal([o, c, 3, 3], seed: 11)
        layer.bias?.value = SparseKernelTests.normal([o], seed: 12)
        let x: Tensor<Scalar> = SparseKernelTests.normal([n, c, h, w], seed: 13)
        let dy: Tensor<Scalar> = SparseKernelTests.normal([n, o, h, w], seed: 14)
        let gemm = pass(layer, .gemm, x: x, dy: dy)
        let direct = pass(layer, .direct, x: x, dy: dy)
        let tol = SparseKernelTests.tolerance(Scalar.self)
        let shape = "\(c)→\(o) \(h)×\(w) batch \(n) \(Scalar.precisionName)"
        #expect(direct.y.shape == gemm.y.shape)
        #expect(direct.y.relativeError(to: gemm.y) <= tol, "y, \(shape)")
        #expect(direct.dw.relativeError(to: gemm.dw) <= tol, "dW, \(shape)")
        if inputGradient { #expect(direct.dx.relativeError(to: gemm.dx) <= tol, "dx, \(shape)") }
        if let a = direct.db, let b = gemm.db { #expect(a.relativeError(to: b) <= tol, "db, \(shape)") }
    }

    @Test func directMatchesGemmOnAwkwardShapes() {
        // channel counts off the tile of 8 (and odd, for the weight gradient's row pairs), planes
        // that are not square, batches split unevenly into lanes and chunks
        Self.compare(Float.self, channels: 5, out: 13, height: 7, width: 9, batch: 3)
        Self.compare(Float.self, channels: 16, out: 16, height: 8, width: 8, batch: 130)
        Self.compare(Float.self, channels: 9, out: 1, height: 12, width: 5, batch: 7, bias: false)
        Self.compare(Float.self, channels: 1, out: 8, height: 3, width: 3, batch: 2)
        Self.compare(Float.self, channels: 32, out: 24, height: 16, width: 16, batch: 9, inputGradient: false)
        Self.compare(Float.self, channels: 70, out: 66, height: 6, width: 6, batch: 4)  // two channel blocks
        Self.compare(Double.self, channels: 6, out: 10, height: 9, width: 7, batch: 5)
    }

    @Test func directMatchesHandComputedSums() {
        // a 3×3 kernel of ones over a 3×4 image of ones counts each position's neighbours inside
        // the image; bias 0.5; dy of ones gives dx the same counts (the kernel is symmetric) and
        // dW[i, j] the number of positions whose (i, j) neighbour lies inside the image
        let layer = Conv2d<Float>(inChannels: 1, outChannels: 1, kernelSize: 3, padding: 1)
        layer.weight.value = Tensor(repeating: 1, shape: [1, 1, 3, 3])
        layer.bias?.value = Tensor(repeating: 0.5, shape: [1])
        let ones = Tensor<Float>(repeating: 1, shape: [1, 1, 3, 4])
        let r = Self.pass(layer, .direct, x: ones, dy: ones)
        let counts: [Float] = [4, 6, 6, 4, 6, 9, 9, 6, 4, 6, 6, 4]
        #expect(r.y.scalars == counts.map { $0 + 0.5 })
        #expect(r.dx.scalars == counts)
        #expect(r.dw.scalars == [6, 8, 6, 9, 12, 9, 6, 8, 6])
        #expect(r.db?.scalars == [12])
    }

    @Test func forwardOfAnImageDoesNotDependOnItsBatch() {
        // each output's sum runs over channels and offsets in one order, whatever the chunk
        let layer = Conv2d<Float>(inChannels: 12, outChannels: 16, kernelSize: 3, padding: 1)
        layer.weight.value = SparseKernelTests.normal([16, 12, 3, 3], seed: 21)
        layer.denseAlgorithm = .direct
        let x: Tensor<Float> = SparseKernelTests.normal([9, 12, 10, 10], seed: 22)
        let all = layer.forward(x, mode: .eval).scalars
        let size = 16 * 10 * 10
        for j in [0, 4, 8] {
            let one = Tensor(shape: [1, 12, 10, 10], scalars: Array(x.scalars[(j * 1200)..<((j + 1) * 1200)]))
            #expect(layer.forward(one, mode: .eval).scalars == Array(all[(j * size)..<((j + 1) * size)]), "image \(j)")
        }
    }

    @Test func ruleFollowsTheMeasuredCrossovers() {
        func choice<S: TensorScalar>(_ c: Int, _ o: Int, _ size: Int, stride: Int = 1, _: S.Type = Float.self) -> DenseConvAlgorithm {
            let g = ConvGeometry(channels: c, height: size, width: size, kernelH: 3, kernelW: 3, stride: stride, padding: 1)
            return DenseConvAlgorithm.chosen(for: g, outChannels: o, scalar: S.self)
        }
        // the tiles only where the build's registers hold them (AVX-512)
        let tiles: DenseConvAlgorithm = DenseConvAlgorithm.tilesFitRegisters ? .direct : .gemm
        #expect(choice(16, 16, 32) == tiles)
        #expect(choice(32, 32, 16) == tiles)
        #expect(choice(64, 64, 8) == tiles)
        #expect(choice(3, 16, 32) == .gemm, "an image's first layer")
        #expect(choice(128, 128, 16) == .gemm)
        #expect(choice(64, 64, 4) == .gemm, "a 4×4 plane")
        #expect(choice(16, 32, 32, stride: 2) == .gemm)
        #expect(choice(16, 16, 32, Double.self) == .gemm)
        // a request for the direct path where it does not apply computes by GEMM
        let strided = Conv2d<Float>(inChannels: 4, outChannels: 4, kernelSize: 3, stride: 2, padding: 1)
        strided.denseAlgorithm = .direct
        #expect(!strided.computesDirectly(strided.geometry([1, 4, 8, 8])))
    }
}
