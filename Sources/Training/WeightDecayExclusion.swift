import NeuralNet
import Tensor

/// Which parameters `wd_exclude` keeps out of weight decay, as the common PyTorch recipes do
/// with parameter groups ("no decay on biases and BatchNorm").
public enum WeightDecayExclusion {
    /// The rules `wd_exclude` accepts besides names and patterns.
    public static let keywords = ["bias", "bn"]

    /// One flag per `network.namedParameters` entry: true when a rule excludes it. Throws on a
    /// rule that matches no parameter (a typo should not pass silently).
    public static func flags<Scalar: TensorScalar>(for network: Network<Scalar>, rules: [String]) throws(TrainingError) -> [Bool] {
        guard !rules.isEmpty else { return Array(repeating: false, count: network.namedParameters.count) }
        let batchNorm = Set(network.batchNormParameterNames)
        var used = Set<String>()
        let flags = network.namedParameters.map { name, _ in
            let hits = rules.filter { rule in
                switch rule {
                case "bias": name == "bias" || name.hasSuffix(".bias")
                case "bn": batchNorm.contains(name)
                default: matches(name, pattern: rule)
                }
            }
            used.formUnion(hits)
            return !hits.isEmpty
        }
        if let unused = rules.first(where: { !used.contains($0) }) {
            throw TrainingError.invalid("wd_exclude: '\(unused)' matches no parameter of \(network.architecture); "
                                        + "use \"bias\", \"bn\", a parameter name or a pattern such as \"fc3.*\"")
        }
        return flags
    }

    /// `*` matches any run of characters; everything else matches itself.
    static func matches(_ name: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return name == pattern }
        guard let first = parts.first, let last = parts.last, name.hasPrefix(first) else { return false }
        var rest = Substring(name.dropFirst(first.count))
        for middle in parts.dropFirst().dropLast() {
            guard let r = rest.range(of: middle) else { return false }
            rest = rest[r.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}
