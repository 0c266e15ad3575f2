import Datasets
import Foundation
import JSON
import NeuralNet
import ONNX
import Pruning
import Tensor
import TestSupport

/// The PyTorch side of the ONNX tests: networks exported by `torch.onnx.export` and float64
/// reference values, made by `Peers/make_onnx_cases.py` with the test peers' Python (torch CPU,
/// torchvision, onnx, onnxruntime) and cached per machine under a key of the script's contents,
/// so a change to the script regenerates them and a fresh machine generates them from nothing.
enum ONNXCases {
    static let small = ["ops_basic", "ops_basic_opset18", "ops_mobile", "ops_mobile_opset18", "ops_shuffle", "ops_shuffle_opset18",
                        "digits_net"]
    static let torchvision = ["resnet18", "mobilenet_v2", "densenet121", "shufflenet_v2_x0_5", "efficientnet_b0"]
    static let all = small + torchvision
    /// Cases also exported by the newer exporter (dynamo=True) to `<case>_dynamo.onnx`.
    static let dynamo = ["ops_basic", "ops_mobile", "ops_shuffle", "resnet18"]

    static let peersFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers").path

    /// The peers' Python when it imports torch, torchvision, onnx and onnxruntime.
    static let python: String? = {
        let env = ProcessInfo.processInfo.environment
        var candidates = [env["PRUNEBOOK_NB_PYTHON"]].compactMap { $0 }.filter { !$0.isEmpty }
        let home = env["HOME"] ?? "/root"
        candidates.append("\(env["XDG_CACHE_HOME"] ?? home + "/.cache")/prunebook-peers/bin/python")
        return candidates.first { p in
            FileManager.default.isExecutableFile(atPath: p)
                && (try? NbValidator.run(p, ["-c", "import torch, onnx, onnxruntime"]))?.status == 0
        }
    }()

    /// Why the cases cannot be had, or nil when they can. Under `make test` and CI a missing peer
    /// is an error (the tests fail), elsewhere the suites are skipped with this reason.
    static var unavailable: String? {
        guard python != nil else { return "no Python with torch, onnx and onnxruntime (scripts/peers installs them)" }
        return folder.error
    }

    /// True where a missing peer must fail the tests rather than skip them.
    static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || !(env["PRUNEBOOK_NB_PYTHON"] ?? "").isEmpty
    }

    /// FNV-1a of the generator's bytes: the cache key.
    static func key(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// The folder holding every case, generated on first use (once per process).
    static let folder: (path: String, error: String?) = {
        let script = peersFolder + "/make_onnx_cases.py"
        guard let python, let bytes = FileManager.default.contents(atPath: script) else {
            return ("", "no Python with torch, onnx and onnxruntime, or no \(script)")
        }
        let env = ProcessInfo.processInfo.environment
        let cache = env["PRUNEBOOK_ONNX_CASES"] ?? "\(env["XDG_CACHE_HOME"] ?? (env["HOME"] ?? "/root") + "/.cache")/prunebook-onnx"
        let target = "\(cache)/\(key(Array(bytes)))"
        if FileManager.default.fileExists(atPath: target + "/done") { return (target, nil) }
        let staging = target + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try? FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let r = try? NbValidator.run(python, [script, staging])
        guard let r, r.status == 0 else {
            return ("", "make_onnx_cases.py failed: \(r?.output.split(separator: "\n").suffix(5).joined(separator: "\n") ?? "did not run")")
        }
        _ = FileManager.default.createFile(atPath: staging + "/done", contents: Data())
        // cases of earlier versions of the script (half a gigabyte each) go
        // (and staging folders of processes that died), but not another live process's staging
        for old in (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] {
            if let r = old.range(of: ".tmp-"), let pid = Int32(old[r.upperBound...]), kill(pid, 0) == 0 { continue }
            try? FileManager.default.removeItem(atPath: "\(cache)/\(old)")
        }
        try? FileManager.default.removeItem(atPath: target)
        do { try FileManager.default.moveItem(atPath: staging, toPath: target) } catch {
            // another process generated them meanwhile
            if !FileManager.default.fileExists(atPath: target + "/done") { return ("", "cannot move the cases into \(target): \(error)") }
        }
        return (target, nil)
    }()

    /// One case: the imported model and its reference values.
    struct Case {
        let name: String
        let model: ONNXModel
        let file: SafetensorsFile
        let meta: JSONValue

        init(_ name: String) throws {
            guard folder.error == nil else { throw FixtureError(folder.error ?? "") }
            model = try ONNXModel.load(path: "\(folder.path)/\(name).onnx")
            file = try SafetensorsFile(path: "\(folder.path)/\(name).safetensors")
            guard let text = file.metadata["case"], let m = try? JSONParser.parse(Array(text.utf8)) else {
                throw FixtureError("\(name).safetensors has no case metadata")
            }
            self.name = name
            meta = m
        }

        var network: Network<Float> { model.network }
        var prunable: [String] { meta["prunable"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        var density: Double { meta["density"]?.doubleValue ?? 0 }
        var steps: Int { meta["steps"]?.intValue ?? 0 }
        var batches: Int { meta["nbatches"]?.intValue ?? 0 }
        var emptyLayers: [String] { meta["empty_layers"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        /// Weights the reference FORCE mask keeps on rounding-noise scores (see make_onnx_cases.py).
        var forceNoiseKept: Int { meta["force_noise_kept"]?.intValue ?? 0 }

        func double(_ key: String) throws -> Tensor<Double> { try file.tensor(key, as: Double.self) }

        /// Batch i as the engine's float32 batch (the inputs are float32 values, widened).
        func batch(_ i: Int) throws -> Batch {
            Batch(inputs: try file.tensor("input.\(i)"), labels: try file.integers("label.\(i)").map { Int($0) })
        }

        var data: BatchSource {
            get throws { .list(try (0..<batches).map { try batch($0) }) }
        }

        func mask(_ prefix: String) throws -> Mask {
            Mask(entries: try network.prunable.map { (name, p) in
                Mask.Entry(name: name, shape: p.shape, bits: try file.integers("\(prefix).\(name)").map { UInt8($0) })
            })
        }
    }

    /// ‖a − b‖ / ‖b‖ (‖a − b‖ when b is zero).
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for (u, v) in zip(a, b) { num += (u - v) * (u - v); den += v * v }
        return den == 0 ? num.squareRoot() : (num / den).squareRoot()
    }
}
