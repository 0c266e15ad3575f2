import NeuralNet
import Tensor

/// Masks (U8) and scores (F32) as safetensors files named by parameter, ready for a PyTorch script.
public enum MaskFile {
    public static func save(_ mask: Mask, to path: String, metadata: [String: String] = [:]) throws(SafetensorsError) {
        try SafetensorsWriter.write(mask.entries.map { .u8($0.name, shape: $0.shape, $0.bits) },
                                    metadata: metadata.merging(["kind": "prunebook mask"]) { a, _ in a }, to: path)
    }

    public static func save(_ scores: ScoreSet, to path: String, metadata: [String: String] = [:]) throws(SafetensorsError) {
        try SafetensorsWriter.write(scores.entries.map { .f32($0.name, $0.scores) },
                                    metadata: metadata.merging(["kind": "prunebook scores"]) { a, _ in a }, to: path)
    }

    /// Loads a mask for `network`: every prunable tensor must be present with its shape and hold
    /// only 0 and 1. A PyTorch state dict pruned with `torch.nn.utils.prune` works too: its
    /// `W_mask` tensors are the mask, and the weights it did not prune are kept whole.
    public static func loadMask(_ path: String, for network: Network<Float>) throws(PruningError) -> Mask {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch { throw PruningError(error.description) }
        let prunedStateDict = file.names.contains { $0.hasSuffix("_mask") && file.contains(String($0.dropLast(5)) + "_orig") }
        var entries: [Mask.Entry] = []
        for (weight, p) in network.prunable {
            var name = weight
            if prunedStateDict {
                guard file.contains(weight + "_mask") else {
                    entries.append(Mask.Entry(name: weight, shape: p.shape, bits: [UInt8](repeating: 1, count: p.value.count)))
                    continue
                }
                name = weight + "_mask"
            }
            guard let e = file.entry(name) else { throw PruningError("\(path): no mask for \(name)") }
            guard e.shape == p.shape else {
                throw PruningError("\(path): mask \(name) has shape \(e.shape), the network's weight has \(p.shape)")
            }
            let values: [Int64]
            do { values = try file.integers(name) } catch {
                // a float mask (PyTorch users often save them so)
                do { values = try file.tensor(name).scalars.map { $0 == 0 ? 0 : ($0 == 1 ? 1 : -1) } } catch { throw PruningError(error.description) }
            }
            guard values.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw PruningError("\(path): mask \(name) holds values other than 0 and 1") }
            entries.append(Mask.Entry(name: weight, shape: p.shape, bits: values.map { UInt8($0) }))
        }
        return Mask(entries: entries)
    }
}
