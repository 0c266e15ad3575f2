import Foundation
import JSON
import Tensor

/// The PyTorch-computed fixtures in `../shared/golden/` (see its README), located relative to
/// this package's root so tests work from any working directory.
public enum Golden {
    /// `<package root>/../shared/golden`.
    public static let folder: String = {
        let here = URL(fileURLWithPath: #filePath)            // Tests/TestSupport/Golden.swift
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/golden").path
    }()

    /// `<package root>/../shared/data`.
    public static let dataFolder: String = {
        URL(fileURLWithPath: folder).deletingLastPathComponent().appendingPathComponent("data").path
    }()

    public static let names = ["lenet300_digits", "lenet5_mnist", "vgg11_w0125", "resnet20_w05"]

    /// True when the fixture files are present.
    public static var available: Bool {
        names.allSatisfy { FileManager.default.fileExists(atPath: "\(folder)/\($0).safetensors") }
    }

    public static func path(_ name: String) -> String { "\(folder)/\(name).safetensors" }
}

/// One fixture file with its parsed metadata.
public struct GoldenFixture {
    public let name: String
    public let file: SafetensorsFile
    public let meta: JSONValue

    public init(_ name: String) throws {
        self.name = name
        file = try SafetensorsFile(path: Golden.path(name))
        guard let text = file.metadata["fixture"] else { throw FixtureError("\(name): no fixture metadata") }
        meta = try JSONParser.parse(text)
    }

    public var model: String { meta["model"]?.stringValue ?? "" }
    public var input: [Int] { meta["input"]?.arrayValue?.compactMap(\.intValue) ?? [] }
    public var classes: Int { meta["classes"]?.intValue ?? 0 }
    public var width: Double { meta["width"]?.doubleValue ?? 1 }
    public var batchCount: Int { meta["nbatches"]?.intValue ?? 0 }
    public var steps: Int { meta["steps"]?.intValue ?? 0 }
    public var prunable: [String] { meta["prunable"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    public var sparsities: [Double] { meta["sparsities"]?.arrayValue?.compactMap(\.doubleValue) ?? [] }

    /// Python's `format(s, "g")` for the sparsities the fixtures use (0.9, 0.99, 0.995, 0.98).
    public static func tag(_ s: Double) -> String {
        var t = String(format: "%g", s)
        if t.hasPrefix("-0") { t = "-" + t.dropFirst(2) }
        return t
    }

    /// Batch `i`: inputs and labels.
    public func batch(_ i: Int) throws -> (inputs: Tensor<Float>, labels: [Int]) {
        let x = try file.tensor("batch.\(i).input")
        let y = try file.integers("batch.\(i).label").map { Int($0) }
        return (x, y)
    }

    public func tensor(_ key: String) throws -> Tensor<Float> { try file.tensor(key) }

    /// A recorded float64-vs-float32 error (the "floor") from the metadata, or 0.
    public func floor(_ section: String, _ key: String) -> Double {
        meta[section]?[key]?.doubleValue ?? 0
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A new empty folder under the system's temporary directory (the caller removes it).
public func temporaryFolder(_ prefix: String = "pb-test") -> String {
    let f = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
    return f
}
