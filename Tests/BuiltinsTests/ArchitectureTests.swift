import Builtins
import NeuralNet
import PruneScript
import Pruning
import Tensor
import Testing

/// #21: architectures written in the language, the user's tensors, layer selection, normalization
/// and per-layer overlap, checked against the zoo and against answers computed by hand.
@Suite struct ArchitectureTests {
    static func interpreter() -> Interpreter { Interpreter(builtins: .prunebook(settings: EngineSettings())) }

    static func network(_ i: Interpreter, _ expr: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Network<Float> {
        let r = i.run(expr, cell: 90)
        #expect(r.error == nil, "\(expr): \(r.error?.message ?? "")", sourceLocation: sourceLocation)
        guard case .handle(let h as ModelHandle)? = r.value else { throw ScriptError(.type, "\(expr) is not a model") }
        return h.network
    }

    static let lenet5 = """
        network(sequential({
            conv1: conv2d(1, 6, 5, padding: 2), relu1: relu(), pool1: maxpool2d(2),
            conv2: conv2d(6, 16, 5), relu2: relu(), pool2: maxpool2d(2), flatten: flatten(),
            fc1: linear(400, 120), relu3: relu(), fc2: linear(120, 84), relu4: relu(), fc3: linear(84, 10)
        }), input: [1, 28, 28], name: "lenet5", seed: 3)
        """

    /// The same layers and seed give the zoo's parameters, names, initial weights and logits, bit for bit.
    static func expectSameAsZoo(_ ours: Network<Float>, _ zoo: Network<Float>, input: [Int],
                                sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(ours.parameterCount == zoo.parameterCount, sourceLocation: sourceLocation)
        #expect(ours.namedParameters.map(\.parameter.shape) == zoo.namedParameters.map(\.parameter.shape), sourceLocation: sourceLocation)
        #expect(ours.state.map(\.value) == zoo.state.map(\.value), "initial weights differ", sourceLocation: sourceLocation)
        var rng = Philox(seed: 5)
        let x = Tensor<Float>(shape: [3] + input, scalars: (0..<(3 * input.reduce(1, *))).map { _ in Float(rng.normal()) })
        #expect(ours.forward(x, mode: .train) == zoo.forward(x, mode: .train), "logits differ", sourceLocation: sourceLocation)
    }

    @Test func lenet5InTheLanguageIsTheZoos() throws {
        let i = Self.interpreter()
        let ours = try Self.network(i, Self.lenet5)
        let zoo = try ModelZoo.build(ModelSpec(name: "lenet5", seed: 3))
        #expect(ours.namedParameters.map(\.name) == zoo.namedParameters.map(\.name))
        Self.expectSameAsZoo(ours, zoo, input: [1, 28, 28])
    }

    @Test func conv6InTheLanguageIsTheZoos() throws {
        let i = Self.interpreter()
        // unnamed: nn.Sequential numbering; the weights depend only on the order of the layers
        let ours = try Self.network(i, """
            convs = []
            c = 3
            for out in [64, 64, "pool", 128, 128, "pool", 256, 256, "pool"] {
                if out == "pool" {
                    convs = convs + [maxpool2d(2)]
                } else {
                    convs = convs + [conv2d(c, out, 3, padding: 1), relu()]
                    c = out
                }
            }
            body = sequential(sequential(convs), flatten(), linear(4096, 256), relu(), linear(256, 256), relu(), linear(256, 10))
            network(body, input: [3, 32, 32], seed: 8)
            """)
        let zoo = try ModelZoo.build(ModelSpec(name: "conv6", seed: 8))
        Self.expectSameAsZoo(ours, zoo, input: [3, 32, 32])
        #expect(ours.prunable.map(\.name).first == "0.0.weight")
    }

    /// A ResNet basic block with a projection shortcut, written in the language, computes what the
    /// zoo's block computes, forward and backward, with the zoo's parameter names.
    @Test func aBasicBlockMatchesTheZoos() throws {
        let i = Self.interpreter()
        let ours = try Self.network(i, """
            block = residual({conv1: conv2d(4, 8, 3, stride: 2, padding: 1, bias: false), bn1: batchnorm2d(8), relu1: relu(),
                              conv2: conv2d(8, 8, 3, padding: 1, bias: false), bn2: batchnorm2d(8)},
                             shortcut: sequential(conv2d(4, 8, 1, stride: 2, bias: false), batchnorm2d(8)), relu: true)
            network(sequential(block, global_avgpool(), linear(8, 3)), input: [4, 6, 6], seed: 2)
            """)
        let zooBody = Sequential<Float>([Residual.basicBlock(inChannels: 4, outChannels: 8, stride: 2), GlobalAvgPool(), Linear(inFeatures: 8, outFeatures: 3)])
        let zoo = try Network(architecture: "block", inputShape: [4, 6, 6], classes: 3, body: zooBody)
        Initialization.kaimingNormal.apply(to: zoo, seed: 2)
        _ = zoo.body.skipInputGradient()
        #expect(ours.namedParameters.map(\.name) == zoo.namedParameters.map(\.name))
        Self.expectSameAsZoo(ours, zoo, input: [4, 6, 6])
        var rng = Philox(seed: 1)
        let dy = Tensor<Float>(shape: [3, 3], scalars: (0..<9).map { _ in Float(rng.normal()) })
        ours.zeroGradients()
        zoo.zeroGradients()
        ours.backward(dy)
        zoo.backward(dy)
        #expect(ours.namedParameters.map(\.parameter.grad) == zoo.namedParameters.map(\.parameter.grad))
    }

    @Test func summaryAndReportWorkOnLanguageNetworks() {
        let i = Self.interpreter()
        let r = i.run("net = " + Self.lenet5 + "\nsummary(net)\nm = magnitude(net, sparsity: 90%)\nreport(m)", cell: 1)
        #expect(r.error == nil, "\(r.error?.message ?? "")")
        let text = r.outputs.map { if case .stdout(let t) = $0 { t } else { "" } }.joined()
        #expect(text.contains("conv1.weight") && text.contains("fc3.weight"))
        #expect(i.run("net", cell: 2).resultText?.hasPrefix("<model lenet5 1×28×28 → 10: 61,706 parameters") == true)
        #expect(i.run("conv2d(1, 6, 5, padding: 2)", cell: 3).resultText == "<layer conv2d(1, 6, 5, padding: 2): 156 parameters>")
    }

    @Test func layerErrorsSayWhatIsWrong() {
        let i = Self.interpreter()
        func error(_ s: String) -> String { i.run(s, cell: 4).error?.message ?? "no error" }
        #expect(error("network(sequential(conv2d(1, 6, 5)), input: [1, 28, 28])").contains("ends in one score per class"))
        #expect(error("network(sequential(flatten(), linear(100, 10)), input: [1, 28, 28])").contains("784 input features"))
        #expect(error("sequential(relu(), 3)").contains("expected layer or record or list, got number"))
        #expect(error("conv2d(100000, 100000, 100)").contains("for its weights alone"))
        #expect(error("residual({shortcut: relu()})").contains("named 'shortcut'"))
    }

    @Test func tensorsByNameReadAndWrite() throws {
        let i = Self.interpreter()
        _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)\nw = net[\"fc3.weight\"]", cell: 1)
        #expect(i.run("w.shape", cell: 2).resultText == "[10, 100]")
        #expect(i.run("(2 * w - w).values == w.values", cell: 3).resultText == "true")
        #expect(i.run("abs(-w).min >= 0", cell: 4).resultText == "true")
        _ = i.run("net[\"fc3.bias\"] = 0.5", cell: 5)
        #expect(i.run("net[\"fc3.bias\"].mean", cell: 6).resultText == "0.5")
        _ = i.run("set_weight(net, \"fc3.weight\", w * 0)", cell: 7)
        let net = try Self.network(i, "net")
        #expect(net.parameter(named: "fc3.weight")?.value.maxAbs() == 0)
        #expect(i.run("net[\"fc3.bias\"] = [1, 2]", cell: 8).error?.message.contains("10 values") == true)
        #expect(i.run("set_weight(net, \"fc9.weight\", 1)", cell: 9).error?.kind == .key)
        #expect(i.run("w + net[\"fc1.weight\"]", cell: 10).error?.message.contains("same shape") == true)
    }

    /// `layers:` and `ignore:` keep the other tensors whole and count the amount over the pruned
    /// ones: magnitude over fc1 alone keeps exactly the top 10% of fc1's |w|.
    @Test func layerSelectionByHand() throws {
        let i = Self.interpreter()
        _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)\ndata = digits()", cell: 1)
        func mask(_ expr: String) throws -> Mask {
            let r = i.run(expr, cell: 2)
            guard case .handle(let h as MaskHandle)? = r.value else { throw ScriptError(.type, r.error?.message ?? expr) }
            return h.mask
        }
        let net = try Self.network(i, "net")
        let fc1 = try #require(net.parameter(named: "fc1.weight")).value.scalars.map { Swift.abs($0) }
        let only = try mask("magnitude(net, sparsity: 90%, layers: [\"fc1\"])")
        let density = try PruningAmount.sparsity(0.9).density()
        let k = DensitySchedule.keptCount(total: fc1.count, density: density)
        let threshold = fc1.sorted(by: >)[k - 1]
        let topK = only.entries[0].bits == fc1.map { $0 >= threshold ? 1 : 0 }
        #expect(topK)
        #expect(only.entries[0].kept == k)
        #expect(only.entries.dropFirst().allSatisfy { $0.kept == $0.count })
        // ignore is the complement; patterns match
        #expect(try mask("magnitude(net, sparsity: 90%, ignore: [\"fc2*\", \"fc3.weight\"])") == only)
        // iterative methods and the ranking of given scores honour it too
        let force = try mask("force(net, data, sparsity: 90%, steps: 3, ignore: [\"fc3\"])")
        #expect(force.entries[2].kept == force.entries[2].count)
        #expect(force.entries[0].kept + force.entries[1].kept
                == DensitySchedule.keptCount(total: force.entries[0].count + force.entries[1].count, density: density))
        _ = i.run("s = scores(net, \"magnitude\")", cell: 3)
        #expect(try mask("prune(net, scores: s, sparsity: 90%, layers: [\"fc1.weight\"])") == only)
        #expect(i.run("magnitude(net, sparsity: 90%, layers: [\"conv*\"])", cell: 4).error?.message.contains("matches no prunable tensor") == true)
        #expect(i.run("magnitude(net, sparsity: 90%, layers: [\"fc1\"], ignore: [\"fc1\"])", cell: 5).error?.message.contains("leave no tensor") == true)
    }

    @Test func normalizeAndPerLayerOverlapByHand() throws {
        let i = Self.interpreter()
        _ = i.run("net = lenet300(input: [1, 8, 8], seed: 0)\ns = scores(net, \"magnitude\")\nn = normalize(s)", cell: 1)
        guard case .handle(let s as ScoresHandle)? = i.run("s", cell: 2).value,
              case .handle(let n as ScoresHandle)? = i.run("n", cell: 3).value else { Issue.record("no scores"); return }
        for e in s.scores.names.indices {
            let v = s.scores.doubles(entry: e), sum = v.reduce(0, +)
            #expect(n.scores.doubles(entry: e) == v.map { $0 / sum })
        }
        guard case .handle(let m as ScoresHandle)? = i.run("normalize(s, by: \"max\", per: \"all\")", cell: 4).value else { return }
        let top = s.scores.flatDouble.max() ?? 1
        #expect(m.scores.flatDouble == s.scores.flatDouble.map { $0 / top })
        _ = i.run("a = magnitude(net, sparsity: 90%)\nb = random(net, sparsity: 90%)\nt = overlap(a, b, per_layer: true)", cell: 5)
        guard case .handle(let a as MaskHandle)? = i.run("a", cell: 6).value,
              case .handle(let b as MaskHandle)? = i.run("b", cell: 7).value else { return }
        for (row, (x, y)) in zip(0..., zip(a.mask.entries, b.mask.entries)) {
            let both = zip(x.bits, y.bits).filter { $0 == 1 && $1 == 1 }.count
            let either = zip(x.bits, y.bits).filter { $0 == 1 || $1 == 1 }.count
            #expect(i.run("t[\(row)].both", cell: 8).resultText == "\(both)")
            #expect(i.run("t[\(row)].iou == \(both) / \(either)", cell: 9).resultText == "true")
        }
        #expect(i.run("log(s)", cell: 10).error == nil)
        #expect(i.run("sqrt(a)", cell: 11).error?.message == "argument 'x' of sqrt: expected number, got mask")
    }

    /// Dropout: the identity in evaluation; in training each value is 0 or x/(1 − p), the same
    /// seed draws the same masks, the gradient passes where the value did, and about p are dropped.
    @Test func dropoutIsSeededInvertedDropout() {
        let x = Tensor<Float>(shape: [4, 1000], scalars: (0..<4000).map { Float($0 % 7) + 1 })
        let a = Dropout<Float>(p: 0.25, seed: 9), b = Dropout<Float>(p: 0.25, seed: 9)
        #expect(a.forward(x, mode: .eval) == x)
        let ya = a.forward(x, mode: .train), yb = b.forward(x, mode: .train)
        #expect(ya == yb)
        #expect(a.forward(x, mode: .train) != ya, "each training forward draws a new mask")
        let kept = zip(ya.scalars, x.scalars).filter { y, v in y != 0 }
        #expect(kept.allSatisfy { y, v in y == v * Float(1 / 0.75) })   // as PyTorch: x · (mask / (1 − p))
        #expect(abs(Double(kept.count) / 4000 - 0.75) < 0.03)
        let dy = Tensor<Float>(repeating: 1, shape: x.shape)
        _ = b.forward(x, mode: .train)
        let second = b.forward(x, mode: .train)
        let dx = b.backward(dy)
        #expect(zip(dx.scalars, second.scalars).allSatisfy { d, y in (y == 0) == (d == 0) })
    }
}
