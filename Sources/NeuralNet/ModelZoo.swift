import Support
import Tensor

/// A model name or option the zoo cannot build, with what was expected.
public struct ModelError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What to build: architecture name and options.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    /// `[C, H, W]`; nil picks the architecture's usual input (MNIST for LeNets, CIFAR otherwise).
    public var input: [Int]?
    public var classes: Int
    /// Channel / hidden-unit multiplier; a layer of c gets max(1, round(c · width)), halves to even.
    public var width: Double
    public var seed: UInt64
    public var initialization: Initialization

    public init(name: String, input: [Int]? = nil, classes: Int = 10, width: Double = 1, seed: UInt64 = 0,
                initialization: Initialization = .kaimingNormal) {
        self.name = name
        self.input = input
        self.classes = classes
        self.width = width
        self.seed = seed
        self.initialization = initialization
    }
}

/// The model zoo: LeNet-300-100, LeNet-5, Conv-2/4/6, CIFAR VGG-11/13/16/19 (BN, global average
/// pool, one Linear) and CIFAR ResNet-(6n+2) (widths 16/32/64, projection shortcuts).
/// Shapes and names follow `docs/algorithms.md` §5 and the golden fixtures.
public enum ModelZoo {
    /// Names the zoo knows, for help and completion (any resnet depth 6n+2 is also accepted).
    public static let names = ["lenet300", "mlp", "lenet5", "conv2", "conv4", "conv6",
                               "vgg11", "vgg13", "vgg16", "vgg19",
                               "resnet20", "resnet32", "resnet44", "resnet56", "resnet110"]

    /// The usual input of an architecture.
    public static func defaultInput(for name: String) -> [Int] {
        name == "lenet300" || name == "mlp" || name == "lenet5" ? [1, 28, 28] : [3, 32, 32]
    }

    /// Builds and initializes a network.
    public static func build(_ spec: ModelSpec) throws(ModelError) -> Network<Float> {
        let input = spec.input ?? defaultInput(for: spec.name)
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw ModelError("input must be [channels, height, width] with positive sizes, got \(input)")
        }
        guard spec.classes >= 1 else { throw ModelError("classes must be at least 1, got \(spec.classes)") }
        guard spec.width > 0, spec.width.isFinite else { throw ModelError("width must be positive, got \(spec.width)") }
        try checkMemory(spec)
        let w = { (c: Int) -> Int in max(1, Int((Double(c) * spec.width).rounded(.toNearestOrEven))) }
        let body: Sequential<Float>
        switch spec.name {
        case "lenet300", "mlp":
            body = LeNet.mlp(input: input, classes: spec.classes, scaled: w)
        case "lenet5":
            body = LeNet.lenet5(input: input, classes: spec.classes, scaled: w)
        case "conv2", "conv4", "conv6":
            let depth = Int(spec.name.dropFirst(4)) ?? 0
            body = try ConvNet.make(depth: depth, input: input, classes: spec.classes, scaled: w)
        case _ where spec.name.hasPrefix("vgg"):
            guard let depth = Int(spec.name.dropFirst(3)), VGG.configurations[depth] != nil else {
                throw ModelError("unknown VGG '\(spec.name)': expected vgg11, vgg13, vgg16 or vgg19")
            }
            body = try VGG.make(depth: depth, input: input, classes: spec.classes, scaled: w)
        case _ where spec.name.hasPrefix("resnet"):
            guard let depth = Int(spec.name.dropFirst(6)) else {
                throw ModelError("unknown ResNet '\(spec.name)': expected resnet<depth>, e.g. resnet20")
            }
            guard depth >= 8, (depth - 2) % 6 == 0 else {
                throw ModelError("ResNet depth must be 6n+2 (20, 32, 44, 56, 110, …), got \(depth)")
            }
            body = ResNet.make(depth: depth, input: input, classes: spec.classes, scaled: w)
        default:
            let near = names.min { editDistance($0, spec.name) < editDistance($1, spec.name) } ?? "lenet5"
            throw ModelError("unknown model '\(spec.name)' (did you mean '\(near)'?); known: "
                             + names.joined(separator: ", "))
        }
        let network: Network<Float>
        do {
            network = try Network(architecture: spec.name, inputShape: input, classes: spec.classes, body: body)
        } catch {
            throw ModelError("\(spec.name) does not fit input \(input): \(error.message)")
        }
        spec.initialization.apply(to: network, seed: spec.seed)
        _ = body.skipInputGradient()   // nobody needs the gradient with respect to the images
        return network
    }

    /// Refuses, before anything is allocated, a network whose values alone exceed the memory
    /// budget (`MemoryBudget`): "resnet110 at width 1000 needs about 7.1 TB for its parameters
    /// alone; 25.8 GB available (the machine's memory)".
    static func checkMemory(_ spec: ModelSpec) throws(ModelError) {
        guard let size = size(spec) else { return }   // an unknown name: build says why
        let width = spec.width == 1 ? "" : " at width \(spec.width == spec.width.rounded() && spec.width < 1e15 ? String(Int(spec.width)) : String(spec.width))"
        do {
            try MemoryBudget.check(size.bytes, for: spec.name + width, purpose: "for its parameters alone")
        } catch { throw ModelError(error.description) }
    }


    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        var row = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[y.count]
    }
}
