import Datasets
import Foundation
import PruneScript
import Tensor

/// Data: the bundled digits, MNIST, Fashion-MNIST, CIFAR-10, and fixed batch lists.
extension BuiltinRegistry {
    mutating func registerData(settings: EngineSettings) {
        register("dataset", positional: [Param("name", .string, choices: DatasetName.allCases.map(\.rawValue))],
                 named: [
                    Param("split", SplitChoice.self, default: .both),
                    Param("limit", .integer, default: .null, defaultText: "all", range: .atLeast(1), doc: "use the first N training images"),
                    Param("test_limit", .integer, default: .null, defaultText: "all", range: .atLeast(1), doc: "use the first N test images"),
                    Param("root", .string, default: .null, defaultText: "PRUNEBOOK_DATA, then ~/.prunebook/data", doc: "data directory holding mnist/, fashion-mnist/, cifar10/"),
                    Param("batch", .integer, default: .number(128), range: .atLeast(1), doc: "batch size of the batches pruning draws"),
                    Param("normalize", .string, default: .null, defaultText: "the data set's preset", choices: DatasetName.allCases.map(\.rawValue), doc: "normalization preset"),
                 ],
                 doc: "Load a data set: training and test images with the data set's normalization.") { args in
            let name = try args.string("name")
            guard let dataset = DatasetName(parsing: name) else { throw args.error(.value, "unknown data set '\(name)'", argument: "name") }
            let root = args.has("root") ? try args.string("root") : settings.dataDirectory
            let directory = DataDirectory(explicit: root)
            let split = try args.choice("split", as: SplitChoice.self)
            var train: ImageSet?, test: ImageSet?
            if split != .test { train = try DatasetCatalog.load(dataset, split: .train, directory: directory) }
            if split != .train { test = try DatasetCatalog.load(dataset, split: .test, directory: directory) }
            if args.has("limit") { train = train?.prefix(try args.int("limit")) }
            if args.has("test_limit") { test = test?.prefix(try args.int("test_limit")) }
            var normalization = dataset.normalization
            if args.has("normalize"), let preset = DatasetName(parsing: try args.string("normalize")) {
                normalization = preset.normalization
            }
            return .handle(DataHandle(name: dataset.rawValue, train: train, test: test, normalization: normalization,
                                      batchSize: try args.int("batch")))
        }

        register("digits", named: [Param("batch", .integer, default: .number(128), range: .atLeast(1))],
                 doc: "The bundled 8×8 digits (1,397 train, 400 test images, x/16): no download needed.") { args in
            .handle(DataHandle(name: "digits", train: try BundledDigits.split(.train), test: try BundledDigits.split(.test),
                               normalization: .digits, batchSize: try args.int("batch")))
        }

        register("load_batches", positional: [Param("path", .string)],
                 doc: "The batch.<i>.input / batch.<i>.label tensors of a safetensors file, used by pruning in that order.") { args in
            let path = try args.string("path")
            let file: SafetensorsFile
            do { file = try SafetensorsFile(path: path) } catch { throw args.error(.io, "\(error)", argument: "path") }
            var batches: [Batch] = []
            while file.contains("batch.\(batches.count).input") {
                let i = batches.count
                let x = try file.tensor("batch.\(i).input")
                let y = try file.integers("batch.\(i).label").map { Int($0) }
                guard x.shape.count == 4, x.shape[0] == y.count else {
                    throw args.error(.value, "\(path): batch \(i) has inputs \(x.shape) and \(y.count) labels", argument: "path")
                }
                batches.append(Batch(inputs: x, labels: y))
            }
            guard !batches.isEmpty else { throw args.error(.value, "\(path) holds no batch.0.input tensor", argument: "path") }
            return .handle(DataHandle(name: (path as NSString).lastPathComponent, batches: batches))
        }
    }
}
