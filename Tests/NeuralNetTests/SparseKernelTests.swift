@testable import NeuralNet
import Tensor
import Testing
import Training

/// The sparse kernels (#22) against the dense ones: forward, input gradient and weight gradient
/// at the kept weights, per layer type and path, at densities from 0.5 to a single kept weight,
/// in both precisions; then a whole SGD step on every zoo model.
@Suite struct SparseKernelTests {
    static let densities = [0.5, 0.1, 0.01, 0.001]

    /// A tensor of normal values (Philox, so every run draws the same).
    static func normal<Scalar: TensorScalar>(_ shape: [Int], seed: UInt64, _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        var g = Philox(seed: seed)
        return Tensor(shape: shape, scalars: (0..<TensorShape.count(of: shape)).map { _ in Scalar(g.normal()) })
    }

    /// A mask keeping about `density` of the entries (at least one unless `density` is 0).
    static func mask<Scalar: TensorScalar>(_ shape: [Int], density: Double, seed: UInt64) -> Tensor<Scalar> {
        var g = Philox(seed: seed, stream: 7)
        let n = TensorShape.count(of: shape)
        var bits = (0..<n).map { _ in g.uniformDouble() < density ? Scalar(1) : 0 }
        if density > 0, !bits.contains(1) { bits[g.below(n)] = 1 }
        return Tensor(shape: shape, scalars: bits)
    }

    /// Runs forward and backward on `layer` and returns (y, dx, dW at kept weights, db).
    static func pass<Scalar: TensorScalar, L: Layer<Scalar>>(_ layer: L, weight: Parameter<Scalar>, bias: Parameter<Scalar>?,
                                                             x: Tensor<Scalar>, dy: Tensor<Scalar>)
        -> (y: Tensor<Scalar>, dx: Tensor<Scalar>, dw: Tensor<Scalar>, db: Tensor<Scalar>?) {
        weight.zeroGradient()
        bias?.zeroGradient()
        let y = layer.forward(x, mode: .train)
        let dx = layer.backward(dy)
        var dw = weight.grad
        if let m = weight.mask { dw = dw * m }
        return (y, dx, dw, bias?.grad)
    }

    static func tolerance<Scalar: TensorScalar>(_: Scalar.Type) -> Double { Scalar.self == Float.self ? 2e-5 : 1e-12 }

    static func checkLinear<Scalar: TensorScalar>(_: Scalar.Type, density: Double, emptyRows: Bool = false) {
        let (i, o, n) = (37, 23, 19)
        let layer = Linear<Scalar>(inFeatures: i, outFeatures: o)
        layer.weight.value = normal([o, i], seed: 1)
        layer.bias?.value = normal([o], seed: 2)
        var m: Tensor<Scalar> = mask([o, i], density: density, seed: 3)
        if emptyRows { m.withUnsafeMutablePointer { p in for r in stride(from: 0, to: o, by: 2) { (p + r * i).update(repeating: 0, count: i) } } }
        layer.weight.mask = m
        layer.weight.applyMask()
        let x: Tensor<Scalar> = normal([n, i], seed: 4), dy: Tensor<Scalar> = normal([n, o], seed: 5)
        layer.kernels = .dense
        let dense = pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
        layer.kernels = .sparse
        let sparse = pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
        #expect(layer.weight.compactGradient != nil, "the sparse backward keeps the gradient compact")
        let tol = tolerance(Scalar.self)
        #expect(sparse.y.relativeError(to: dense.y) <= tol, "linear y, density \(density)")
        #expect(sparse.dx.relativeError(to: dense.dx) <= tol, "linear dx, density \(density)")
        #expect(sparse.dw.relativeError(to: dense.dw) <= tol, "linear dW, density \(density)")
        #expect(sparse.db == dense.db)
    }

    @Test(arguments: densities + [0])
    func linearMatchesDense(density: Double) {
        Self.checkLinear(Float.self, density: density)
        Self.checkLinear(Double.self, density: density)
        Self.checkLinear(Float.self, density: density, emptyRows: true)
    }

    struct ConvCase: Sendable, CustomStringConvertible {
        let c, o, k, stride, padding, size: Int
        var description: String { "\(c)→\(o) k\(k) s\(stride) p\(padding) on \(size)²" }
    }

    static let convCases = [
        ConvCase(c: 5, o: 7, k: 3, stride: 1, padding: 1, size: 9),
        ConvCase(c: 4, o: 6, k: 3, stride: 2, padding: 1, size: 10),
        ConvCase(c: 3, o: 5, k: 5, stride: 1, padding: 0, size: 12),
        ConvCase(c: 6, o: 4, k: 1, stride: 2, padding: 0, size: 7),
        ConvCase(c: 8, o: 8, k: 3, stride: 1, padding: 1, size: 2),
        ConvCase(c: 16, o: 16, k: 3, stride: 1, padding: 1, size: 32),
        // strided layers run on phase planes: odd and even sizes, kernels wider than, equal to and
        // narrower than the stride, with and without padding
        ConvCase(c: 3, o: 4, k: 5, stride: 2, padding: 2, size: 9),
        ConvCase(c: 4, o: 3, k: 3, stride: 3, padding: 1, size: 11),
        ConvCase(c: 5, o: 5, k: 2, stride: 2, padding: 0, size: 8),
        ConvCase(c: 4, o: 4, k: 3, stride: 2, padding: 0, size: 9),
        ConvCase(c: 3, o: 3, k: 1, stride: 2, padding: 1, size: 7),
        ConvCase(c: 3, o: 4, k: 2, stride: 3, padding: 1, size: 8),
        // a kernel wider than the padded input: no padded layout, the columns path instead
        ConvCase(c: 2, o: 3, k: 3, stride: 2, padding: 0, size: 2),
    ]

    static func checkConv<Scalar: TensorScalar>(_: Scalar.Type, _ cc: ConvCase, density: Double, path: ConvKernelPath) {
        let layer = Conv2d<Scalar>(inChannels: cc.c, outChannels: cc.o, kernelSize: cc.k, stride: cc.stride, padding: cc.padding)
        let shape = [cc.o, cc.c, cc.k, cc.k]
        layer.weight.value = normal(shape, seed: 11)
        layer.bias?.value = normal([cc.o], seed: 12)
        layer.weight.mask = mask(shape, density: density, seed: 13)
        layer.weight.applyMask()
        let batch = 9  // more images than lanes, so lanes hold several
        let x: Tensor<Scalar> = normal([batch, cc.c, cc.size, cc.size], seed: 14)
        // the layer's own arithmetic (outputShape refuses the case whose kernel does not fit)
        let g = layer.geometry(x.shape)
        let dy: Tensor<Scalar> = normal([batch, cc.o, g.outH, g.outW], seed: 15)
        layer.kernels = .dense
        let dense = pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
        layer.kernels = .sparse
        layer.pathOverride = path
        var sparse = pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
        #expect(layer.lastForwardPath == .dense)  // backward consumed the plan
        // again, now that the scratch buffers hold the first pass's values
        let again = pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
        #expect(again.y == sparse.y && again.dx == sparse.dx && again.dw == sparse.dw, "conv \(cc), \(path): a second pass differs")
        sparse = again
        let tol = tolerance(Scalar.self)
        #expect(sparse.y.relativeError(to: dense.y) <= tol, "conv y, \(cc), \(path), density \(density)")
        #expect(sparse.dx.relativeError(to: dense.dx) <= tol, "conv dx, \(cc), \(path), density \(density)")
        #expect(sparse.dw.relativeError(to: dense.dw) <= tol, "conv dW, \(cc), \(path), density \(density)")
        if let a = sparse.db, let b = dense.db { #expect(a.relativeError(to: b) <= tol) }
    }

    @Test(arguments: [ConvKernelPath.direct, .columns])
    func convMatchesDense(path: ConvKernelPath) {
        for cc in Self.convCases {
            for d in Self.densities + [0] {
                Self.checkConv(Float.self, cc, density: d, path: path)
                Self.checkConv(Double.self, cc, density: d, path: path)
            }
        }
    }

    /// Input channels no kept weight reads and output channels with no kept weight are skipped
    /// by the sparse paths (not copied, not computed): results still equal the dense ones, with
    /// and without the input gradient (a first layer's 3 channels computes none).
    @Test(arguments: [ConvKernelPath.direct, .columns])
    func emptyChannelsMatchDense(path: ConvKernelPath) {
        for (cc, propagates) in [(ConvCase(c: 6, o: 6, k: 3, stride: 1, padding: 1, size: 8), true),
                                 (ConvCase(c: 6, o: 6, k: 3, stride: 1, padding: 1, size: 8), false),
                                 (ConvCase(c: 3, o: 8, k: 3, stride: 1, padding: 1, size: 9), false),
                                 (ConvCase(c: 6, o: 6, k: 3, stride: 2, padding: 1, size: 9), true)] {
            let layer = Conv2d<Float>(inChannels: cc.c, outChannels: cc.o, kernelSize: cc.k, stride: cc.stride, padding: cc.padding)
            layer.propagatesGradient = propagates
            let shape = [cc.o, cc.c, cc.k, cc.k]
            layer.weight.value = Self.normal(shape, seed: 21)
            var m: Tensor<Float> = Self.mask(shape, density: 0.3, seed: 22)
            m.withUnsafeMutablePointer { p in
                let kk = cc.k * cc.k
                for o in 0..<cc.o {
                    for c in 0..<cc.c where c % 2 == 1 || o % 3 == 2 { (p + (o * cc.c + c) * kk).update(repeating: 0, count: kk) }
                }
            }
            layer.weight.mask = m
            layer.weight.applyMask()
            let x: Tensor<Float> = Self.normal([5, cc.c, cc.size, cc.size], seed: 23)
            let out = (try? layer.outputShape(for: [cc.c, cc.size, cc.size])) ?? []
            let dy: Tensor<Float> = Self.normal([5] + out, seed: 24)
            layer.kernels = .dense
            let dense = Self.pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
            layer.kernels = .sparse
            layer.pathOverride = path
            _ = Self.pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)  // dirty the scratch buffers
            let sparse = Self.pass(layer, weight: layer.weight, bias: layer.bias, x: x, dy: dy)
            let tol = Self.tolerance(Float.self)
            #expect(sparse.y.relativeError(to: dense.y) <= tol, "y, \(cc), \(path)")
            #expect(sparse.dw.relativeError(to: dense.dw) <= tol, "dW, \(cc), \(path)")
            if propagates {
                #expect(sparse.dx.relativeError(to: dense.dx) <= tol, "dx, \(cc), \(path)")
                // the unread input channels get exactly zero gradient
                let plane = cc.size * cc.size
                let dx = sparse.dx.scalars
                var unread: [Float] = []
                for n in 0..<5 {
                    for c in stride(from: 1, to: cc.c, by: 2) {
                        let first = (n * cc.c + c) * plane
                        unread += dx[first..<(first + plane)]
                    }
                }
                #expect(unread.allSatisfy { $0 == 0 })
            }
        }
    }

    /// The automatic rule: the paths the measured crossovers give (`bench --layers`).
    @Test func ruleFollowsTheMeasuredCrossovers() {
        // an image's first layer: im2col + sparse product up to 50% with 64 outputs, 25% with 16
        #expect(SparseKernelRule.convPath(density: 0.45, positions: 1024, inChannels: 3, outChannels: 64, stride: 1) == .columns)
        #expect(SparseKernelRule.convPath(density: 0.45, positions: 1024, inChannels: 3, outChannels: 16, stride: 1) == .dense)
        // few channels on large planes, against the dense tiles (AVX-512 builds): direct from 20%
        // (16 channels), 15% (64), 7% (32 at 16×16); on 8×8 im2col + sparse product from 10%,
        // direct from 3%
        if DenseConvAlgorithm.tilesFitRegisters {
            #expect(SparseKernelRule.convPath(density: 0.2, positions: 1024, inChannels: 16, outChannels: 16, stride: 1) == .direct)
            #expect(SparseKernelRule.convPath(density: 0.3, positions: 1024, inChannels: 16, outChannels: 16, stride: 1) == .dense)
            #expect(SparseKernelRule.convPath(density: 0.2, positions: 1024, inChannels: 64, outChannels: 64, stride: 1) == .dense)
            #expect(SparseKernelRule.convPath(density: 0.1, positions: 256, inChannels: 32, outChannels: 32, stride: 1) == .dense)
            #expect(SparseKernelRule.convPath(density: 0.05, positions: 256, inChannels: 32, outChannels: 32, stride: 1) == .direct)
            #expect(SparseKernelRule.convPath(density: 0.05, positions: 64, inChannels: 64, outChannels: 64, stride: 1) == .columns)
            #expect(SparseKernelRule.convPath(density: 0.02, positions: 64, inChannels: 64, outChannels: 64, stride: 1) == .direct)
        }
        // against im2col + GEMM (more output channels): direct from 40% (16 channels) or 20% (64)
        #expect(SparseKernelRule.convPath(density: 0.3, positions: 1024, inChannels: 16, outChannels: 128, stride: 1) == .direct)
        #expect(SparseKernelRule.convPath(density: 0.3, positions: 1024, inChannels: 64, outChannels: 128, stride: 1) == .dense)
        // many channels on small planes: im2col + sparse product, direct only when very sparse
        #expect(SparseKernelRule.convPath(density: 0.1, positions: 64, inChannels: 256, outChannels: 256, stride: 1) == .columns)
        #expect(SparseKernelRule.convPath(density: 0.01, positions: 256, inChannels: 128, outChannels: 128, stride: 1) == .direct)
        #expect(SparseKernelRule.convPath(density: 0.3, positions: 16, inChannels: 512, outChannels: 512, stride: 1) == .dense)
        // strided: direct on the phase planes from 20% where planes are large and channels few
        #expect(SparseKernelRule.convPath(density: 0.1, positions: 256, inChannels: 16, outChannels: 32, stride: 2) == .direct)
        #expect(SparseKernelRule.convPath(density: 0.4, positions: 64, inChannels: 32, outChannels: 64, stride: 2) == .dense)
        #expect(SparseKernelRule.convPath(density: 0.1, positions: 16, inChannels: 128, outChannels: 256, stride: 2) == .columns)
        #expect(SparseKernelRule.linearIsSparse(density: 0.07, weights: 784 * 300))
        #expect(!SparseKernelRule.linearIsSparse(density: 0.1, weights: 784 * 300))
        #expect(!SparseKernelRule.linearIsSparse(density: 0.05, weights: 4096 * 256))
    }

    /// A sparse forward really is sparse: a value at a pruned position (which a dense product
    /// would read) changes nothing, and the compact gradient has one entry per kept weight.
    @Test func prunedValuesAreNeverRead() {
        let layer = Linear<Float>(inFeatures: 4, outFeatures: 2)
        layer.weight.value = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        layer.weight.mask = Tensor(shape: [2, 4], scalars: [1, 0, 0, 1, 0, 0, 1, 0])
        layer.bias?.value = Tensor(shape: [2], scalars: [0.5, -0.5])
        layer.kernels = .sparse
        let y = layer.forward(Tensor(shape: [1, 4], scalars: [1, 10, 100, 1000]), mode: .train)
        // row 0: 1·1 + 4·1000 + 0.5; row 1: 7·100 − 0.5 (the unmasked 2, 3, 5, 6, 8 are skipped)
        #expect(y.scalars == [4001.5, 699.5])
        _ = layer.backward(Tensor(shape: [1, 2], scalars: [1, 2]))
        #expect(layer.weight.compactGradient?.values == [1, 1000, 200])
        #expect(layer.weight.grad.scalars == [1, 0, 0, 1000, 0, 0, 200, 0])
    }
}
