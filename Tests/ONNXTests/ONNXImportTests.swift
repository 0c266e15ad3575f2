import Foundation
import JSON
import NeuralNet
import ONNX
import Pruning
import Tensor
import TestSupport
import Testing
import Training

/// Networks exported by PyTorch come in through ONNX and compute what PyTorch computes: logits,
/// every gradient and SNIP scores in float64 to 1e-6, FORCE masks in float64 (the same kept count,
/// agreement ≥ 0.99), the same empty layers in the reports; then go back out to a file that
/// onnxruntime runs with our outputs and whose weights load into the PyTorch model by name.
@Suite(.serialized) struct ONNXImportTests {
    init() throws {
        if let why = ONNXCases.unavailable, ONNXCases.required { throw FixtureError("ONNX cases cannot be made: \(why)") }
    }

    /// Off only where the cases cannot be made and nothing requires them (then `init` would throw).
    static var enabled: Bool { ONNXCases.unavailable == nil || ONNXCases.required }

    @Test(.enabled(if: enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"), arguments: ONNXCases.all)
    func logitsGradientsAndSnipScoresMatchPyTorchInDouble(name: String) throws {
        let c = try ONNXCases.Case(name)
        let net = c.network.converted(to: Double.self)
        #expect(Set(net.prunable.map(\.name)) == Set(c.prunable), "\(name): prunable weights")
        let b = try c.batch(0)
        net.zeroGradients()
        let z = net.forward(b.inputs.converted(to: Double.self), mode: .train)
        let (loss, dz) = Loss.crossEntropy.evaluate(logits: z, labels: b.labels)
        net.backward(dz)
        let logits = try c.double("logits")
        #expect(ONNXCases.relativeError(z.scalars, logits.scalars) <= 1e-6, "\(name) logits")
        let ref = try c.double("loss")[flat: 0]
        #expect(abs(loss - ref) <= 1e-6 * abs(ref), "\(name) loss \(loss) vs \(ref)")
        // A bias followed by BatchNorm in training mode (directly, or through a linear bottleneck)
        // has a gradient that is zero in exact arithmetic; both sides hold rounding noise of the
        // size of 1e-16 of the other gradients. Those are compared to a floor of 1e-9 of the largest.
        let norms = try net.namedParameters.map { try c.double("grad.\($0.name)").norm() }
        let floor = 1e-9 * (norms.max() ?? 0)
        for ((pname, p), norm) in zip(net.namedParameters, norms) {
            let g = try c.double("grad.\(pname)")
            let e = ONNXCases.relativeError(p.grad.scalars, g.scalars)
            let absolute = norm == 0 ? e : e * norm
            #expect(e <= 1e-6 || absolute <= floor, "\(name) grad.\(pname): relative error \(e) (norm \(norm))")
        }
        #expect(net.namedParameters.count == c.file.names.filter { $0.hasPrefix("grad.") }.count, "\(name): every parameter")
        for (pname, p) in net.prunable {
            let snip = zip(p.value.scalars, p.grad.scalars).map { abs($0 * $1) }
            let e = ONNXCases.relativeError(snip, try c.double("score.snip.\(pname)").scalars)
            #expect(e <= 1e-6, "\(name) score.snip.\(pname): relative error \(e)")
        }
        // and the engine's own SNIP in Double
        let scores = Saliency.snip(net, data: try c.data)
        guard case .double(let tensors) = scores.values else { Issue.record("\(name): SNIP in Double gave single precision"); return }
        for (k, pname) in scores.names.enumerated() {
            let e = ONNXCases.relativeError(tensors[k].scalars, try c.double("score.snip.\(pname)").scalars)
            #expect(e <= 1e-6, "\(name) Saliency.snip \(pname): relative error \(e)")
        }
        // the float32 engine beside PyTorch's float32 network
        let z32 = c.network.copy().forward(b.inputs, mode: .train)
        #expect(z32.relativeError(to: try c.file.tensor("logits32")) <= 1e-4, "\(name) float32 logits")
    }

    /// Files of the newer exporter (`dynamo=True`): the inference graph (BatchNorm folded into the
    /// convolutions), weights in an external-data file beside the model. They compute what
    /// onnxruntime computes from the same file, in float32 and in Double.
    @Test(.enabled(if: enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"), arguments: ONNXCases.dynamo)
    func filesOfTheNewerExporterImport(name: String) throws {
        let c = try ONNXCases.Case(name)
        let model = try ONNXModel.load(path: "\(ONNXCases.folder.path)/\(name)_dynamo.onnx")
        #expect(model.opset >= 18, "\(name): opset \(model.opset)")
        #expect(Set(model.network.prunable.map(\.name)) == Set(c.prunable), "\(name): prunable weights by state_dict name")
        let x = try c.file.tensor("input.0")
        let reference = try c.file.tensor("dynamo.logits32")
        let z32 = model.network.forward(x, mode: .eval)
        #expect(z32.relativeError(to: reference) <= 1e-4, "\(name) float32")
        let z64 = model.network.converted(to: Double.self).forward(x.converted(to: Double.self), mode: .eval)
        #expect(z64.converted(to: Float.self).relativeError(to: reference) <= 1e-4, "\(name) Double")
        let snip = try Pruner.scores(model.network, method: .snip, data: try c.data, options: PruningOptions(precision: .double))
        #expect(snip.flat.allSatisfy(\.isFinite) && snip.flat.contains { $0 > 0 }, "\(name): SNIP")
        // written back elsewhere, it stands on its own (the external constants inlined)
        let folder = temporaryFolder("pb-onnx-dynamo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try model.write(model.network, to: "\(folder)/copy.onnx")
        let copy = try ONNXModel.load(path: "\(folder)/copy.onnx")
        #expect(copy.network.forward(x, mode: .eval) == z32, "\(name): the copy computes the same")
    }

    /// GraSP's Hessian-vector products go through every op's R-operator; SynFlow runs on |θ| with
    /// BatchNorm in eval mode. Both in Double against PyTorch's float64.
    @Test(.enabled(if: enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"), arguments: ONNXCases.all)
    func graspAndSynflowScoresMatchPyTorchInDouble(name: String) throws {
        let c = try ONNXCases.Case(name)
        for (method, key) in [(PruningMethod.grasp, "score.grasp"), (.synflow, "score.synflow")] {
            let scores = try Pruner.scores(c.network, method: method, data: try c.data, options: PruningOptions(precision: .double))
            guard case .double(let tensors) = scores.values else { Issue.record("\(name) \(method): not in Double"); continue }
            // PyTorch cannot differentiate hardsigmoid's backward: no reference, ours must still be finite
            if method == .grasp, let why = c.meta["grasp"]?.stringValue {
                #expect(tensors.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "\(name): GraSP (no PyTorch reference: \(why))")
                continue
            }
            let reference = try scores.names.map { try c.double("\(key).\($0)").scalars }
            // per tensor, relative to the largest tensor's scale (a layer cut off from the output
            // by ReLU-dead channels has scores that are rounding noise on both sides)
            let scale = reference.map { ONNXCases.relativeError($0, $0.map { _ in 0 }) }.max() ?? 0
            for (k, pname) in scores.names.enumerated() {
                let e = ONNXCases.relativeError(tensors[k].scalars, reference[k])
                let norm = ONNXCases.relativeError(reference[k], reference[k].map { _ in 0 })
                #expect(e <= 1e-6 || e * norm <= 1e-9 * scale, "\(name) \(key).\(pname): relative error \(e) (norm \(norm) of \(scale))")
            }
        }
    }

    @Test(.enabled(if: enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"), arguments: ONNXCases.all)
    func forceMasksMatchPyTorchAndReportEmptyLayers(name: String) throws {
        let c = try ONNXCases.Case(name)
        let ref = try c.mask("mask.force")
        let ours = try Pruner.prune(c.network, method: .force, data: try c.data, amount: .density(c.density),
                                    options: PruningOptions(steps: c.steps, loss: .crossEntropy, precision: .double)).mask
        #expect(ours.kept == ref.kept, "\(name): kept \(ours.kept) vs \(ref.kept)")
        if c.forceNoiseKept == 0 {
            let a = try ours.agreement(with: ref)
            #expect(a >= 0.99, "\(name): FORCE mask agreement \(a)")
        } else {
            // Past collapse (mobilenet_v2 at 1%: 14,000 of 22,025 kept weights), the reference keeps
            // weights whose last scores are rounding noise, chosen by the order of floating-point
            // operations; every weight with a real score must still be chosen as PyTorch chose it.
            let signal = try c.mask("signal.force")
            var (same, total) = (0, 0)
            for ((o, r), s) in zip(zip(ours.entries, ref.entries), signal.entries) {
                for i in s.bits.indices where s.bits[i] == 1 {
                    total += 1
                    if o.bits[i] == r.bits[i] { same += 1 }
                }
            }
            let a = Double(same) / Double(max(1, total))
            #expect(a >= 0.99, "\(name): FORCE mask agreement on the \(total) weights with real scores \(a)")
        }
        // the reports name the layers PyTorch's mask empties, and what that cuts off
        let report = try MaskReport(mask: ref, network: c.network)
        #expect(Set(report.collapsedLayers) == Set(c.emptyLayers), "\(name): empty layers")
        let mine = try MaskReport(mask: ours, network: c.network)
        #expect(Set(mine.collapsedLayers) == Set(c.emptyLayers), "\(name): our mask's empty layers")
        if !report.collapsedLayers.isEmpty { #expect(!report.warnings.isEmpty, "\(name): collapse warnings") }
        // through the branches (residual sums, concatenations, gates): the classes a path of kept
        // weights still reaches, as PyTorch's network computes them (make_onnx_cases.py)
        if let reachable = c.meta["reachable_classes"]?.arrayValue?.compactMap(\.intValue) {
            #expect((0..<report.outputs).filter { !report.unreachableOutputs.contains($0) } == reachable,
                    "\(name): reachable classes \(report.unreachableOutputs) cut off, PyTorch reaches \(reachable)")
            #expect(report.disconnected == reachable.isEmpty, "\(name): disconnected")
        }
    }

    @Test(.enabled(if: enabled, "no ONNX cases: \(ONNXCases.unavailable ?? "")"), arguments: ONNXCases.all)
    func exportedFilesRunInOnnxruntimeAndLoadIntoPyTorch(name: String) throws {
        let c = try ONNXCases.Case(name)
        let mask = try c.mask("mask.force")
        let folder = temporaryFolder("pb-onnx")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bits: [String: [UInt8]] = [:]
        for e in mask.entries { bits[e.name] = e.bits }
        try c.model.write(c.network, masks: bits, to: "\(folder)/out.onnx")
        // our float32 output of the masked network, BN in training mode as exported
        let masked = c.network.copy()
        for (n, p) in masked.prunable {
            guard let m = bits[n] else { continue }
            p.value.withUnsafeMutableBufferPointer { v in for i in v.indices where m[i] == 0 { v[i] = 0 } }
        }
        let x = try c.file.tensor("input.0")
        let z = masked.forward(x, mode: .train)
        try SafetensorsWriter.write([.f32("input", x), .f32("logits", z)], to: "\(folder)/inputs.safetensors")
        let python = try #require(ONNXCases.python)
        let r = try NbValidator.run(python, ["\(ONNXCases.peersFolder)/check_export.py", name, "\(folder)/out.onnx",
                                             "\(folder)/inputs.safetensors", "\(folder)/out.json"])
        #expect(r.status == 0, "\(name): \(r.output)")
        let out = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/out.json"))))
        #expect(out["missing"]?.arrayValue?.isEmpty == true, "\(name): missing \(out["missing"].map { "\($0)" } ?? "")")
        #expect(out["unexpected"]?.arrayValue?.isEmpty == true, "\(name): unexpected \(out["unexpected"].map { "\($0)" } ?? "")")
        #expect((out["ort_vs_prunebook"]?.doubleValue ?? 1) <= 1e-4, "\(name): onnxruntime vs Prunebook \(out["ort_vs_prunebook"].map { "\($0)" } ?? "")")
        #expect((out["torch_vs_ort"]?.doubleValue ?? 1) <= 1e-4, "\(name): PyTorch vs onnxruntime")
        #expect((out["zeros"]?.intValue ?? 0) >= mask.total - mask.kept, "\(name): pruned weights written as zeros")
        // and the file reads back into the same network
        let back = try ONNXModel.load(path: "\(folder)/out.onnx")
        #expect(back.network.state.map(\.name) == c.network.state.map(\.name))
        for ((n, a), (_, b)) in zip(back.network.state, masked.state) where !n.hasSuffix("running_mean") && !n.hasSuffix("running_var") {
            #expect(a == b, "\(name): \(n) read back")
        }
    }
}
