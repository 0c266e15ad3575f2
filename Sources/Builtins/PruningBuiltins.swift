import Datasets
import Foundation
import NeuralNet
import PruneScript
import Pruning
import Support
import Tensor
import Training

/// Pruning at initialization: scores, masks, the method shortcuts, reports, overlap.
extension BuiltinRegistry {
    static var amountParams: [Param] { [
        Param("sparsity", .number, default: .null, range: ParamRange(0..<1), unit: "fraction of weights removed (99.5% = 0.995)"),
        Param("density", .number, default: .null, range: ParamRange(lower: 0, upper: 1, lowerInclusive: false), unit: "fraction of weights kept"),
        Param("keep", .number, default: .null, range: ParamRange(lower: 0, upper: 1, lowerInclusive: false), unit: "fraction of weights kept (same as density)"),
        Param("compression", .number, default: .null, range: .atLeast(0), unit: "10^x times fewer weights"),
    ] }

    static func methodParams(defaultSteps: String) -> [Param] {
        [
            Param("steps", .integer, default: .null, defaultText: defaultSteps, range: .atLeast(1), doc: "iterations T of force, iter_snip, grasp_it, synflow"),
            Param("batches_per_step", .integer, default: .number(1), range: .atLeast(1), doc: "batches averaged per step; step t uses batches (t−1)·b ..< t·b"),
            Param("schedule", DensitySchedule.self, default: .exponential, doc: "density schedule over the steps"),
            Param("scope", PruningScope.self, default: .global),
            Param("loss", PruningLoss.self, default: .auto,
                  doc: "auto: the loss of the method's reference code (target_logit = −mean logit of the true class for force, iter_snip and grasp_it, as naver/force; ce for snip, as Lee et al.)"),
            Param("ties", TieRule.self, default: .exact, doc: "exact: keep exactly k (previous mask, then lower index); all: every score ≥ the k-th"),
            Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0), doc: "order of the pruning batches, and the random method's draw"),
            Param("precision", ScorePrecision.self, default: .auto,
                  doc: "float32 or float64 gradient scores (float64 decides near-ties float32 cannot, at 2–4× the cost); auto: double for force and iter_snip on networks with BatchNorm, single otherwise"),
            Param("layers", .list, default: .null, defaultText: "every prunable tensor",
                  doc: "prune only these tensors (names or patterns: [\"conv*\", \"fc1.weight\"]; \"fc1\" means fc1.weight); the amount counts their weights"),
            Param("ignore", .list, default: .null, defaultText: "[]", doc: "prunable tensors kept dense (names or patterns)"),
        ]
    }

    /// Methods whose scores have no gradient to compute in another precision.
    static let precisionFree: Set<PruningMethod> = [.random, .magnitude, .grasp]

    /// The options a call gave; builtins that do not take an option get its default.
    static func pruningOptions(_ args: Arguments) throws -> PruningOptions {
        func option<Choice: RawRepresentable>(_ name: String, _ fallback: Choice) throws -> Choice where Choice.RawValue == String {
            args.has(name) ? try args.choice(name, as: Choice.self) : fallback
        }
        return PruningOptions(steps: args.has("steps") ? try args.int("steps") : nil,
                              batchesPerStep: args.has("batches_per_step") ? try args.int("batches_per_step") : 1,
                              schedule: try option("schedule", DensitySchedule.exponential),
                              scope: try option("scope", PruningScope.global),
                              loss: try option("loss", PruningLoss.auto),
                              ties: try option("ties", TieRule.exact),
                              seed: args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed,
                              precision: try option("precision", ScorePrecision.auto))
    }

    /// The prunable tensors `layers:` and `ignore:` leave to prune (nil: all of them).
    static func tensorSelection(_ args: Arguments, network: Network<Float>) throws -> Set<String>? {
        let names = network.prunable.map(\.name)
        func patterns(_ option: String) throws -> [String] {
            try args.list(option).items.map { v in
                guard case .string(let s) = v else {
                    throw args.error(.type, "\(option) must list tensor names or patterns (strings), got \(v.typeName)", argument: option)
                }
                return s
            }
        }
        func matching(_ option: String) throws -> Set<String> {
            var out = Set<String>()
            for p in try patterns(option) {
                let hits = names.filter { TensorPattern.matches(p, $0) }
                guard !hits.isEmpty else {
                    throw args.error(.value, "\(option): '\(p)' matches no prunable tensor of \(network.architecture) (prunable: \(names.joined(separator: ", ")))",
                                     argument: option, hint: Suggest.hint(for: p, in: names))
                }
                out.formUnion(hits)
            }
            return out
        }
        guard args.has("layers") || args.has("ignore") else { return nil }
        var selected = args.has("layers") ? try matching("layers") : Set(names)
        if args.has("ignore") { selected.subtract(try matching("ignore")) }
        guard !selected.isEmpty else {
            throw args.error(.value, "layers: and ignore: leave no tensor to prune", argument: args.has("ignore") ? "ignore" : "layers")
        }
        return selected.count == names.count ? nil : selected
    }

    /// One of sparsity / density (keep) / compression; aliases are echoed back resolved.
    static func amount(_ args: Arguments) throws -> PruningAmount {
        let given = ["sparsity", "density", "keep", "compression"].filter { args.has($0) }
        guard given.count == 1, let unit = given.first else {
            throw args.error(.argument, given.isEmpty ? "say how much to prune: sparsity: (fraction removed), density: (fraction kept) or compression: (10^x)"
                             : "give one of sparsity:, density:, keep:, compression:, not \(given.joined(separator: " and "))")
        }
        let x = try args.number(unit)
        let amount: PruningAmount
        switch unit {
        case "sparsity": amount = .sparsity(x)
        case "compression": amount = .compression(x)
        default: amount = .density(x)
        }
        if unit != "sparsity" {
            let d = try amount.density()
            args.context.print("\(unit) \(x) = sparsity \(percent(1 - d)) (density \(d))")
        }
        return amount
    }

    static func method(_ args: Arguments) throws -> PruningMethod {
        let name = try args.string("method")
        guard let m = PruningMethod(parsing: name) else {
            let names = PruningMethod.allCases.map(\.rawValue)
            throw args.error(.value, "unknown pruning method '\(name)'; methods: \(names.joined(separator: ", "))", argument: "method",
                             hint: Suggest.hint(for: name, in: names))
        }
        return m
    }

    /// The pruning batches of the data argument (nil when absent), checked against the network.
    static func source(_ args: Arguments, net: Network<Float>, method: PruningMethod, seed: UInt64) throws -> BatchSource? {
        guard args.has("data") else {
            if method.needsData { throw args.error(.argument, "\(method.rawValue) needs data: \(method.rawValue)(net, data, ...)") }
            return nil
        }
        let data = try args.handle("data", as: DataHandle.self)
        try checkFits(net, data, args)
        guard let s = data.pruningSource(seed: seed) else {
            throw args.error(.value, "\(data.name) has no training images to prune with", argument: "data")
        }
        return s
    }

    static func runPrune(_ args: Arguments, method: PruningMethod, settings: EngineSettings) throws -> Value {
        let model = try args.handle("net", as: ModelHandle.self)
        var options = try pruningOptions(args)
        options.tensors = try tensorSelection(args, network: model.network)
        let data = try source(args, net: model.network, method: method, seed: options.seed)
        let amount = try amount(args)
        let steps = options.steps ?? method.defaultSteps
        let started = Date()
        var completedSteps: [PruningStep] = []
        var lastPlainLine = 0.0
        var lastMask: Mask?
        let result: PruningResult
        do {
            result = try Pruner.prune(model.network, method: method, data: data, amount: amount, options: options,
                                      cancel: args.context.cancellation) { step, mask in
                completedSteps.append(step)
                lastMask = mask
                let elapsed = Date().timeIntervalSince(started)
                let line = "\(method.rawValue) step \(step.step)/\(steps)  density \(String(format: "%.4f", step.density))"
                    + "  kept \(step.kept)  ETA \(String(format: "%.1f", elapsed / Double(step.step) * Double(steps - step.step))) s"
                switch settings.progress {
                case .off: break
                case .terminal: settings.progressSink("\r\u{1B}[2K" + line + (step.step == steps ? "\n" : ""))
                case .plainLines, .live:
                    if elapsed - lastPlainLine >= settings.progress.lineInterval ?? 0 {
                        lastPlainLine = elapsed
                        settings.progressSink(line + "\n")
                    }
                }
            }
        } catch let interruption as Interruption {
            if settings.progress == .terminal, lastMask != nil { settings.progressSink("\n") }   // end the step line first
            guard let lastMask else { throw interruption }
            // Ctrl-C between steps: the mask of the last completed step stays reachable
            let partial = MaskHandle(lastMask, network: model.network, method: method.rawValue, steps: completedSteps,
                                     interrupted: true, loss: method.usesLoss ? options.loss.resolved(for: method) : nil)
            return args.context.interrupted(interruption.message, partial: .handle(partial))
        }
        let handle = MaskHandle(result.mask, network: model.network, method: method.rawValue, steps: result.steps, loss: result.loss)
        args.context.note("\(method.rawValue)\(result.loss.map { " (loss \($0.rawValue))" } ?? ""): \(formatPercent(result.mask.sparsity) ?? "") sparse, \(grouped(result.mask.kept)) of "
                          + "\(grouped(result.mask.total)) weights kept" + (result.steps.isEmpty ? "" : " after \(result.steps.count) steps"))
        let report = try MaskReport(mask: result.mask, network: model.network)
        for w in report.warnings { args.context.warn("\(method.rawValue) at \(percent(result.mask.sparsity)) sparsity: " + w.replacingOccurrences(of: "WARNING: ", with: "")) }
        return .handle(handle)
    }

    /// `prune(net, scores: s, sparsity: …)`: the top k of any score set, with the methods' tie rules
    /// and scope, so a criterion written in the language prunes exactly as a built-in one does.
    static func pruneByScores(_ args: Arguments) throws -> Value {
        let model = try args.handle("net", as: ModelHandle.self)
        let scores = try args.handle("scores", as: ScoresHandle.self)
        guard scores.scores.names == model.network.prunable.map(\.name),
              zip(scores.scores.entries, model.network.prunable).allSatisfy({ $0.scores.shape == $1.parameter.shape }) else {
            throw args.error(.value, "these scores are not of \(model.network.architecture)'s prunable weights", argument: "scores")
        }
        let density = try amount(args).density()
        let options = try pruningOptions(args)
        let tensors = try tensorSelection(args, network: model.network)
        let k = DensitySchedule.keptCount(total: Selection.rankedCount(scores.scores.maskTemplate(), among: tensors), density: density)
        let mask = Selection.keepTop(scores.scores, k: k, ties: options.ties, scope: options.scope, among: tensors)
        let handle = MaskHandle(mask, network: model.network, method: scores.method)
        args.context.note("\(scores.method): \(formatPercent(mask.sparsity) ?? "") sparse, \(grouped(mask.kept)) of \(grouped(mask.total)) weights kept")
        return .handle(handle)
    }

    mutating func registerPruning(settings: EngineSettings) {
        let methodNames = PruningMethod.allCases.map(\.rawValue)
        register("prune", positional: [Param("net", .handle("model")),
                                        Param("method", .string, default: .null, defaultText: "none with scores:", choices: methodNames),
                                        Param("data", .handle("dataset"), default: .null, defaultText: "none (synflow, magnitude, random need none)")],
                 named: [Param("scores", .handle("scores"), default: .null, defaultText: "none",
                               doc: "rank these scores (your own criterion, e.g. abs(a) * b) instead of a method's")]
                    + Self.amountParams + Self.methodParams(defaultSteps: "force, iter_snip, grasp_it 60; synflow 100"),
                 doc: "Prune net at initialization (net is unchanged) with a method, or by ranking scores:; returns a mask. k = floor(N·(1 − sparsity)) weights kept.",
                 reference: "methods and their papers: help(\"force\"), help(\"snip\"), …") { args in
            if args.has("scores") {
                guard !args.has("method") else {
                    throw args.error(.argument, "give a method or scores:, not both", argument: "scores")
                }
                return try Self.pruneByScores(args)
            }
            guard args.has("method") else {
                throw args.error(.argument, "prune needs a method (\"snip\", \"force\", …) or scores: to rank",
                                 hint: "prune(net, \"force\", data, sparsity: 99%) or prune(net, scores: s, sparsity: 99%)")
            }
            return try Self.runPrune(args, method: try Self.method(args), settings: settings)
        }
        let defaults: [PruningMethod: String] = [.force: "60", .iterSnip: "60", .graspIt: "60", .synflow: "100"]
        for method in PruningMethod.allCases {
            let data = method.needsData ? Param("data", .handle("dataset")) : Param("data", .handle("dataset"), default: .null, defaultText: "none")
            let named = method.isIterative
                ? Self.amountParams + Self.methodParams(defaultSteps: defaults[method] ?? "1")
                : Self.amountParams + Self.methodParams(defaultSteps: "1").filter {
                    !["steps", "schedule"].contains($0.name) && !(Self.precisionFree.contains(method) && $0.name == "precision")
                }
            register(method.rawValue, positional: [Param("net", .handle("model")), data], named: named,
                     doc: "Prune with \(method.rawValue): " + Self.summary(method),
                     reference: method.reference + "\n  Reference code: " + method.referenceCode) { args in
                try Self.runPrune(args, method: method, settings: settings)
            }
        }

        register("scores", positional: [Param("net", .handle("model")), Param("method", .string, choices: PruningMethod.allCases.filter { $0 != .iterSnip && $0 != .force && $0 != .graspIt }.map(\.rawValue)),
                                         Param("data", .handle("dataset"), default: .null, defaultText: "none (synflow, magnitude, random need none)")],
                 named: Self.methodParams(defaultSteps: "1").filter { ["batches_per_step", "loss", "seed", "precision"].contains($0.name) },
                 doc: "Connection sensitivities per prunable weight (GraSP: −w⊙Hg, keep the lowest).") { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let method = try Self.method(args)
            let options = try Self.pruningOptions(args)
            let data = try Self.source(args, net: model.network, method: method, seed: options.seed)
            return .handle(ScoresHandle(try Pruner.scores(model.network, method: method, data: data, options: options), method: method.rawValue))
        }

        register("report", positional: [Param("mask", .handle("mask"))],
                 doc: "Print the per-layer table (shape, params, kept, sparsity), remaining multiply-accumulates and layer collapse.") { args in
            let m = try args.handle("mask", as: MaskHandle.self)
            let report = try MaskReport(mask: m.mask, network: m.network)
            args.context.print(m.displayText + "\n" + report.text.split(separator: "\n").filter { !$0.hasPrefix("WARNING") }.joined(separator: "\n"))
            for w in report.warnings { args.context.warn(w.replacingOccurrences(of: "WARNING: ", with: "")) }
            return .null
        }

        register("shuffle", positional: [Param("mask", .handle("mask"))],
                 named: [Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0))],
                 doc: "A random mask with the same kept count in every layer (the random control of the lottery-ticket papers).",
                 reference: Self.lotteryReference) { args in
            let m = try args.handle("mask", as: MaskHandle.self)
            var rng = Philox(seed: args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed, stream: 7)
            var out = m.mask
            for i in out.entries.indices {
                var bits = out.entries[i].bits
                // Fisher–Yates from the back
                for j in stride(from: bits.count - 1, to: 0, by: -1) { bits.swapAt(j, rng.below(j + 1)) }
                out.entries[i].bits = bits
            }
            return .handle(MaskHandle(out, network: m.network, method: "shuffled \(m.method)"))
        }

        register("overlap", positional: [Param("a", .handle("mask")), Param("b", .handle("mask"))],
                 named: [Param("per_layer", .bool, default: .bool(false), doc: "a table with one row per prunable tensor instead of one number")],
                 doc: "Intersection over union of two masks' kept weights (1 = identical); per_layer: a table of layer, kept_a, kept_b, both, iou.") { args in
            let a = try args.handle("a", as: MaskHandle.self), b = try args.handle("b", as: MaskHandle.self)
            let iou = try a.mask.overlap(b.mask)
            guard try args.bool("per_layer") else { return .number(iou) }
            return .table(TableStorage(rows: zip(a.mask.entries, b.mask.entries).map { x, y in
                let both = zip(x.bits, y.bits).reduce(0) { $0 + Int($1.0 & $1.1) }
                let either = zip(x.bits, y.bits).reduce(0) { $0 + Int($1.0 | $1.1) }
                return RecordStorage([("layer", .string(x.name)), ("kept_a", .number(Double(x.kept))), ("kept_b", .number(Double(y.kept))),
                                      ("both", .number(Double(both))), ("iou", .number(either == 0 ? 1 : Double(both) / Double(either)))])
            }))
        }

        register("normalize", positional: [Param("scores", .handle("scores"))],
                 named: [Param("by", NormalizeStatistic.self, default: .sum, doc: "what each group of scores is divided by"),
                         Param("per", NormalizeGroup.self, default: .layer, doc: "layer: each tensor by its own statistic; all: every score by one")],
                 doc: "Scores divided by their sum, mean, max or L2 norm, per layer or over all: a criterion that ranks layers on an equal footing (normalize(s) * 1 is each layer's share).") { args in
            let s = try args.handle("scores", as: ScoresHandle.self)
            let by = try args.choice("by", as: NormalizeStatistic.self)
            let groups: [[Int]] = try args.choice("per", as: NormalizeGroup.self) == .layer
                ? s.scores.names.indices.map { [$0] } : [Array(s.scores.names.indices)]
            var values = s.scores.names.indices.map { s.scores.doubles(entry: $0) }
            for g in groups {
                let all = g.flatMap { values[$0] }
                let d = by.statistic(of: all)
                guard d != 0, d.isFinite else {
                    let what = groups.count == 1 ? "the scores" : s.scores.names[g[0]]
                    throw args.error(.value, "cannot normalize \(what): its \(by.rawValue) is \(formatSignificant(d))", argument: "scores")
                }
                for i in g { values[i] = values[i].map { $0 / d } }
            }
            let out = ScoreSet(names: s.scores.names, scores: zip(s.scores.shapes, values).map { Tensor<Double>(shape: $0, scalars: $1) })
            return .handle(ScoresHandle(out, method: "normalize(\(s.method))"))
        }
    }

    static func summary(_ m: PruningMethod) -> String {
        switch m {
        case .random: return "a uniformly random mask."
        case .magnitude: return "keep the largest |w| at initialization."
        case .snip: return "keep the largest |w ⊙ ∂L/∂w| on the first batches (one shot)."
        case .grasp: return "keep the lowest −w ⊙ Hg (gradient flow preservation, exact Hessian-vector product)."
        case .synflow: return "data free; iterated |w ⊙ ∂R/∂w| of the all-positive network on an all-ones input."
        case .iterSnip: return "SNIP iterated on an exponential schedule; pruned weights never return."
        case .graspIt: return "GRASP-It (the FORCE code's third method): Iterative SNIP's loop scoring the squared gradient ḡ²."
        case .force: return "FORCE: iterated connection sensitivity of the pruned network; pruned weights can return."
        }
    }
}
