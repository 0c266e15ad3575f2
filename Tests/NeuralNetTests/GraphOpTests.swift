import Foundation
import NeuralNet
import Tensor
import Testing

/// Every graph op in Double against central finite differences: the input gradients of
/// `backward`, the parameter gradients, the R-operator's forward (a directional derivative of the
/// output along input and parameter tangents) and its backward (the directional derivative of the
/// gradient), on small random shapes away from kinks.
@Suite struct GraphOpTests {
    typealias T = Tensor<Double>

    /// Deterministic values in [−1, 1], away from 0 by at least `gap` (no ReLU-style kinks).
    static func values(_ shape: [Int], seed: UInt64, gap: Double = 0) -> T {
        var g = Philox(seed: seed)
        return T(shape: shape, scalars: (0..<TensorShape.count(of: shape)).map { _ in
            let u = g.uniformDouble() * 2 - 1
            return u < 0 ? u - gap : u + gap
        })
    }

    static func dot(_ a: T, _ b: T) -> Double { zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Checks `op` at `inputs` (indices in `constant` get no gradient) for loss L = Σ c·y.
    static func check(_ op: any GraphOp<Double>, _ inputs: [T], constant: Set<Int> = [], tolerance: Double = 1e-7,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let params = op.layer?.parameters.map(\.parameter) ?? []
        for p in params { p.zeroGradient() }
        let y = op.forward(inputs, mode: .train)
        let cs = y.enumerated().map { values($0.element.shape, seed: 100 + UInt64($0.offset)) }
        let needs = inputs.indices.map { !constant.contains($0) }
        let grads = op.backward(cs, needs: needs)
        let paramGrads = params.map(\.grad)
        func loss(_ xs: [T]) -> Double {
            zip(op.forward(xs, mode: .train), cs).reduce(0) { $0 + dot($1.0, $1.1) }
        }
        let h = 1e-6
        // input gradients
        for (k, x) in inputs.enumerated() where !constant.contains(k) {
            guard let g = grads[k] else { Issue.record("no gradient for input \(k)", sourceLocation: sourceLocation); continue }
            for i in 0..<x.count {
                var up = inputs, down = inputs
                up[k][flat: i] += h
                down[k][flat: i] -= h
                let numeric = (loss(up) - loss(down)) / (2 * h)
                #expect(abs(numeric - g[flat: i]) <= tolerance * max(1, abs(numeric)),
                        "\(op.opType) input \(k)[\(i)]: \(g[flat: i]) vs \(numeric)", sourceLocation: sourceLocation)
            }
        }
        // parameter gradients
        for (j, p) in params.enumerated() {
            for i in 0..<p.value.count {
                let saved = p.value
                p.value[flat: i] = saved[flat: i] + h
                let up = loss(inputs)
                p.value[flat: i] = saved[flat: i] - h
                let down = loss(inputs)
                p.value = saved
                let numeric = (up - down) / (2 * h)
                #expect(abs(numeric - paramGrads[j][flat: i]) <= tolerance * max(1, abs(numeric)),
                        "\(op.opType) parameter \(j)[\(i)]", sourceLocation: sourceLocation)
            }
        }
        // R-operator: tangents of the computed inputs and of every parameter
        let rs = inputs.enumerated().map { constant.contains($0.offset) ? nil : values($0.element.shape, seed: 200 + UInt64($0.offset)) }
        let vs = params.enumerated().map { values($0.element.shape, seed: 300 + UInt64($0.offset)) }
        func shifted(_ e: Double) -> [T] {
            inputs.enumerated().map { k, x in
                guard let r = rs[k] else { return x }
                var s = x
                s.add(r, scaledBy: e)
                return s
            }
        }
        func withParams(_ e: Double, _ body: () -> Void) {
            let saved = params.map(\.value)
            for (p, v) in zip(params, vs) { p.value.add(v, scaledBy: e) }
            body()
            for (p, s) in zip(params, saved) { p.value = s }
        }
        var yUp: [T] = [], yDown: [T] = []
        var gUp: [[T?]] = [], gDown: [[T?]] = []
        var pgUp: [T] = [], pgDown: [T] = []
        withParams(h) {
            for p in params { p.zeroGradient() }
            yUp = op.forward(shifted(h), mode: .train)
            gUp = [op.backward(cs, needs: needs)]
            pgUp = params.map(\.grad)
        }
        withParams(-h) {
            for p in params { p.zeroGradient() }
            yDown = op.forward(shifted(-h), mode: .train)
            gDown = [op.backward(cs, needs: needs)]
            pgDown = params.map(\.grad)
        }
        for (p, v) in zip(params, vs) { p.tangent = v; p.tangentGrad = nil; p.zeroGradient() }
        _ = op.forward(inputs, mode: .train)
        let ry = op.forwardR(rs)
        for (k, r) in ry.enumerated() {
            for i in 0..<r.count {
                let numeric = (yUp[k][flat: i] - yDown[k][flat: i]) / (2 * h)
                #expect(abs(numeric - r[flat: i]) <= tolerance * max(1, abs(numeric)),
                        "\(op.opType) R{y}\(k)[\(i)]: \(r[flat: i]) vs \(numeric)", sourceLocation: sourceLocation)
            }
        }
        _ = op.backward(cs, needs: needs)
        // R{dy} = 0 here: R{dx} is the derivative of the gradient along the tangents
        let rdx = op.backwardR(cs.map { T(zeros: $0.shape) }, needs: needs)
        for k in inputs.indices where !constant.contains(k) {
            guard let r = rdx[k], let a = gUp[0][k], let b = gDown[0][k] else { continue }
            for i in 0..<r.count {
                let numeric = (a[flat: i] - b[flat: i]) / (2 * h)
                #expect(abs(numeric - r[flat: i]) <= tolerance * max(1, abs(numeric)),
                        "\(op.opType) R{dx}\(k)[\(i)]: \(r[flat: i]) vs \(numeric)", sourceLocation: sourceLocation)
            }
        }
        for (j, p) in params.enumerated() {
            let r = p.tangentGrad ?? T(zeros: p.shape)
            for i in 0..<r.count {
                let numeric = (pgUp[j][flat: i] - pgDown[j][flat: i]) / (2 * h)
                #expect(abs(numeric - r[flat: i]) <= tolerance * max(1, abs(numeric)),
                        "\(op.opType) R{dθ}\(j)[\(i)]: \(r[flat: i]) vs \(numeric)", sourceLocation: sourceLocation)
            }
            p.tangent = nil
        }
    }

    @Test func elementwiseWithBroadcasting() {
        // residual (same shapes), gate [N, C, 1, 1], constant [C, 1, 1], scalar constant
        for kind in ElementwiseKind.allCases {
            let a = Self.values([2, 3, 2, 2], seed: 1), b = Self.values([2, 3, 2, 2], seed: 2, gap: 0.5)
            Self.check(ElementwiseOp<Double>(kind), [a, b])
            Self.check(ElementwiseOp<Double>(kind), [a, Self.values([2, 3, 1, 1], seed: 3, gap: 0.5)])
            Self.check(ElementwiseOp<Double>(kind), [a, Self.values([3, 1, 1], seed: 4, gap: 0.5)], constant: [1])
            Self.check(ElementwiseOp<Double>(kind), [Self.values([], seed: 5, gap: 0.5), b], constant: [0])
        }
    }

    @Test func pointwiseFunctions() {
        // values away from the kinks at ±3 (hard swish / sigmoid) and at the clip bounds
        let x = Self.values([2, 3, 2, 2], seed: 6, gap: 0.05).map { $0 * 2.5 }
        for f in [Pointwise.sigmoid, .hardSigmoid(alpha: 1.0 / 6, beta: 0.5), .hardSwish, .clip(lo: 0, hi: 0.6), .tanh] {
            Self.check(PointwiseOp<Double>(f), [x])
        }
    }

    @Test func pointwiseMatchesPyTorchAtKinks() {
        // ReLU6 passes the gradient strictly inside; hardswish's gradient is x/3 + 1/2 at x = 3
        let x = T(shape: [1, 4], scalars: [0, 6, -3, 3])
        let relu6 = PointwiseOp<Double>(.clip(lo: 0, hi: 6))
        _ = relu6.forward([x], mode: .train)
        #expect(relu6.backward([T(repeating: 1, shape: [1, 4])], needs: [true])[0]?.scalars == [0, 0, 0, 1])
        let hs = PointwiseOp<Double>(.hardSwish)
        #expect(hs.forward([x], mode: .train)[0].scalars == [0, 6, -0.0, 3])
        #expect(hs.backward([T(repeating: 1, shape: [1, 4])], needs: [true])[0]?.scalars == [0.5, 1, -0.5, 1.5])
    }

    @Test func movementOps() {
        let x = Self.values([2, 4, 3, 2], seed: 7)
        Self.check(IndexOp<Double>(.transpose(perm: [1, 0, 2])), [x])
        Self.check(IndexOp<Double>(.concat(axis: 0)), [x, Self.values([2, 2, 3, 2], seed: 8)])
        Self.check(IndexOp<Double>(.split(axis: 0, sizes: [1, 3])), [x])
        Self.check(IndexOp<Double>(.slice(starts: [1, 0, 1], ends: [4, 3, 2], steps: [2, 1, 1])), [x])
        Self.check(IndexOp<Double>(.pad(before: [0, 0, 1], after: [0, 1, 1])), [x])
        Self.check(ReshapeOp<Double>(sampleShape: [2, 2, 3, 2]), [x])
        Self.check(ReduceMeanOp<Double>(axes: [1, 2], keepDims: true), [x])
        Self.check(ReduceMeanOp<Double>(axes: [0], keepDims: false), [x])
    }

    @Test func channelShuffleMovesChannelsAsPyTorch() {
        // x.view(n, 2, 3, h, w).transpose(1, 2).view(n, 6, h, w): channel order 0 3 1 4 2 5
        let x = T(shape: [1, 6, 1, 1], scalars: [0, 1, 2, 3, 4, 5])
        let view = ReshapeOp<Double>(sampleShape: [2, 3, 1, 1]).forward([x], mode: .train)[0]
        let t = IndexOp<Double>(.transpose(perm: [1, 0, 2, 3])).forward([view], mode: .train)[0]
        #expect(t.scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func pooling() {
        let x = Self.values([2, 2, 5, 5], seed: 9)
        for ceil in [false, true] {
            Self.check(LayerOp(Pool2d<Double>(kind: .max, kernel: (3, 3), stride: (2, 2), pads: (1, 1, 1, 1), ceilMode: ceil), opType: "MaxPool"), [x])
            for include in [false, true] {
                Self.check(LayerOp(Pool2d<Double>(kind: .average, kernel: (3, 2), stride: (2, 2), pads: (1, 0, 1, 1), ceilMode: ceil,
                                                  countIncludePad: include), opType: "AveragePool"), [x])
            }
        }
    }

    @Test func poolingShapesAndDivisorsAsPyTorch() throws {
        // F.avg_pool2d(ones(1,1,5,5), 3, 2, 1, ceil_mode=True, count_include_pad=True): [[4/9, 6/9, 4/9], ...]
        // (the padding counts, the window clipped to the padded image)
        let ones = T(repeating: 1, shape: [1, 1, 5, 5])
        let p = Pool2d<Double>(kind: .average, kernel: (3, 3), stride: (2, 2), pads: (1, 1, 1, 1), ceilMode: true, countIncludePad: true)
        #expect(try p.outputShape(for: [1, 5, 5]) == [1, 3, 3])
        let y = p.forward(ones, mode: .train).scalars
        #expect(abs(y[0] - 4.0 / 9) < 1e-15 && abs(y[1] - 6.0 / 9) < 1e-15 && abs(y[2] - 4.0 / 9) < 1e-15)
        // ceil mode drops a window that would start in the right padding: 5 → 3 with k 2, s 2, p 1
        // (not 4), while 6 → 4 keeps its last window (PyTorch's shapes)
        let q = Pool2d<Double>(kind: .max, kernel: (2, 2), stride: (2, 2), pads: (1, 1, 1, 1), ceilMode: true)
        #expect(try q.outputShape(for: [1, 5, 5]) == [1, 3, 3])
        #expect(try q.outputShape(for: [1, 6, 6]) == [1, 4, 4])
        let r = Pool2d<Double>(kind: .max, kernel: (3, 3), stride: (2, 2), pads: (0, 0, 0, 0), ceilMode: true)
        #expect(try r.outputShape(for: [1, 6, 6]) == [1, 3, 3])
    }

    @Test func generalConvolution() {
        let x = Self.values([2, 4, 5, 6], seed: 10)
        func conv(_ o: Int, _ cg: Int, _ kh: Int, _ kw: Int, groups: Int, bias: Bool, stride: (Int, Int), dilation: (Int, Int),
                  pads: (Int, Int, Int, Int)) -> LayerOp<Double> {
            let w = Parameter(Self.values([o, cg, kh, kw], seed: 11), role: .weight)
            let b = bias ? Parameter(Self.values([o], seed: 12), role: .bias) : nil
            return LayerOp(Convolution<Double>(weight: w, bias: b, stride: stride, dilation: dilation, pads: pads, groups: groups), opType: "Conv")
        }
        Self.check(conv(4, 1, 3, 3, groups: 4, bias: false, stride: (1, 1), dilation: (1, 1), pads: (1, 1, 1, 1)), [x])   // depthwise
        Self.check(conv(6, 2, 3, 2, groups: 2, bias: true, stride: (2, 1), dilation: (1, 1), pads: (0, 1, 1, 0)), [x])    // grouped, asymmetric
        Self.check(conv(3, 4, 3, 3, groups: 1, bias: true, stride: (1, 2), dilation: (2, 2), pads: (2, 2, 2, 2)), [x])    // dilated
    }

    @Test func convolutionAgreesWithConv2d() {
        // the general layer and the zoo's fast one compute the same numbers where both apply
        let x = Self.values([3, 3, 7, 7], seed: 13)
        let c2 = Conv2d<Double>(inChannels: 3, outChannels: 5, kernelSize: 3, stride: 2, padding: 1)
        c2.weight.value = Self.values([5, 3, 3, 3], seed: 14)
        c2.bias?.value = Self.values([5], seed: 15)
        let general = Convolution<Double>(weight: Parameter(c2.weight.value, role: .weight), bias: Parameter(c2.bias!.value, role: .bias),
                                          stride: (2, 2), pads: (1, 1, 1, 1))
        let a = c2.forward(x, mode: .train), b = general.forward(x, mode: .train)
        #expect(a.relativeError(to: b) < 1e-14)
        let dy = Self.values(a.shape, seed: 16)
        #expect(c2.backward(dy).relativeError(to: general.backward(dy)) < 1e-14)
        #expect(c2.weight.grad.relativeError(to: general.weight.grad) < 1e-14)
    }

    @Test func matMulLayer() {
        let w = Parameter(Self.values([4, 3], seed: 17), role: .weight)
        let b = Parameter(Self.values([3], seed: 18), role: .bias)
        Self.check(LayerOp(MatMul<Double>(weight: w, bias: b), opType: "MatMul"), [Self.values([2, 5, 4], seed: 19)])
    }

    /// A diamond: y = relu(x)·sigmoid(x) + x, the input read three times; the graph sums the gradients.
    @Test func graphSumsGradientsWhereValuesFanOut() throws {
        let nodes: [Graph<Double>.Node] = [
            .init(name: "relu", op: LayerOp(ReLU<Double>(), opType: "Relu"), inputs: [0], outputs: [1]),
            .init(name: "gate", op: PointwiseOp<Double>(.sigmoid), inputs: [0], outputs: [2]),
            .init(name: "mul", op: ElementwiseOp<Double>(.mul), inputs: [1, 2], outputs: [3]),
            .init(name: "add", op: ElementwiseOp<Double>(.add), inputs: [3, 0], outputs: [4]),
            .init(name: "flat", op: ReshapeOp<Double>(sampleShape: [8]), inputs: [4], outputs: [5]),
        ]
        let g = try Graph<Double>(valueNames: ["x", "r", "s", "m", "a", "y"], input: 0, output: 5, constants: [:],
                                  nodes: nodes, childNames: [:])
        #expect(try g.outputShape(for: [2, 2, 2]) == [8])
        let x = Self.values([3, 2, 2, 2], seed: 20, gap: 0.05)
        let y = g.forward(x, mode: .train)
        let dy = Self.values(y.shape, seed: 21)
        let dx = g.backward(dy)
        for i in 0..<x.count {
            let v = x[flat: i], s = 1 / (1 + exp(-v))
            let expected = (v > 0 ? s + v * s * (1 - s) : 0) + 1
            #expect(abs(dx[flat: i] - dy[flat: i] * expected) < 1e-12)
        }
    }

    @Test func graphRejectsValuesReadBeforeTheyAreComputed() {
        let nodes: [Graph<Double>.Node] = [.init(name: "add", op: ElementwiseOp<Double>(.add), inputs: [0, 2], outputs: [1])]
        #expect(throws: ShapeError.self) {
            try Graph<Double>(valueNames: ["x", "y", "z"], input: 0, output: 1, constants: [:], nodes: nodes, childNames: [:])
        }
    }
}
