import Foundation
import Testing

/// Every layer is written once, generic over the scalar (#15). These tests read the package's
/// sources and fail when they regain what made the engine be written twice: a `Float64…` type or
/// function, code that switches on (or casts to) concrete layer types instead of asking the layer,
/// or a second implementation of BatchNorm's statistics or of cross-entropy's log-sum-exp.
/// Each rule is also run on a small source that breaks it, so that the scan itself can fail.
@Suite struct OneImplementationTests {
    /// The package's `Sources` folder, found from this file's path.
    static let sources: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Every Swift file under `Sources`, by path relative to it, with comments and string literals removed.
    static func swiftFiles() throws -> [(path: String, code: String)] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var out: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(sources.path.count + 1))
            out.append((relative, SourceScan.code(of: try String(contentsOf: url, encoding: .utf8))))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    @Test func theScanFindsTheSources() throws {
        let files = try Self.swiftFiles()
        #expect(files.contains { $0.path == "NeuralNet/BatchNorm2d.swift" })
        #expect(files.count > 50)
        #expect(SourceScan.layerTypes(in: files).isSuperset(of: ["Conv2d", "Linear", "BatchNorm2d", "Sequential", "Residual", "ReLU"]))
    }

    @Test func noFloat64TypesOrPasses() throws {
        let found = SourceScan.float64Declarations(in: try Self.swiftFiles())
        #expect(found.isEmpty, "a second, Double-only engine is back: \(found)")
    }

    @Test func noCodeSwitchesOnConcreteLayerTypes() throws {
        let files = try Self.swiftFiles()
        let found = SourceScan.layerTypeTests(in: files, layers: SourceScan.layerTypes(in: files))
        #expect(found.isEmpty, "ask the layer (a `Layer` requirement) instead of testing its type: \(found)")
    }

    @Test func batchNormStatisticsLiveInBatchNorm2d() throws {
        let found = SourceScan.batchNormMath(in: try Self.swiftFiles())
        #expect(found.isEmpty, "BatchNorm's statistics are computed in NeuralNet/BatchNorm2d.swift only: \(found)")
    }

    @Test func crossEntropyLivesInLoss() throws {
        let found = SourceScan.exponentials(in: try Self.swiftFiles())
        #expect(found.isEmpty, "cross-entropy and softmax are computed in Training/Loss.swift only: \(found)")
    }

    /// The rules on sources that break them.
    @Test func theRulesCatchViolations() {
        let bad: [(path: String, code: String)] = [
            ("NeuralNet/Float64Node.swift", SourceScan.code(of: "struct Float64Conv { }\nfunc snipInDouble() {}\n")),
            ("NeuralNet/Dense.swift", SourceScan.code(of: "final class Dense<Scalar>: Layer { }\n")),
            ("Pruning/Walk.swift", SourceScan.code(of: "switch layer {\ncase let c as Dense<Float>: break\ncase is ReLU<Float>: break\n}\nif l is Dense<Double> {}")),
            ("Pruning/Norm.swift", SourceScan.code(of: "let invStd = 1 / (v + eps).squareRoot()")),
            ("Pruning/Softmax.swift", SourceScan.code(of: "let p = exp(z - m) // \"expf(\" in a comment is fine\n")),
            ("Plot/Scale.swift", SourceScan.code(of: "let t = exp(x)")),   // not an engine target
        ]
        #expect(SourceScan.float64Declarations(in: bad).count == 2)
        let layers = SourceScan.layerTypes(in: bad).union(["ReLU"])
        #expect(SourceScan.layerTypeTests(in: bad, layers: layers).count == 3)
        #expect(SourceScan.batchNormMath(in: bad) == ["Pruning/Norm.swift: invStd"])
        #expect(SourceScan.exponentials(in: bad) == ["Pruning/Softmax.swift: exp("])
        // comments and strings do not count
        #expect(SourceScan.code(of: "let a = 1 // exp(\n/* invStd */ let s = \"Float64Pass\"") == "let a = 1 \n let s = \"\"")
    }
}

/// The source scans of `OneImplementationTests`.
enum SourceScan {
    /// The targets that make up the engine and its bridge (the language and the plots have their own math).
    static let engineTargets = ["Tensor", "NeuralNet", "Datasets", "Training", "Pruning", "Builtins", "Benchmarks", "Session"]
    /// Files that may call `exp` and why: the loss itself, the scalar protocol that wraps the C
    /// function, FORCE's exponential density schedule.
    /// Where an exponential belongs: the losses (softmax), the scalar's own function, the density
    /// schedule, and the sigmoid and tanh activations of imported graphs (`Pointwise`).
    static let exponentialAllowed = ["Training/Loss.swift", "Tensor/TensorScalar.swift", "Pruning/DensitySchedule.swift",
                                     "NeuralNet/PointwiseOp.swift"]

    static func isEngine(_ path: String) -> Bool {
        engineTargets.contains { path.hasPrefix($0 + "/") }
    }

    /// The code without comments and with string literals emptied (single-line strings; the engine
    /// has no multi-line ones worth scanning).
    static func code(of source: String) -> String {
        var out = ""
        var chars = Array(source)[...]
        var inBlock = 0
        while let c = chars.first {
            if inBlock > 0 {
                if chars.starts(with: "*/") { inBlock -= 1; chars = chars.dropFirst(2) } else if chars.starts(with: "/*") {
                    inBlock += 1; chars = chars.dropFirst(2)
                } else { chars = chars.dropFirst() }
                continue
            }
            if chars.starts(with: "//") {
                while let d = chars.first, d != "\n" { chars = chars.dropFirst() }
                continue
            }
            if chars.starts(with: "/*") { inBlock = 1; chars = chars.dropFirst(2); continue }
            if c == "\"" {
                out.append("\"")
                chars = chars.dropFirst()
                while let d = chars.first, d != "\"", d != "\n" {
                    chars = chars.dropFirst(d == "\\" ? 2 : 1)
                }
                if chars.first == "\"" { out.append("\""); chars = chars.dropFirst() }
                continue
            }
            out.append(c)
            chars = chars.dropFirst()
        }
        return out
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return ["bad pattern \(pattern)"] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    /// Names of the types that conform to `Layer` where they are declared.
    static func layerTypes(in files: [(path: String, code: String)]) -> Set<String> {
        var names = Set<String>()
        for f in files {
            for m in matches(#"(class|struct)\s+\w+\s*(<[^>{]*>)?\s*:\s*([\w<>]+\s*,\s*)*Layer\b"#, in: f.code) {
                if let name = matches(#"(?<=class|struct)\s+\w+"#, in: m).first?.trimmingCharacters(in: .whitespaces) {
                    names.insert(name)
                }
            }
        }
        return names
    }

    /// Types or functions named for a second, Double-only engine (`Float64Pass`, `snipInDouble`).
    static func float64Declarations(in files: [(path: String, code: String)]) -> [String] {
        files.flatMap { f in
            (matches(#"\bFloat64\w*"#, in: f.code)
             + matches(#"\b(class|struct|enum|protocol|actor|typealias)\s+Double\w+"#, in: f.code)
             + matches(#"\bfunc\s+\w+InDouble\b"#, in: f.code)).map { "\(f.path): \($0)" }
        }
    }

    /// `as?`, `as!`, `as`, `is` tests against concrete layer types (a `switch` over them included).
    static func layerTypeTests(in files: [(path: String, code: String)], layers: Set<String>) -> [String] {
        guard !layers.isEmpty else { return [] }
        let names = layers.sorted().joined(separator: "|")
        return files.flatMap { f in
            matches(#"\b(as[?!]?|is)\s+("# + names + #")\b"#, in: f.code).map { "\(f.path): \($0)" }
        }
    }

    /// BatchNorm's statistics outside BatchNorm2d.swift.
    static func batchNormMath(in files: [(path: String, code: String)]) -> [String] {
        files.filter { isEngine($0.path) && $0.path != "NeuralNet/BatchNorm2d.swift" }.flatMap { f in
            matches(#"\b(invStd|istd|runningMean|runningVar|unbiased)\b"#, in: f.code).map { "\(f.path): \($0)" }
        }
    }

    /// Calls of `exp` (the start of a softmax or log-sum-exp) outside the files allowed to.
    static func exponentials(in files: [(path: String, code: String)]) -> [String] {
        files.filter { isEngine($0.path) && !exponentialAllowed.contains($0.path) }.flatMap { f in
            matches(#"\b(exp|expf|exponential)\("#, in: f.code).map { "\(f.path): \($0)" }
        }
    }
}
