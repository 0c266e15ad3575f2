import NeuralNet
import Tensor
import Testing

/// Central finite differences against each layer's `backward`, for every layer type.
/// L(x) = Σ r ⊙ layer(x) with a fixed random r, so ∂L/∂y = r.
@Suite struct GradientCheckTests {
    static func random(_ shape: [Int], _ g: inout Philox, scale: Float = 1) -> Tensor<Float> {
        Tensor<Float>(shape: shape, scalars: (0..<TensorShape.count(of: shape)).map { _ in Float(g.normal()) * scale })
    }

    /// Inputs whose entries are at least `gap` from zero and from each other (no ReLU kink or max-pool
    /// tie is crossed by a perturbation of size < gap/2).
    static func separated(_ shape: [Int], _ g: inout Philox, gap: Float = 0.02) -> Tensor<Float> {
        let n = TensorShape.count(of: shape)
        let order = g.permutation(n)
        return Tensor<Float>(shape: shape, scalars: order.map { (Float($0) - Float(n) / 2 + 0.5) * gap })
    }

    /// Relative error ‖numeric − analytic‖ / ‖analytic‖ over sampled coordinates of the input and every parameter.
    static func check(_ layer: any Layer<Float>, input x: Tensor<Float>, mode: ForwardMode = .train, step h: Float = 1e-2,
                      samples: Int = 24, seed: UInt64 = 1) -> [String: Double] {
        var g = Philox(seed: seed)
        let y = layer.forward(x, mode: mode)
        let r = random(y.shape, &g)
        func loss(_ input: Tensor<Float>) -> Double {
            let out = layer.forward(input, mode: mode)
            var s = 0.0
            for i in 0..<out.count { s += Double(out[flat: i]) * Double(r[flat: i]) }
            return s
        }
        var params: [(String, Parameter<Float>)] = []
        func collect(_ l: any Layer<Float>, _ prefix: String) {
            for (n, p) in l.parameters { params.append((prefix + n, p)) }
            for (n, c) in l.children { collect(c, prefix + n + ".") }
        }
        collect(layer, "")
        for (_, p) in params { p.zeroGradient() }
        _ = layer.forward(x, mode: mode)
        let dx = layer.backward(r)
        var errors: [String: Double] = [:]
        func compare(count: Int, analytic: (Int) -> Float, perturb: (Int, Float) -> Double) -> Double {
            var num = 0.0, den = 0.0
            let picks = count <= samples ? Array(0..<count) : (0..<samples).map { _ in g.below(count) }
            for i in picks {
                let numeric = (perturb(i, h) - perturb(i, -h)) / (2 * Double(h))
                let a = Double(analytic(i))
                num += (numeric - a) * (numeric - a)
                den += a * a
            }
            return den == 0 ? num.squareRoot() : (num / den).squareRoot()
        }
        errors["input"] = compare(count: x.count, analytic: { dx[flat: $0] }) { i, d in
            var xp = x
            xp[flat: i] += d
            return loss(xp)
        }
        for (name, p) in params {
            let grad = p.grad
            errors[name] = compare(count: p.value.count, analytic: { grad[flat: $0] }) { i, d in
                let saved = p.value
                p.value[flat: i] += d
                defer { p.value = saved }
                return loss(x)
            }
        }
        return errors
    }

    static func expectSmall(_ errors: [String: Double], _ bound: Double = 1e-2,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!errors.isEmpty, sourceLocation: sourceLocation)
        for (name, e) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(e < bound, "\(name): relative error \(e)", sourceLocation: sourceLocation)
        }
    }

    @Test func linear() {
        var g = Philox(seed: 2)
        let l = Linear<Float>(inFeatures: 7, outFeatures: 5)
        l.weight.value = Self.random([5, 7], &g)
        l.bias?.value = Self.random([5], &g)
        Self.expectSmall(Self.check(l, input: Self.random([3, 7], &g)))
    }

    @Test(arguments: [(1, 0, true), (1, 1, false), (2, 1, true), (2, 0, false), (3, 2, true)])
    func conv2d(stride: Int, padding: Int, bias: Bool) {
        var g = Philox(seed: 3)
        let c = Conv2d<Float>(inChannels: 3, outChannels: 4, kernelSize: 3, stride: stride, padding: padding, bias: bias)
        c.weight.value = Self.random(c.weight.shape, &g, scale: 0.5)
        if bias { c.bias?.value = Self.random([4], &g) }
        Self.expectSmall(Self.check(c, input: Self.random([2, 3, 7, 6], &g)))
    }

    @Test func conv1x1Strided() {
        var g = Philox(seed: 4)
        let c = Conv2d<Float>(inChannels: 4, outChannels: 2, kernelSize: 1, stride: 2, bias: false)
        c.weight.value = Self.random(c.weight.shape, &g)
        Self.expectSmall(Self.check(c, input: Self.random([2, 4, 5, 5], &g)))
    }

    @Test func relu() {
        var g = Philox(seed: 5)
        Self.expectSmall(Self.check(ReLU<Float>(), input: Self.separated([2, 3, 4, 4], &g)))
    }

    @Test func reluGradientAtZeroIsZero() {
        let r = ReLU<Float>()
        _ = r.forward(Tensor<Float>(shape: [1, 3], scalars: [-1, 0, 2]), mode: .train)
        #expect(r.backward(Tensor<Float>(repeating: 1, shape: [1, 3])).scalars == [0, 0, 1])
    }

    @Test func maxPool() {
        var g = Philox(seed: 6)
        Self.expectSmall(Self.check(MaxPool2d<Float>(kernelSize: 2), input: Self.separated([2, 2, 6, 5], &g)))
        Self.expectSmall(Self.check(MaxPool2d<Float>(kernelSize: 3, stride: 2), input: Self.separated([1, 2, 7, 7], &g)))
    }

    @Test func maxPoolTiesGoToFirstMaximum() {
        let p = MaxPool2d<Float>(kernelSize: 2)
        let x = Tensor<Float>(shape: [1, 1, 2, 4], scalars: [1, 3, 5, 5,
                                                      3, 2, 5, 5])
        #expect(p.forward(x, mode: .train).scalars == [3, 5])
        #expect(p.backward(Tensor<Float>(shape: [1, 1, 1, 2], scalars: [10, 20])).scalars == [0, 10, 20, 0, 0, 0, 0, 0])
    }

    @Test func avgPool() {
        var g = Philox(seed: 7)
        Self.expectSmall(Self.check(AvgPool2d<Float>(kernelSize: 2), input: Self.random([2, 3, 4, 6], &g)))
    }

    @Test func globalAvgPoolAndFlatten() {
        var g = Philox(seed: 8)
        Self.expectSmall(Self.check(GlobalAvgPool<Float>(), input: Self.random([2, 3, 4, 5], &g)))
        Self.expectSmall(Self.check(Flatten<Float>(), input: Self.random([2, 3, 2, 2], &g)))
    }

    @Test(arguments: [ForwardMode.train, .eval])
    func batchNorm(mode: ForwardMode) {
        var g = Philox(seed: 9)
        let bn = BatchNorm2d<Float>(channels: 3)
        bn.weight.value = Self.random([3], &g)
        bn.bias.value = Self.random([3], &g)
        bn.runningMean.value = Self.random([3], &g)
        bn.runningVar.value = Tensor<Float>(shape: [3], scalars: [0.5, 1.5, 2])
        Self.expectSmall(Self.check(bn, input: Self.random([4, 3, 3, 3], &g), mode: mode, step: 1e-2))
    }

    @Test func batchNormStatistics() {
        let bn = BatchNorm2d<Float>(channels: 1)
        let x = Tensor<Float>(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 6])   // mean 3, biased var 3.5, unbiased 14/3
        let y = bn.forward(x, mode: .train)
        let istd = 1 / (3.5 + 1e-5).squareRoot()
        for (i, v) in [1.0, 2, 3, 6].enumerated() { #expect(abs(Double(y[flat: i]) - (v - 3) * istd) < 1e-6) }
        #expect(abs(bn.runningMean.value[flat: 0] - 0.3) < 1e-7)
        #expect(abs(Double(bn.runningVar.value[flat: 0]) - (0.9 + 0.1 * 14 / 3)) < 1e-6)
        // a constant channel is normalized by sqrt(eps): output 0, finite gradient
        let c = BatchNorm2d<Float>(channels: 1)
        let out = c.forward(Tensor<Float>(repeating: 2, shape: [2, 1, 2, 2]), mode: .train)
        #expect(out.maxAbs() == 0)
        #expect(c.backward(Tensor<Float>(repeating: 1, shape: [2, 1, 2, 2])).scalars.allSatisfy { $0.isFinite })
    }

    @Test(arguments: [(4, 4, 1), (4, 6, 2)])
    func basicBlock(inChannels: Int, outChannels: Int, stride: Int) {
        var g = Philox(seed: 10)
        let b = Residual<Float>.basicBlock(inChannels: inChannels, outChannels: outChannels, stride: stride)
        func randomize(_ l: any Layer<Float>) {
            for (_, p) in l.parameters where p.role == .weight { p.value = Self.random(p.shape, &g, scale: 0.3) }
            for (_, c) in l.children { randomize(c) }
        }
        randomize(b)
        // a BN shift moves a whole channel across ReLU kinks: the step must be small (2e-3 crosses one here)
        Self.expectSmall(Self.check(b, input: Self.random([3, inChannels, 5, 5], &g), step: 1e-3), 2e-2)
    }

    @Test func wholeNetwork() throws {
        var g = Philox(seed: 11)
        let net = try ModelZoo.build(ModelSpec(name: "lenet5", input: [1, 16, 16], width: 0.5, seed: 3))
        let errors = Self.check(net.body, input: Self.random([2, 1, 16, 16], &g), step: 2e-3)
        Self.expectSmall(errors.filter { $0.key != "input" }, 2e-2)
    }
}
