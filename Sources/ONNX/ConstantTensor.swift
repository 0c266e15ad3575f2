import Foundation
import Support

/// A tensor known when the file is read (an initializer, a Constant, or a folded shape
/// computation), held in Double: float data exactly as stored, integers exactly below 2⁵³.
struct ConstantTensor {
    var shape: [Int]
    /// Integer element type (shapes, indices, axes).
    var isInteger: Bool
    /// Float32 data as the file stores it (weights), widened only when read as `values`: a
    /// network's weights are never held in Double while it is read.
    private var storedFloats: [Float]?
    private var storedValues: [Double]

    /// The values in Double (widened from float32 on each read: for shapes and small constants).
    var values: [Double] {
        get { storedFloats.map { $0.map(Double.init) } ?? storedValues }
        set { storedValues = newValue; storedFloats = nil }
    }

    /// The values in Float (exactly as stored for float32 data).
    var floats: [Float] { storedFloats ?? storedValues.map { Float($0) } }

    var count: Int { storedFloats?.count ?? storedValues.count }
    /// The values as integers, clamped to ±2⁶² (exporters write INT64_MAX for "to the end"; NaN reads as 0).
    var ints: [Int] {
        values.map { v in v.isNaN ? 0 : v >= 0x1p62 ? 1 << 62 : v <= -0x1p62 ? -(1 << 62) : Int(v) }
    }

    init(shape: [Int], values: [Double], isInteger: Bool) {
        (self.shape, self.storedValues, self.isInteger) = (shape, values, isInteger)
    }

    init(ints: [Int], shape: [Int]? = nil) {
        self.init(shape: shape ?? [ints.count], values: ints.map(Double.init), isInteger: true)
    }

    /// The element count of `shape`, or nil when a dimension is negative or the count passes
    /// `maxElements` (checked as it multiplies, so a hostile shape cannot overflow).
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { return nil }
            n = p
        }
        return n
    }

    /// Largest tensor read from a file, in elements (2³¹: 8 GiB of Float32 is far beyond any
    /// classification network, and refusing earlier keeps a hostile header from allocating).
    static let maxElements = 1 << 31

    /// Decodes a TensorProto: float, double, float16 and integer types, inline or as external data
    /// in `folder` (paths confined to it). Sizes are checked before anything is allocated.
    init(_ t: Onnx_TensorProto, external: ExternalData, fail: (String) -> ONNXError) throws(ONNXError) {
        var count = 1
        for d in t.dims {
            guard d >= 0, d <= Int64(ConstantTensor.maxElements) else { throw fail("tensor '\(t.name)' has dimension \(d)") }
            let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, c <= ConstantTensor.maxElements else {
                throw fail("tensor '\(t.name)' of shape \(t.dims) has too many elements")
            }
            count = c
        }
        shape = t.dims.map { Int($0) }
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) else {
            throw fail("tensor '\(t.name)' has unknown data type \(t.dataType)")
        }
        let size: Int
        switch type {
        case .float, .int32: size = 4
        case .double, .int64: size = 8
        case .float16: size = 2
        case .bool, .uint8, .int8: size = 1
        default: throw fail("tensor '\(t.name)' has unsupported data type \(type)")
        }
        isInteger = ![.float, .double, .float16].contains(type)
        var raw: Data?
        if t.dataLocation == .external {
            raw = try external.bytes(of: t, expected: count * size, fail: fail)
        } else if t.hasRawData {
            raw = t.rawData
        }
        if let raw {
            guard raw.count == count * size else {
                throw fail("tensor '\(t.name)' of shape \(t.dims) needs \(count * size) bytes, has \(raw.count)")
            }
            if type == .float {
                storedFloats = raw.withUnsafeBytes { b in
                    (0..<count).map { Float(bitPattern: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
                }
                storedValues = []
                return
            }
            storedValues = raw.withUnsafeBytes { b -> [Double] in
                (0..<count).map { i in
                    switch type {
                    case .float: Double(Float(bitPattern: b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian))
                    case .double: Double(bitPattern: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)
                    case .int64: Double(Int64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                    case .int32: Double(Int32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                    case .float16: Double(Float16(bitPattern: b.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
                    case .int8: Double(Int8(bitPattern: b[i]))
                    default: Double(b[i])
                    }
                }
            }
            return
        }
        storedValues = []
        switch type {
        case .float: storedFloats = t.floatData
        case .double: storedValues = t.doubleData
        case .int64: storedValues = t.int64Data.map(Double.init)
        case .int32, .bool, .uint8, .int8: storedValues = t.int32Data.map(Double.init)
        case .float16: storedValues = t.int32Data.map { Double(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }
        default: break
        }
        guard self.count == count else {
            throw fail("tensor '\(t.name)' of shape \(t.dims) holds \(self.count) values, expected \(count)")
        }
    }
}

/// The external-data files of one model (weights stored beside it), each read once.
final class ExternalData {
    /// The model's folder: every location is relative to it and must stay inside it.
    let folder: String
    private var files: [String: [UInt8]] = [:]

    init(folder: String) { self.folder = folder }

    /// The bytes of an external-data tensor: `location` relative to the model's folder (no
    /// absolute paths, no `..`, no symbolic link leading out), `offset` and `length` inside the file.
    func bytes(of t: Onnx_TensorProto, expected: Int, fail: (String) -> ONNXError) throws(ONNXError) -> Data {
        var entries: [String: String] = [:]
        for e in t.externalData { entries[e.key] = e.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw fail("tensor '\(t.name)' is external but names no location")
        }
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.contains("\\"), !parts.contains(".."), !location.contains("\0") else {
            throw fail("tensor '\(t.name)': external data path '\(location)' leaves the model's folder")
        }
        let root = folder.isEmpty ? "." : folder
        let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        let path = URL(fileURLWithPath: root + "/" + location).resolvingSymlinksInPath().path
        guard path.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw fail("tensor '\(t.name)': external data path '\(location)' leads out of the model's folder")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? expected
        guard offset >= 0, length == expected, !offset.addingReportingOverflow(length).overflow else {
            throw fail("tensor '\(t.name)': external data offset \(entries["offset"] ?? "0") and length \(entries["length"] ?? "-") "
                       + "do not give the \(expected) bytes it needs")
        }
        let file: [UInt8]
        if let cached = files[path] {
            file = cached
        } else {
            do { file = try FileReader.bytes(atPath: path) } catch { throw fail("tensor '\(t.name)': external data: \(error)") }
            files[path] = file
        }
        guard file.count >= offset + length else {
            throw fail("tensor '\(t.name)': external data file '\(location)' has \(file.count) bytes, needs \(offset + length)")
        }
        return Data(file[offset..<(offset + length)])
    }
}
