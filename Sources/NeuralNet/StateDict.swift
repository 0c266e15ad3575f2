import Tensor

/// A state dict that does not fit a network: which of the network's tensors found nothing,
/// which file tensors fit no name, which have the wrong shape, and what the file holds (for
/// the caller to suggest a fix: a prefix, a rename).
public struct StateError: Error, CustomStringConvertible {
    public let message: String
    /// The network's names that found no tensor.
    public var missing: [String] = []
    /// File tensors (after prefix and rename) that are no name of the network.
    public var unexpected: [String] = []
    /// Every tensor the file offers, by its name in the file (a pruned pair counts once, under
    /// its base name), with its shape, in the file's order.
    public var offered: [(name: String, shape: [Int])] = []

    public init(message: String) { self.message = message }

    public var description: String { message }
}

extension Network where Scalar == Float {
    /// Loads parameters and buffers named `prefix + name` from a safetensors file, as PyTorch's
    /// strict `load_state_dict`: every entry must be present with the right shape, and no other
    /// tensor under `prefix` may remain (except `num_batches_tracked`, which Prunebook does not keep).
    public func loadWeights(from file: SafetensorsFile, prefix: String = "") throws(StateError) {
        do { try loadStateDict(from: file, prefix: prefix) } catch let e as StateError { throw e } catch {
            throw StateError(message: "\(error)")
        }
    }

    /// Loads a PyTorch state dict saved as safetensors, strictly (every tensor of the network
    /// present with its shape, nothing left over), through a name mapping:
    ///
    /// - a file tensor counts when its name starts with `prefix`, which is removed;
    /// - `rename` then gives the network's name for it (nil leaves the tensor out);
    /// - a `torch.nn.utils.prune` pair `W_orig` + `W_mask` loads as `W = W_orig × W_mask`;
    /// - `num_batches_tracked` is ignored (Prunebook keeps no such counter).
    ///
    /// Returns the pruning masks of such pairs (network name → 0/1 bits; empty for a plain state
    /// dict). Throws `StateError` when the state does not fit, `rename`'s errors as they are, and
    /// changes nothing unless everything fits.
    @discardableResult
    public func loadStateDict(from file: SafetensorsFile, prefix: String = "",
                              rename: (String) throws -> String? = { $0 }) throws -> [String: [UInt8]] {
        // the file's logical tensors: plain ones and pruned pairs
        var logical: [(name: String, value: String, mask: String?)] = []
        for name in file.names where !name.hasSuffix("num_batches_tracked") {
            if name.hasSuffix("_mask"), file.contains(String(name.dropLast(5)) + "_orig") { continue }
            if name.hasSuffix("_orig"), file.contains(String(name.dropLast(5)) + "_mask") {
                logical.append((String(name.dropLast(5)), name, String(name.dropLast(5)) + "_mask"))
            } else {
                logical.append((name, name, nil))
            }
        }
        let targets = state
        let shapes = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0.value.shape) })
        var chosen: [String: (value: String, mask: String?)] = [:]
        var unexpected: [String] = []
        var wrong: [String] = []
        for entry in logical where entry.name.hasPrefix(prefix) {
            guard let name = try rename(String(entry.name.dropFirst(prefix.count))) else { continue }
            guard let shape = shapes[name] else { unexpected.append(entry.name); continue }
            if let earlier = chosen[name] {
                wrong.append("\(entry.value) and \(earlier.value) both load into \(name)")
                continue
            }
            let fileShape = file.entry(entry.value)?.shape ?? []
            guard fileShape == shape else {
                wrong.append("\(entry.value): file has \(fileShape), model has \(shape)")
                continue
            }
            chosen[name] = (entry.value, entry.mask)
        }
        let missing = targets.map(\.name).filter { chosen[$0] == nil }
        var problems: [String] = []
        if !missing.isEmpty {
            problems.append("missing \(missing.count) tensor(s): " + Network.list(missing.map { prefix + $0 }))
        }
        if !wrong.isEmpty { problems.append("wrong shape or type: " + Network.list(wrong)) }
        if !unexpected.isEmpty {
            problems.append("unexpected tensor(s)\(prefix.isEmpty ? "" : " under '\(prefix)'"): " + Network.list(unexpected))
        }
        guard problems.isEmpty else {
            var error = StateError(message: "does not fit \(architecture): " + problems.joined(separator: "; "))
            error.missing = missing
            error.unexpected = unexpected
            error.offered = logical.map { ($0.name, file.entry($0.value)?.shape ?? []) }
            throw error
        }
        // read everything before changing anything
        var values: [(String, Tensor<Float>)] = []
        var masks: [String: [UInt8]] = [:]
        for (name, _) in targets {
            guard let source = chosen[name] else { continue }
            var value = try file.tensor(source.value)
            if let maskName = source.mask {
                let mask = try file.tensor(maskName)
                guard mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                    throw StateError(message: "\(maskName) holds values other than 0 and 1")
                }
                value = Tensor(shape: value.shape, scalars: zip(value.scalars, mask.scalars).map { $0 * $1 })
                masks[name] = mask.scalars.map { $0 == 0 ? 0 : 1 }
            }
            values.append((name, value))
        }
        let params = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter) })
        let buffers = Dictionary(uniqueKeysWithValues: namedBuffers.map { ($0.name, $0.buffer) })
        for (name, v) in values {
            if let p = params[name] { p.value = v } else { buffers[name]?.value = v }
        }
        return masks
    }

    static func list(_ names: [String]) -> String {
        names.count <= 5 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + ", … (\(names.count) in all)"
    }
}
