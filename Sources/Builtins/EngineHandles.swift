import Datasets
import Foundation
import NeuralNet
import ONNX
import Plot
import PruneScript
import Pruning
import Tensor
import Training

/// A network in a script: a reference, so `load_weights` changes it in place.
package final class ModelHandle: ScriptHandle {
    package let network: Network<Float>
    /// The zoo name it was built from (`lenet5`, `resnet20`…), or the ONNX file's name.
    package let name: String
    /// The ONNX file it was read from (its copies keep it), which `save_model` writes back out.
    package let source: ONNXModel?

    package init(_ network: Network<Float>, name: String, source: ONNXModel? = nil) {
        self.network = network
        self.name = name
        self.source = source
    }

    package var typeName: String { "model" }
    package var displayText: String {
        "<model \(name) \(network.inputShape.map(String.init).joined(separator: "×")) → \(network.classes): "
            + "\(grouped(network.parameterCount)) parameters, \(grouped(network.prunableCount)) prunable>"
    }
    /// The summary fields, then every parameter and buffer by its state_dict name (`net["fc1.weight"]`).
    package var fieldNames: [String] { ["name", "params", "prunable", "input", "classes"] + network.state.map(\.name) }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "name": return .string(self.name)
        case "params": return .number(Double(network.parameterCount))
        case "prunable": return .number(Double(network.prunableCount))
        case "input": return .list(ListStorage(network.inputShape.map { .number(Double($0)) }))
        case "classes": return .number(Double(network.classes))
        default:
            // a copy: changing it changes nothing until it is written back with set_weight or net[...] = t
            return network.state.first { $0.name == name }.map { .handle(TensorHandle($0.value, name: $0.name)) }
        }
    }

    /// `net["fc1.weight"] = t`: a tensor (or a list of numbers, or one number for every element) of
    /// the same shape; a masked weight keeps its pruned entries zero.
    package func setField(_ name: String, to value: Value) throws {
        let target: (shape: [Int], set: (Tensor<Float>) -> Void)
        if let p = network.parameter(named: name) {
            target = (p.shape, { p.value = $0; p.applyMask() })
        } else if let b = network.namedBuffers.first(where: { $0.name == name })?.buffer {
            target = (b.value.shape, { b.value = $0 })
        } else if fieldNames.prefix(5).contains(name) {
            throw ScriptError(.type, "'\(name)' of a model cannot be set")
        } else {
            throw ScriptError(.key, "\(self.name) has no parameter or buffer '\(name)'",
                              hint: Suggest.hint(for: name, in: network.state.map(\.name)))
        }
        let count = TensorShape.count(of: target.shape)
        let shapeText = TensorHandle.shapeText(target.shape)
        switch value {
        case .handle(let t as TensorHandle):
            guard t.tensor.shape == target.shape || (t.tensor.count == count && t.tensor.rank == 1) else {
                throw ScriptError(.value, "\(name) is \(shapeText), the tensor is \(TensorHandle.shapeText(t.tensor.shape))")
            }
            target.set(t.tensor.reshaped(target.shape))
        case .number(let x):
            target.set(Tensor(repeating: Float(x), shape: target.shape))
        case .list(let l):
            guard l.items.count == count else {
                throw ScriptError(.value, "\(name) is \(shapeText) (\(count) values), the list has \(l.items.count)")
            }
            target.set(Tensor(shape: target.shape, scalars: try l.items.map { v in
                guard case .number(let x) = v else { throw ScriptError(.type, "\(name): expected numbers, got \(v.typeName)") }
                return Float(x)
            }))
        default:
            throw ScriptError(.type, "\(name): expected a tensor, a list of numbers or a number, got \(value.typeName)")
        }
    }
}

/// A data set in a script: training and test images with their normalization, or a fixed list of
/// batches (`load_batches`) that pruning uses in order.
package final class DataHandle: ScriptHandle {
    package let name: String
    package let train: ImageSet?
    package let test: ImageSet?
    package let normalization: Normalization
    package let batches: [Batch]?
    /// Batch size of the shuffled batches pruning methods draw.
    package let batchSize: Int

    init(name: String, train: ImageSet?, test: ImageSet?, normalization: Normalization, batchSize: Int) {
        self.name = name
        self.train = train
        self.test = test
        self.normalization = normalization
        self.batches = nil
        self.batchSize = batchSize
    }

    init(name: String, batches: [Batch]) {
        self.name = name
        self.train = nil
        self.test = nil
        self.normalization = .digits
        self.batches = batches
        self.batchSize = batches.first?.count ?? 0
    }

    /// Where pruning takes its minibatches: the list in order, or seeded shuffled batches of the training set.
    func pruningSource(seed: UInt64) -> BatchSource? {
        if let batches { return .list(batches) }
        guard let train else { return nil }
        return .loader(DataLoader(images: train, normalization: normalization, batchSize: batchSize, seed: seed))
    }

    var inputShape: [Int]? {
        if let b = batches?.first { return Array(b.inputs.shape.dropFirst()) }
        return (train ?? test).map(\.shape)
    }

    package var typeName: String { "dataset" }
    package var displayText: String {
        if let batches { return "<dataset \(name): \(batches.count) fixed batches of \(batchSize)>" }
        let shape = (inputShape ?? []).map(String.init).joined(separator: "×")
        return "<dataset \(name) \(shape): \(train.map { grouped($0.count) } ?? "no") train, \(test.map { grouped($0.count) } ?? "no") test images>"
    }
    package var fieldNames: [String] { ["name", "train", "test", "shape", "classes", "batch"] }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "name": return .string(self.name)
        case "train": return .number(Double(train?.count ?? batches?.reduce(0) { $0 + $1.count } ?? 0))
        case "test": return .number(Double(test?.count ?? 0))
        case "shape": return .list(ListStorage((inputShape ?? []).map { .number(Double($0)) }))
        case "classes": return .number(Double((train ?? test)?.classes ?? 0))
        case "batch": return .number(Double(batchSize))
        default: return nil
        }
    }
}

/// A pruning mask with how it was made.
package final class MaskHandle: ScriptHandle {
    package let mask: Mask
    /// The network it was made for (reports need its shapes and connectivity).
    package let network: Network<Float>
    package let method: String
    package let steps: [PruningStep]
    /// Ctrl-C stopped the method: this is the mask of its last completed step, not the target.
    package let interrupted: Bool
    /// The loss the method's scores were gradients of (nil when it has none, or is not known).
    package let loss: Loss?

    package init(_ mask: Mask, network: Network<Float>, method: String, steps: [PruningStep] = [], interrupted: Bool = false,
                 loss: Loss? = nil) {
        self.mask = mask
        self.network = network
        self.method = method
        self.steps = steps
        self.interrupted = interrupted
        self.loss = loss
    }

    package var architecture: String { network.architecture }

    /// Outputs (classes) left without a path from the input, and how many outputs there are.
    var unreachableOutputs: (cut: [Int], outputs: Int) {
        let reach = Connectivity.reachability(network, mask: mask)
        return (reach.indices.filter { !reach[$0] }, reach.count)
    }

    /// ", classes 3, 4 cut off" when some outputs have no path from the input (class collapse).
    var cutOff: String {
        let (cut, outputs) = unreachableOutputs
        guard !cut.isEmpty else { return "" }
        if cut.count == outputs { return ", every output cut off from the input" }
        return ", class\(cut.count == 1 ? "" : "es") \(cut.map(String.init).joined(separator: ", ")) cut off"
    }

    package var typeName: String { "mask" }
    package var displayText: String {
        "<mask \(method)\(loss.map { " (loss \($0.rawValue))" } ?? "") on \(architecture): \(percent(mask.sparsity)) sparse, \(grouped(mask.kept)) of \(grouped(mask.total)) weights kept"
            + (interrupted ? ", interrupted after step \(steps.count)" : "") + cutOff + ">"
    }
    package var fieldNames: [String] { ["method", "loss", "sparsity", "density", "kept", "total", "layers", "steps", "interrupted", "unreachable"] }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "method": return .string(method)
        case "loss": return loss.map { .string($0.rawValue) } ?? .null
        case "interrupted": return .bool(interrupted)
        case "unreachable":
            // outputs (classes) left without a path from the input
            return .list(ListStorage(unreachableOutputs.cut.map { .number(Double($0)) }))
        case "sparsity": return .number(mask.sparsity)
        case "density": return .number(mask.density)
        case "kept": return .number(Double(mask.kept))
        case "total": return .number(Double(mask.total))
        case "layers":
            return .table(TableStorage(rows: mask.entries.map { e in
                RecordStorage([("layer", .string(e.name)), ("params", .number(Double(e.count))), ("kept", .number(Double(e.kept))),
                               ("density", .number(Double(e.kept) / Double(max(1, e.count))))])
            }))
        case "steps": return .table(stepsTable(steps, names: mask.names))
        default: return nil
        }
    }
}

extension MaskHandle {
    /// Mask algebra: `a & b` (kept by both), `a | b` (by either), `a - b` (by a, not b), `~a`.
    package func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        guard case .handle(let h as MaskHandle) = other else { return nil }
        let (a, b) = selfIsLeft ? (self, h) : (h, self)
        let combine: (UInt8, UInt8) -> UInt8
        switch op {
        case .intersect: combine = { $0 & $1 }
        case .union: combine = { $0 | $1 }
        case .subtract: combine = { $0 & (1 - $1) }
        default: return nil
        }
        guard a.mask.names == b.mask.names, zip(a.mask.entries, b.mask.entries).allSatisfy({ $0.shape == $1.shape }) else {
            throw ScriptError(.value, "'\(op.rawValue)' needs masks of the same network: \(a.architecture) and \(b.architecture) differ")
        }
        let entries = zip(a.mask.entries, b.mask.entries).map { x, y in
            Mask.Entry(name: x.name, shape: x.shape, bits: zip(x.bits, y.bits).map(combine))
        }
        return .handle(MaskHandle(Mask(entries: entries), network: a.network, method: "\(a.method) \(op.rawValue) \(b.method)"))
    }

    package func apply(_ op: UnaryOp) throws -> Value? {
        guard op == .complement else { return nil }
        let entries = mask.entries.map { Mask.Entry(name: $0.name, shape: $0.shape, bits: $0.bits.map { 1 - $0 }) }
        return .handle(MaskHandle(Mask(entries: entries), network: network, method: "~\(method)"))
    }
}

extension ScoresHandle {
    /// Score arithmetic, elementwise in Double: `a + b`, `a * b`, `2 * a`, `a / a.total`, `a ** 2`,
    /// `-a`: a criterion written in the language (rank it with `prune(net, scores: …)`).
    package func apply(_ op: BinaryOp, _ other: Value, selfIsLeft: Bool) throws -> Value? {
        guard let f = TensorHandle.arithmetic(op) else { return nil }
        let mine = scores.names.indices.map { scores.doubles(entry: $0) }
        let theirs: [[Double]]
        let otherName: String
        switch other {
        case .number(let x):
            theirs = mine.map { Array(repeating: x, count: $0.count) }
            otherName = formatSignificant(x)
        case .handle(let h as ScoresHandle):
            guard h.scores.names == scores.names, h.scores.shapes == scores.shapes else {
                throw ScriptError(.value, "'\(op.rawValue)' needs scores of the same network's weights")
            }
            theirs = h.scores.names.indices.map { h.scores.doubles(entry: $0) }
            otherName = h.method
        default:
            return nil
        }
        let results = zip(scores.shapes, zip(mine, theirs)).map { shape, pair in
            Tensor<Double>(shape: shape, scalars: zip(pair.0, pair.1).map { selfIsLeft ? f($0, $1) : f($1, $0) })
        }
        let name = selfIsLeft ? "\(method) \(op.rawValue) \(otherName)" : "\(otherName) \(op.rawValue) \(method)"
        return .handle(ScoresHandle(ScoreSet(names: scores.names, scores: results), method: name))
    }

    package func apply(_ op: UnaryOp) throws -> Value? {
        guard op == .negate else { return nil }
        return .handle(ScoresHandle(scores.negated(), method: "-\(method)"))
    }

    /// `abs(s)`, `log(s)`, `sqrt(s)`… elementwise in Double.
    package func map(_ function: String, _ f: (Double) -> Double) throws -> Value? {
        let results = zip(scores.shapes, scores.names.indices).map { shape, i in
            Tensor<Double>(shape: shape, scalars: scores.doubles(entry: i).map(f))
        }
        return .handle(ScoresHandle(ScoreSet(names: scores.names, scores: results), method: "\(function)(\(method))"))
    }
}

/// Per-step statistics of an iterative method as a table (one density column per layer).
func stepsTable(_ steps: [PruningStep], names: [String]) -> TableStorage {
    TableStorage(rows: steps.map { s in
        var fields: [(String, Value)] = [("step", .number(Double(s.step))), ("density", .number(s.density)),
                                         ("kept", .number(Double(s.kept))), ("resurrected", .number(Double(s.resurrected))),
                                         ("saliency", .number(s.keptSaliency))]
        for (n, d) in zip(names, s.layerDensity) { fields.append((n, .number(d))) }
        return RecordStorage(fields)
    })
}

/// Saliency scores, one per prunable weight.
package final class ScoresHandle: ScriptHandle {
    package let scores: ScoreSet
    package let method: String

    package init(_ scores: ScoreSet, method: String) {
        self.scores = scores
        self.method = method
    }

    package var typeName: String { "scores" }
    package var displayText: String { "<scores \(method): \(grouped(scores.total)) weights in \(scores.names.count) tensors>" }
    package var fieldNames: [String] { ["method", "names", "total"] + scores.names }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "method": return .string(method)
        case "names": return .list(ListStorage(scores.names.map { .string($0) }))
        case "total": return .number(Double(scores.total))
        default:
            guard let t = scores.scores(name) else { return nil }
            return .handle(TensorHandle(t, name: name))
        }
    }

    /// Every score, as Doubles.
    var values: [Double] { scores.flat.map(Double.init) }
}

/// A figure: shown when made, saved with `save(fig, "x.svg")`.
package final class FigureHandle: ScriptHandle {
    package let figure: Figure
    /// The file name `plot(file:)` gave, relative to the figures folder.
    package let file: String?
    package let svg: String
    /// Data the figure left out (non-finite values, non-positive values on a log scale).
    package let warnings: [String]

    init(_ figure: Figure, file: String?) {
        self.figure = figure
        self.file = file
        let rendered = figure.render(idPrefix: file.map { FigureHandle.idPrefix(for: $0) } ?? "fig")
        svg = rendered.svg
        warnings = rendered.warnings
    }

    package var typeName: String { "figure" }
    package var displayText: String {
        "<figure \(Int(figure.width.rounded()))×\(Int(figure.height.rounded())) pt\(file.map { ": " + $0 } ?? "")>"
    }
    package var fieldNames: [String] { ["svg", "file", "width", "height"] }
    package func field(_ name: String) throws -> Value? {
        switch name {
        case "svg": return .string(svg)
        case "file": return file.map { .string($0) } ?? .null
        case "width": return .number(figure.width)
        case "height": return .number(figure.height)
        default: return nil
        }
    }

    /// SVG ids must be unique on a page: derive them from the file name.
    static func idPrefix(for file: String) -> String {
        let base = (file as NSString).lastPathComponent.replacingOccurrences(of: ".svg", with: "")
        let cleaned = base.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let s = String(cleaned)
        return s.first?.isLetter == true ? s : "f" + s
    }
}

/// 12345 → "12,345".
func grouped(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// 0.995 → "99.50%".
func percent(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }
