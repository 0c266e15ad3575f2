import Datasets
import Foundation
import JSON
import Kernel
import Notebook
import ONNX
import PruneScript
import Tensor

/// The inputs the fuzzer feeds: each harness hands the bytes to one reader or parser, which must
/// answer with a value or an error, and never crash, hang or allocate without bound.
enum FuzzHarness: String, CaseIterable {
    /// Lexer, parser and checker of PruneScript.
    case parser
    /// The interpreter with the core builtins, under a step budget and size limits.
    case interpreter
    case safetensors, idx, cifar, gzip, tar, json
    /// `.prune` percent scripts and `.ipynb` notebooks.
    case prune, ipynb
    case onnx
    /// Jupyter messages (frames split at 0x00 bytes; signed correctly when the first byte is even).
    case message

    /// The harness `PRUNEBOOK_FUZZ_TARGET` names.
    static var current: FuzzHarness? {
        ProcessInfo.processInfo.environment["PRUNEBOOK_FUZZ_TARGET"].flatMap(FuzzHarness.init(rawValue:))
    }

    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .parser:
            _ = Lexer.tokenize(text)
            _ = Parser.parse(text)
            _ = Checker(registry: .core).check(cells: text.components(separatedBy: "\n# %%\n"))
        case .interpreter:
            var limits = Interpreter.Limits()
            limits.maxSteps = 20_000
            limits.maxCallDepth = 50
            limits.maxCollectionSize = 100_000
            limits.maxStringLength = 1_000_000
            _ = Interpreter(builtins: .core, limits: limits).run(text)
        case .safetensors:
            if let f = try? SafetensorsFile(bytes: bytes) {
                for name in f.names { _ = try? f.tensor(name); _ = try? f.integers(name) }
            }
        case .idx:
            for rank in [1, 3] { _ = try? IDXReader.parse(bytes, path: "fuzz", rank: rank) }
        case .cifar:
            _ = try? CIFAR10Reader.parse(bytes, path: "fuzz")
        case .gzip:
            _ = try? Gzip.decompress(bytes, path: "fuzz", limit: 1 << 24)
        case .tar:
            _ = try? TarArchive.files(bytes, path: "fuzz")
        case .json:
            _ = try? JSONParser.parse(bytes)
        case .prune:
            _ = try? PercentScript.read(text)
        case .ipynb:
            _ = try? NotebookReader.ipynb(text)
        case .onnx:
            // no folder: external data cannot be found, and that is an error like any other
            _ = try? ONNXModel.load(bytes: bytes, path: "/nonexistent/fuzz.onnx")
        case .message:
            var frames = bytes.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
            var signer = MessageSigner(key: Array("fuzz".utf8))
            if bytes.first.map({ $0 % 2 == 0 }) ?? false, let d = frames.firstIndex(of: Array("<IDS|MSG>".utf8)),
               frames.count >= d + 6 {
                frames[d + 1] = signer.sign(Array(frames[(d + 2)...(d + 5)]))
            }
            _ = try? Message.decode(frames, signer: &signer)
        }
    }
}
