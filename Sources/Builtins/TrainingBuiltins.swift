import Datasets
import Foundation
import NeuralNet
import PruneScript
import Pruning
import Support
import Training

/// Training and evaluation. `train` trains a copy: pruning at initialization prunes and trains
/// many times from the same initial weights.
extension BuiltinRegistry {
    /// The recipe arguments shared by `train`, `imp` and `stability`.
    static var recipeParams: [Param] { [
        Param("epochs", .integer, default: .number(1), range: .atLeast(1)),
        Param("steps", .integer, default: .null, defaultText: "epochs × batches per epoch", range: .atLeast(1), doc: "iterations in all (overrides epochs)"),
        Param("lr", .number, default: .number(0.1), range: .greaterThan(0), unit: "learning rate"),
        Param("momentum", .number, default: .number(0.9), range: ParamRange(0...1)),
        Param("wd", .number, default: .number(5e-4), range: .atLeast(0), unit: "weight decay (L2, on every parameter)"),
        Param("nesterov", .bool, default: .bool(false)),
        Param("batch", .integer, default: .number(128), range: .atLeast(1)),
        Param("schedule", LearningRateScheduleChoice.self, default: .constant),
        Param("milestones", .list, default: .null, defaultText: "[]", doc: "epochs at which step / multistep multiply the rate by gamma"),
        Param("gamma", .number, default: .number(0.1), range: .greaterThan(0)),
        Param("warmup", .integer, default: .number(0), range: .atLeast(0), unit: "iterations of linear warm-up"),
        Param("augment", .bool, default: .bool(false), doc: "random crop (padding 4) and horizontal flip"),
        Param("val", .number, default: .number(0), defaultText: "0 (none)", range: ParamRange(0..<1),
              unit: "fraction of the training images held out (seeded) to validate on; reported as val_accuracy beside the test accuracy"),
        Param("wd_exclude", .list, default: .null, defaultText: "[] (decay on every parameter, as PyTorch)",
              doc: "parameters weight decay skips: \"bias\", \"bn\" (BatchNorm weight and bias), names or patterns like \"fc3.*\""),
        Param("seed", .integer, default: .null, defaultText: "session seed", range: .atLeast(0), doc: "data order and augmentation"),
        Self.kernelsParam,
        Param("diverged", DivergencePolicy.self, default: .error,
              doc: "a loss that stops being finite: error (the script stops there), or stop (training ends at that step, the result says diverged and holds the network as it is: what a sweep wants)"),
    ] }

    /// `kernels:` of `train`, `evaluate` and the recipes.
    static var kernelsParam: Param {
        Param("kernels", KernelChoice.self, default: .auto,
              doc: "products of the masked layers: auto (sparse where the layer's density makes it faster), dense (as PyTorch's masks), sparse")
    }

    static func recipe(_ args: Arguments) throws -> TrainingOptions {
        var milestones: [Int] = []
        if args.has("milestones") {
            milestones = try args.list("milestones").items.map { v in
                guard case .number(let x) = v, let i = exactInt(x), i >= 0 else {
                    throw args.error(.type, "milestones must be whole epochs, got \(args["milestones"].repr)", argument: "milestones")
                }
                return i
            }
        }
        let schedule: LearningRateSchedule
        switch try args.choice("schedule", as: LearningRateScheduleChoice.self) {
        case .cosine: schedule = .cosine
        case .step: schedule = .step(every: milestones.first ?? 30, gamma: try args.number("gamma"))
        case .multistep: schedule = .multiStep(milestones: milestones, gamma: try args.number("gamma"))
        case .constant: schedule = .constant
        }
        return TrainingOptions(epochs: try args.int("epochs"), steps: args.has("steps") ? try args.int("steps") : nil,
                               batchSize: try args.int("batch"), learningRate: try args.number("lr"),
                               momentum: try args.number("momentum"), weightDecay: try args.number("wd"),
                               nesterov: try args.bool("nesterov"), schedule: schedule, warmupSteps: try args.int("warmup"),
                               seed: args.has("seed") ? UInt64(try args.int("seed")) : args.context.seed,
                               augmentation: try args.bool("augment") ? Augmentation() : nil, evaluateEachEpoch: true)
            .with(validation: try args.number("val"), weightDecayExclude: try Self.stringList(args, "wd_exclude"))
            .with(kernels: try args.choice("kernels", as: KernelChoice.self))
            .with(onDivergence: try args.choice("diverged", as: DivergencePolicy.self))
    }

    /// `train: 2 epochs (44 steps), loss 0.218, val accuracy 91.2%, test accuracy 93.3%`: what a
    /// run did and reached, without times (transcripts replay byte for byte).
    static func summary(_ run: TrainingRun) -> String {
        let epochs = run.epochs.count
        var parts = ["train: \(epochs) epoch\(epochs == 1 ? "" : "s") (\(run.steps) step\(run.steps == 1 ? "" : "s"))"]
        if case .diverged(let step, _, let loss, _)? = run.diverged { parts.append("diverged at step \(step) (the loss became \(loss))") }
        if let last = run.epochs.last { parts.append("loss \(formatSignificant(last.loss))") }
        if let v = run.validation { parts.append("val accuracy \(formatPercent(v.accuracy) ?? "")") }
        if let t = run.test { parts.append("test accuracy \(formatPercent(t.accuracy) ?? "")") }
        return parts.joined(separator: ", ")
    }

    /// A list argument of strings (empty when absent).
    static func stringList(_ args: Arguments, _ name: String) throws -> [String] {
        guard args.has(name) else { return [] }
        return try args.list(name).items.map { v in
            guard case .string(let s) = v else {
                throw args.error(.type, "\(name) must list strings, got \(v.typeName) in \(args[name].repr)", argument: name)
            }
            return s
        }
    }

    /// The training images of a data argument, with a clear error for batch lists.
    static func trainingData(_ args: Arguments, _ name: String = "data") throws -> (DataHandle, ImageSet) {
        let data = try args.handle(name, as: DataHandle.self)
        guard let train = data.train else {
            throw args.error(.value, "\(data.name) has no training images (a batch list or a test split cannot train)", argument: name)
        }
        return (data, train)
    }

    static func progress(_ settings: EngineSettings) -> (any TrainingProgress)? {
        switch settings.progress {
        case .off: nil
        case .terminal: ConsoleProgress(interactive: true, write: settings.progressSink)
        case .plainLines, .live: ConsoleProgress(interactive: false, plainInterval: settings.progress.lineInterval, write: settings.progressSink)
        }
    }

    static func checkFits(_ net: Network<Float>, _ data: DataHandle, _ args: Arguments) throws {
        if let shape = data.inputShape, shape != net.inputShape {
            throw args.error(.value, "\(net.architecture) takes inputs \(net.inputShape.map(String.init).joined(separator: "×")), "
                             + "\(data.name) has \(shape.map(String.init).joined(separator: "×"))", argument: "data",
                             hint: "build the model with input: \(shape)")
        }
    }

    mutating func registerTraining(settings: EngineSettings) {
        register("train", positional: [Param("net", .handle("model")), Param("data", .handle("dataset"))],
                 named: [Param("mask", .handle("mask"), default: .null, doc: "pruned weights stay exactly zero"),
                         Param("in_place", .bool, default: .bool(false), doc: "train net itself instead of a copy")] + Self.recipeParams,
                 doc: "Train a copy of net with SGD (masked weights stay zero); returns {net, accuracy, loss, epochs, steps}.",
                 resultFields: ["net", "accuracy", "loss", "test_loss", "steps", "epochs", "val_accuracy", "val_loss", "diverged", "interrupted"]) { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let (data, train) = try Self.trainingData(args)
            try Self.checkFits(model.network, data, args)
            let net = try args.bool("in_place") ? model.network : model.network.copy()
            if args.has("mask") {
                try args.handle("mask", as: MaskHandle.self).mask.apply(to: net)
            }
            let run = try Trainer.train(net, train: train, test: data.test, normalization: data.normalization,
                                        options: try Self.recipe(args), progress: Self.progress(settings), cancel: args.context.cancellation)
            let result = try args.bool("in_place") ? model : ModelHandle(net, name: model.name, source: model.source)
            let record = RecordStorage([
                ("net", .handle(result)), ("accuracy", run.test.map { .number($0.accuracy) } ?? .null),
                ("loss", run.epochs.last.map { .number($0.loss) } ?? .null),
                ("test_loss", run.test.map { .number($0.loss) } ?? .null),
                ("steps", .number(Double(run.steps))),
                ("diverged", .bool(run.diverged != nil)),
                ("epochs", .table(TableStorage(rows: run.epochs.map { e in
                    RecordStorage([("epoch", .number(Double(e.epoch))), ("loss", .number(e.loss)),
                                   ("train_accuracy", .number(e.trainAccuracy))]
                                  + (run.validation == nil ? [] : [("val_accuracy", e.validationAccuracy.map { .number($0) } ?? .null)])
                                  + [("test_accuracy", e.testAccuracy.map { .number($0) } ?? .null), ("lr", .number(e.learningRate))])
                }))),
            ])
            if let v = run.validation {
                // only with val: the record of a plain run keeps its fields
                record["val_accuracy"] = .number(v.accuracy)
                record["val_loss"] = .number(v.loss)
            }
            guard run.cancelled else {
                args.context.note(Self.summary(run))
                return .record(record)
            }
            // Ctrl-C: the copy holds the last completed step; `r = train(...)` still binds it
            record["interrupted"] = .bool(true)
            return args.context.interrupted("Interrupted after \(run.steps) training steps", partial: .record(record))
        }

        register("evaluate", positional: [Param("net", .handle("model")), Param("data", .handle("dataset"))],
                 named: [Param("mask", .handle("mask"), default: .null), Self.kernelsParam],
                 doc: "Test accuracy and loss of net (under mask, on a copy) on the data set's test images.",
                 resultFields: ["accuracy", "loss", "count"]) { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let data = try args.handle("data", as: DataHandle.self)
            guard let test = data.test else { throw args.error(.value, "\(data.name) has no test images", argument: "data") }
            try Self.checkFits(model.network, data, args)
            var net = model.network
            if args.has("mask") {
                net = net.copy()
                try args.handle("mask", as: MaskHandle.self).mask.apply(to: net)
            }
            let e = Evaluation.run(net, on: DataLoader(images: test, normalization: data.normalization, batchSize: 500, shuffle: false),
                                   kernels: try args.choice("kernels", as: KernelChoice.self))
            return .record(RecordStorage([("accuracy", .number(e.accuracy)), ("loss", .number(e.loss)), ("count", .number(Double(e.count)))]))
        }
    }
}
