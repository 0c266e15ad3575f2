import NeuralNet
import Tensor
import Testing

/// The same network run in Double (`Network.converted(to: Double.self)`): a case checked by hand,
/// finite differences in Double through every layer type, agreement with the float32 network on
/// the zoo, and that converting leaves the network alone. (Against the PyTorch fixtures:
/// `Float64GoldenTests` in PruningTests.)
@Suite struct DoublePrecisionTests {
    /// L = ½ Σ z² over the logits: ∂L/∂z = z.
    static func halfSquares(_ z: [Double]) -> Double { z.reduce(0) { $0 + $1 * $1 } / 2 }

    /// Logits and prunable-weight gradients of `network` run in Double, for the loss whose
    /// gradient with respect to the logits `lossGradient` gives.
    static func gradients(_ network: Network<Float>, inputs: Tensor<Float>, mode: ForwardMode = .train,
                          lossGradient: ([Double]) -> [Double]) -> (logits: [Double], weightGradients: [[Double]]) {
        let net = network.converted(to: Double.self)
        net.zeroGradients()
        let z = net.forward(inputs.converted(to: Double.self), mode: mode)
        net.backward(Tensor(shape: z.shape, scalars: lossGradient(z.scalars)))
        return (z.scalars, net.prunable.map(\.parameter.grad.scalars))
    }

    static func tinyNetwork() throws -> Network<Float> {
        let fc1 = Linear<Float>(inFeatures: 3, outFeatures: 2), fc2 = Linear<Float>(inFeatures: 2, outFeatures: 2)
        fc1.weight.value = Tensor<Float>(shape: [2, 3], scalars: [1, -2, 0.5, 0.25, 1, -1])
        fc1.bias?.value = Tensor<Float>(shape: [2], scalars: [0.5, -0.25])
        fc2.weight.value = Tensor<Float>(shape: [2, 2], scalars: [1, 2, -1, 0.5])
        fc2.bias?.value = Tensor<Float>(shape: [2], scalars: [0, 1])
        return try Network(architecture: "tiny", inputShape: [3], classes: 2, body: Sequential<Float>([fc1, ReLU<Float>(), fc2]))
    }

    /// x = [[1, 0.5, −0.5], [2, −1, 0.25]]: pre-activations [[0.25, 1], [4.625, −1]] (unit 2 dead on
    /// image 2), logits z = [[2.25, 1.25], [4.625, −3.625]], L = ½Σz² = 20.578125;
    /// ∂L/∂W2 = zᵀh, ∂L/∂W1 = ((z W2) ⊙ [pre > 0])ᵀ x, worked out below.
    @Test func twoLayerLinearByHand() throws {
        let net = try Self.tinyNetwork()
        let x = Tensor<Float>(shape: [2, 3], scalars: [1, 0.5, -0.5, 2, -1, 0.25])
        let r = Self.gradients(net, inputs: x) { $0 }
        #expect(r.logits == [2.25, 1.25, 4.625, -3.625])
        #expect(Self.halfSquares(r.logits) == 20.578125)
        #expect(r.weightGradients[0] == [17.5, -7.75, 1.5625, 5.125, 2.5625, -2.5625])
        #expect(r.weightGradients[1] == [21.953125, 2.25, -16.453125, 1.25])
        // central differences in Double: L is quadratic in each single weight (no ReLU switches for a
        // step of 2⁻⁸, exactly representable), so they are exact up to rounding
        let h: Float = 1.0 / 256
        for (k, (_, p)) in net.prunable.enumerated() {
            for i in 0..<p.value.count {
                let saved = p.value
                p.value[flat: i] = saved[flat: i] + h
                let up = Self.halfSquares(Self.gradients(net, inputs: x) { $0 }.logits)
                p.value[flat: i] = saved[flat: i] - h
                let down = Self.halfSquares(Self.gradients(net, inputs: x) { $0 }.logits)
                p.value = saved
                let numeric = (up - down) / (2 * Double(h))
                #expect(abs(numeric - r.weightGradients[k][i]) <= 1e-8 * max(1, abs(numeric)), "weight \(k)[\(i)]")
            }
        }
    }

    /// Every layer type, with parameters on a grid of 2⁻¹⁰ so that perturbations of 2⁻¹⁸ are exact.
    static func mixedNetwork() throws -> Network<Float> {
        let body = Sequential<Float>([
            Conv2d<Float>(inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1),
            BatchNorm2d<Float>(channels: 4), ReLU<Float>(), MaxPool2d<Float>(kernelSize: 2),
            Residual<Float>.basicBlock(inChannels: 4, outChannels: 6, stride: 1),
            Residual<Float>.basicBlock(inChannels: 6, outChannels: 6, stride: 1),
            Conv2d<Float>(inChannels: 6, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, bias: false),
            AvgPool2d<Float>(kernelSize: 2), GlobalAvgPool<Float>(), Flatten<Float>(), Linear<Float>(inFeatures: 6, outFeatures: 3),
        ])
        let net = try Network(architecture: "mixed", inputShape: [2, 8, 8], classes: 3, body: body)
        var g = Philox(seed: 21)
        func grid(_ v: Double) -> Float { Float((v * 1024).rounded() / 1024) }
        for (_, p) in net.namedParameters {
            let (center, spread): (Double, Double) = switch p.role {
            case .weight: (0, 0.6)
            case .normScale: (1, 0.3)
            case .bias, .normShift: (0, 0.2)
            }
            p.value = Tensor<Float>(shape: p.shape, scalars: (0..<p.value.count).map { _ in grid(center + spread * g.normal()) })
        }
        // running statistics for eval mode (variances ≥ 0.5)
        for (name, b) in net.namedBuffers {
            b.value = Tensor<Float>(shape: b.value.shape, scalars: (0..<b.value.count).map { _ in
                grid(name.hasSuffix("running_var") ? 0.5 + abs(g.normal()) : 0.3 * g.normal())
            })
        }
        return net
    }

    static func input(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var g = Philox(seed: seed)
        return Tensor<Float>(shape: shape, scalars: (0..<TensorShape.count(of: shape)).map { _ in Float(g.normal()) })
    }

    @Test(arguments: [ForwardMode.train, .eval])
    func everyLayerTypeAgainstFiniteDifferences(mode: ForwardMode) throws {
        let net = try Self.mixedNetwork()
        let x = Self.input([3, 2, 8, 8], seed: 5)
        var weights = Philox(seed: 9)
        let r = (0..<(3 * 3)).map { _ in weights.normal() }
        // L = Σ r ⊙ z + ½ Σ z²: smooth, with ∂L/∂z = r + z
        func loss(_ z: [Double]) -> Double { zip(r, z).reduce(0) { $0 + $1.0 * $1.1 + $1.1 * $1.1 / 2 } }
        let analytic = Self.gradients(net, inputs: x, mode: mode) { z in zip(r, z).map { $0 + $1 } }
        let h: Float = 1.0 / 262_144   // small enough that no ReLU or max-pool switches
        var g = Philox(seed: 3)
        for (k, (name, p)) in net.prunable.enumerated() {
            var num = 0.0, den = 0.0
            for _ in 0..<12 {
                let i = g.below(p.value.count)
                let saved = p.value
                p.value[flat: i] = saved[flat: i] + h
                let up = loss(Self.gradients(net, inputs: x, mode: mode) { $0 }.logits)
                p.value[flat: i] = saved[flat: i] - h
                let down = loss(Self.gradients(net, inputs: x, mode: mode) { $0 }.logits)
                p.value = saved
                let numeric = (up - down) / (2 * Double(h))
                num += (numeric - analytic.weightGradients[k][i]) * (numeric - analytic.weightGradients[k][i])
                den += numeric * numeric
            }
            let e = (num / max(den, 1e-300)).squareRoot()
            #expect(e <= 1e-6, "\(name) (\(mode)): relative error \(e)")
        }
    }

    /// The same gradients as the float32 layers (L = ½Σz²), to float32's accuracy.
    @Test(arguments: [("lenet5", [1, 28, 28], 1.0), ("vgg11", [3, 32, 32], 0.125), ("resnet20", [3, 32, 32], 0.5),
                      ("lenet300", [1, 28, 28], 1.0)])
    func agreesWithTheFloat32Pass(model: String, input: [Int], width: Double) throws {
        let net = try ModelZoo.build(ModelSpec(name: model, input: input, classes: 10, width: width, seed: 4))
        let x = Self.input([6] + input, seed: 8)
        let double = Self.gradients(net, inputs: x) { $0 }
        let work = net.copy()
        work.zeroGradients()
        let z = work.forward(x, mode: .train)
        work.backward(z)
        var le = 0.0
        for (a, b) in zip(z.scalars, double.logits) { le = max(le, abs(Double(a) - b) / max(1, abs(b))) }
        #expect(le <= 1e-4, "\(model) logits")
        for (k, (name, p)) in work.prunable.enumerated() {
            var num = 0.0, den = 0.0
            for (a, b) in zip(p.grad.scalars, double.weightGradients[k]) { num += (Double(a) - b) * (Double(a) - b); den += b * b }
            let e = den == 0 ? num.squareRoot() : (num / den).squareRoot()
            #expect(e <= 1e-4, "\(model) \(name): relative error \(e)")
        }
    }

    @Test func leavesTheNetworkUnchanged() throws {
        let net = try Self.mixedNetwork()
        let before = net.state
        for (_, p) in net.namedParameters { p.grad = Tensor<Float>(repeating: 7, shape: p.shape) }
        _ = Self.gradients(net, inputs: Self.input([2, 2, 8, 8], seed: 1)) { $0 }
        #expect(net.state.map(\.value) == before.map(\.value))
        #expect(net.namedParameters.allSatisfy { $0.parameter.grad == Tensor<Float>(repeating: 7, shape: $0.parameter.shape) })
    }

    /// A weight whose mask bit is 0 counts as zero, as after `applyMasks`.
    @Test func maskedWeightsCountAsZero() throws {
        let masked = try Self.mixedNetwork()
        let zeroed = masked.copy()
        var g = Philox(seed: 2)
        for ((_, p), (_, q)) in zip(masked.prunable, zeroed.prunable) {
            let bits = (0..<p.value.count).map { _ in Float(g.below(3) == 0 ? 0 : 1) }
            p.mask = Tensor<Float>(shape: p.shape, scalars: bits)
            q.mask = p.mask
            q.applyMask()
        }
        let x = Self.input([2, 2, 8, 8], seed: 3)
        let a = Self.gradients(masked, inputs: x) { $0 }
        let b = Self.gradients(zeroed, inputs: x) { $0 }
        #expect(a.logits == b.logits && a.weightGradients == b.weightGradients)
        #expect(masked.prunable.contains { $0.parameter.value != zeroed.parameter(named: $0.name)?.value })
    }

    /// A layer a user writes once, generic over the scalar, runs in both precisions.
    final class Doubler<Scalar: TensorScalar>: Layer {
        func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> { x * 2 }
        func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> { dy * 2 }
        func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> { rx * 2 }
        func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> { rdy * 2 }
        func outputShape(for input: [Int]) throws(ShapeError) -> [Int] { input }
        func clone() -> any Layer<Scalar> { Doubler() }
        func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> { Doubler<Other>() }
        var description: String { "doubler()" }
    }

    @Test func aNewLayerRunsInDoubleWithoutMoreCode() throws {
        let net = try Network(architecture: "custom", inputShape: [3], classes: 2,
                              body: Sequential<Float>([Linear<Float>(inFeatures: 3, outFeatures: 2), Doubler()]))
        let fc = try #require(net.parameter(named: "0.weight"))
        fc.value = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 0.25])
        let x = Tensor<Float>(shape: [1, 3], scalars: [1, 1, 4])
        // z = 2 (W x + b), b = 0: [30, 1]; ∂(½Σz²)/∂W = 2 z xᵀ
        let r = Self.gradients(net, inputs: x) { $0 }
        #expect(r.logits == [30, 1])
        #expect(r.weightGradients[0] == [60, 60, 240, 2, 2, 8])
    }
}
