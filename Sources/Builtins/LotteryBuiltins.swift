import Datasets
import Foundation
import NeuralNet
import PruneScript
import Pruning
import Training

/// Lottery tickets: iterative magnitude pruning with rewinding, stability, linear interpolation.
extension BuiltinRegistry {
    static let lotteryReference = "Frankle, Dziugaite, Roy, Carbin: Stabilizing the Lottery Ticket Hypothesis (2019); Linear Mode Connectivity and the Lottery Ticket Hypothesis (ICML 2020)"

    static func distanceRecord(_ c: Stability.Comparison) -> Value {
        .record(RecordStorage([("l2", .number(c.distance.l2)), ("angle", .number(c.distance.angleDegrees)),
                               ("accuracies", .list(ListStorage(c.accuracies.map { .number($0) })))]))
    }

    mutating func registerLottery(settings: EngineSettings) {
        register("imp", positional: [Param("net", .handle("model")), Param("data", .handle("dataset"))],
                 named: [
                    Param("rounds", .integer, default: .number(5), range: .atLeast(0), doc: "pruning rounds after the dense round 0"),
                    Param("fraction", .number, default: .number(0.2), range: ParamRange(lower: 0, upper: 1, lowerInclusive: false, upperInclusive: false),
                          unit: "fraction of the remaining weights removed per round"),
                    Param("rewind", .integer, default: .number(0), range: .atLeast(0), unit: "iteration k to rewind to (0 = initialization)"),
                    Param("scope", PruningScope.self, default: .global),
                 ] + Self.methodParams(defaultSteps: "1").filter { ["layers", "ignore"].contains($0.name) } + Self.recipeParams,
                 doc: "Iterative magnitude pruning with rewinding: train, prune a fraction of the survivors, rewind to step k, repeat. "
                    + "Returns {rounds: table, masks, nets, rewind}.",
                 reference: Self.lotteryReference, resultFields: ["rounds", "masks", "nets", "rewind", "interrupted"]) { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let (data, train) = try Self.trainingData(args)
            try Self.checkFits(model.network, data, args)
            // layers: / ignore: as on every method (names or patterns); IMP keeps the rest dense
            let selected = try Self.tensorSelection(args, network: model.network)
            let ignore = selected.map { s in model.network.prunable.map(\.name).filter { !s.contains($0) } } ?? []
            let options = IMP.Options(rounds: try args.int("rounds"), fraction: try args.number("fraction"),
                                      rewindStep: try args.int("rewind"),
                                      scope: try args.choice("scope", as: PruningScope.self),
                                      ignore: ignore, training: try Self.recipe(args))
            let result = try IMP.run(model.network, train: train, test: data.test, normalization: data.normalization,
                                     options: options, progress: Self.progress(settings), cancel: args.context.cancellation)
            let interrupted = result.rounds.last?.run.cancelled == true
            let rows = result.rounds.map { r in
                RecordStorage([("round", .number(Double(r.round))), ("density", .number(r.density)), ("sparsity", .number(1 - r.density)),
                               ("kept", .number(Double(r.mask.kept))), ("accuracy", .number(r.accuracy))])
            }
            let record = RecordStorage([
                ("rounds", .table(TableStorage(rows: rows))),
                ("masks", .list(ListStorage(result.rounds.map { .handle(MaskHandle($0.mask, network: model.network, method: "imp")) }))),
                ("nets", .list(ListStorage(result.rounds.map { .handle(ModelHandle($0.network, name: model.name, source: model.source)) }))),
                ("rewind", .handle(ModelHandle(result.rewind, name: model.name, source: model.source))),
            ])
            guard interrupted else { return .record(record) }
            // the last round's training stopped: its row holds the network at the last completed step
            record["interrupted"] = .bool(true)
            return args.context.interrupted("Interrupted during round \(result.rounds.count - 1)", partial: .record(record))
        }

        register("stability", positional: [Param("net", .handle("model")), Param("mask", .handle("mask")), Param("data", .handle("dataset"))],
                 named: [Param("rewind", .integer, default: .number(0), range: .atLeast(0),
                               unit: "iteration k: net is W_k and training runs from k")] + Self.recipeParams,
                 doc: "Stability of the subnetwork mask ⊙ net: {data_order: distance between two data orders, "
                    + "pruning: distance to the full network trained with the same order}; l2 = ‖m⊙W − m⊙W′‖₂, angle in degrees.",
                 reference: Self.lotteryReference, resultFields: ["data_order", "pruning", "nets"]) { args in
            let model = try args.handle("net", as: ModelHandle.self)
            let mask = try args.handle("mask", as: MaskHandle.self)
            let (data, train) = try Self.trainingData(args)
            try Self.checkFits(model.network, data, args)
            let recipe = try Self.recipe(args)
            let k = try args.int("rewind")
            let order = try Stability.dataOrder(rewind: model.network, mask: mask.mask, rewindStep: k, train: train, test: data.test,
                                                normalization: data.normalization, training: recipe,
                                                seeds: (recipe.seed, recipe.seed &+ 1), cancel: args.context.cancellation)
            let pruning = try Stability.pruning(rewind: model.network, mask: mask.mask, rewindStep: k, train: train, test: data.test,
                                                normalization: data.normalization, training: recipe, cancel: args.context.cancellation)
            return .record(RecordStorage([("data_order", Self.distanceRecord(order)), ("pruning", Self.distanceRecord(pruning)),
                                          ("nets", .list(ListStorage(order.networks.map { .handle(ModelHandle($0, name: model.name, source: model.source)) })))]))
        }

        register("interpolate", positional: [Param("a", .handle("model")), Param("b", .handle("model")), Param("data", .handle("dataset"))],
                 named: [Param("points", .integer, default: .number(30), range: .atLeast(2))],
                 doc: "Test error along α·a + (1 − α)·b; returns {path: table of alpha, error, loss; barrier: sup error − mean of the ends}.",
                 reference: Self.lotteryReference, resultFields: ["path", "barrier"]) { args in
            let a = try args.handle("a", as: ModelHandle.self), b = try args.handle("b", as: ModelHandle.self)
            let data = try args.handle("data", as: DataHandle.self)
            guard let test = data.test else { throw args.error(.value, "\(data.name) has no test images", argument: "data") }
            let path = try Stability.interpolate(a.network, b.network, test: test, normalization: data.normalization,
                                                 points: try args.int("points"), cancel: args.context.cancellation)
            let rows = path.alphas.indices.map { i in
                RecordStorage([("alpha", .number(path.alphas[i])), ("error", .number(path.errors[i])), ("loss", .number(path.losses[i]))])
            }
            return .record(RecordStorage([("path", .table(TableStorage(rows: rows))), ("barrier", .number(path.barrier))]))
        }
    }
}
