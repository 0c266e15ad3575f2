import JSON
import Support

/// Element types of the safetensors format that Prunebook reads and writes.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f64 = "F64", f16 = "F16", i64 = "I64", i32 = "I32", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16: return 2
        case .u8, .bool: return 1
        }
    }
}

/// A malformed or unusable safetensors file: which file and what was wrong.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// One tensor's entry in a safetensors header.
public struct SafetensorsEntry: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range inside the data section.
    public let range: Range<Int>
}

/// A safetensors file read into memory and validated: 8-byte little-endian header length,
/// JSON header, then the data section. See https://github.com/huggingface/safetensors.
///
/// Checks: header length bounded and inside the file; JSON valid with no duplicate names;
/// known dtypes; non-negative shapes; dtype size × element count equals the byte length;
/// offsets inside the data section, contiguous from 0 and non-overlapping, covering it exactly.
public struct SafetensorsFile: Sendable {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    /// Entries in data order.
    public let entries: [SafetensorsEntry]
    /// The `__metadata__` string map.
    public let metadata: [String: String]
    private let data: [UInt8]
    private let dataStart: Int
    private let index: [String: Int]

    /// Reads and validates the file at `path`.
    public init(path: String) throws(SafetensorsError) {
        let bytes: [UInt8]
        do { bytes = try FileReader.bytes(atPath: path) } catch {
            throw SafetensorsError(path: path, message: error.reason)
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses and validates an in-memory file; `path` is used in error messages.
    public init(bytes: [UInt8], path: String = "<memory>") throws(SafetensorsError) {
        func fail(_ m: String) -> SafetensorsError { SafetensorsError(path: path, message: m) }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(SafetensorsFile.maxHeaderBytes) else {
            throw fail("header length \(n) exceeds the limit of \(SafetensorsFile.maxHeaderBytes) bytes")
        }
        guard 8 + Int(n) <= bytes.count else {
            throw fail("header length \(n) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerBytes = Array(bytes[8..<8 + Int(n)])
        let header: JSONValue
        do { header = try JSONParser.parse(headerBytes) } catch {
            throw fail("header is not valid JSON: \(error.message) (at header byte \(error.offset))")
        }
        guard let members = header.objectValue else { throw fail("header is not a JSON object") }
        let dataStart = 8 + Int(n)
        let dataCount = bytes.count - dataStart
        var entries: [SafetensorsEntry] = []
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard let pairs = value.objectValue else { throw fail("__metadata__ is not an object") }
                for (k, v) in pairs {
                    guard let s = v.stringValue else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard value.objectValue != nil else { throw fail("entry '\(name)' is not an object") }
            guard let dt = value["dtype"]?.stringValue else { throw fail("entry '\(name)' has no dtype") }
            guard let dtype = SafetensorsDType(rawValue: dt) else {
                throw fail("entry '\(name)' has unsupported dtype \(dt) (supported: "
                           + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let dims = value["shape"]?.arrayValue else { throw fail("entry '\(name)' has no shape") }
            var shape: [Int] = []
            var elements = 1
            for d in dims {
                guard let v = d.intValue, v >= 0 else { throw fail("entry '\(name)' has a bad dimension in its shape") }
                shape.append(v)
                let (p, overflow) = elements.multipliedReportingOverflow(by: v)
                guard !overflow else { throw fail("entry '\(name)' shape \(shape) is too large") }
                elements = p
            }
            guard let offs = value["data_offsets"]?.arrayValue, offs.count == 2,
                  let b = offs[0].intValue, let e = offs[1].intValue else {
                throw fail("entry '\(name)' needs data_offsets [begin, end]")
            }
            guard 0 <= b, b <= e else { throw fail("entry '\(name)' has data_offsets [\(b), \(e)] out of order") }
            guard e <= dataCount else {
                throw fail("entry '\(name)' data_offsets [\(b), \(e)] run past the data section (\(dataCount) bytes)")
            }
            let (want, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, want == e - b else {
                throw fail("entry '\(name)': \(dtype.rawValue) × shape \(shape) needs \(elements * dtype.size) bytes, "
                           + "data_offsets give \(e - b)")
            }
            entries.append(SafetensorsEntry(name: name, dtype: dtype, shape: shape, range: b..<e))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var end = 0
        for entry in entries {
            if entry.range.lowerBound < end {
                throw fail("entry '\(entry.name)' overlaps the previous tensor (offset \(entry.range.lowerBound) < \(end))")
            }
            if entry.range.lowerBound > end {
                throw fail("gap in the data section before '\(entry.name)' (bytes \(end)..<\(entry.range.lowerBound))")
            }
            end = entry.range.upperBound
        }
        guard end == dataCount else {
            throw fail("data section has \(dataCount) bytes but the tensors cover \(end)")
        }
        self.path = path
        self.entries = entries
        self.metadata = metadata
        self.data = bytes
        self.dataStart = dataStart
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// Tensor names in data order.
    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or nil.
    public func entry(_ name: String) -> SafetensorsEntry? { index[name].map { entries[$0] } }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    private func require(_ name: String) throws(SafetensorsError) -> SafetensorsEntry {
        guard let e = entry(name) else { throw SafetensorsError(path: path, message: "no tensor named '\(name)'") }
        return e
    }

    /// The raw little-endian bytes of a tensor.
    public func rawBytes(_ name: String) throws(SafetensorsError) -> ArraySlice<UInt8> {
        let e = try require(name)
        return data[(dataStart + e.range.lowerBound)..<(dataStart + e.range.upperBound)]
    }

    /// A floating-point tensor as Float32 (F64 and F16 are converted; integer types are not accepted).
    public func tensor(_ name: String) throws(SafetensorsError) -> Tensor<Float> { try tensor(name, as: Float.self) }

    /// A floating-point tensor in `Scalar` (an F64 tensor read as Double keeps every bit).
    public func tensor<Scalar: TensorScalar>(_ name: String, as: Scalar.Type) throws(SafetensorsError) -> Tensor<Scalar> {
        let e = try require(name)
        guard [.f32, .f64, .f16].contains(e.dtype) else {
            throw SafetensorsError(path: path, message: "tensor '\(name)' is \(e.dtype.rawValue), expected a float type")
        }
        let raw = try rawBytes(name)
        let n = TensorShape.count(of: e.shape)
        var out = Tensor<Scalar>(uninitialized: e.shape)
        raw.withUnsafeBytes { src in
            out.withUnsafeMutablePointer { dst in
                switch e.dtype {
                case .f64:
                    for i in 0..<n { dst[i] = Scalar(Double(bitPattern: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
                case .f16:
                    for i in 0..<n { dst[i] = Scalar(Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))) }
                default:
                    for i in 0..<n { dst[i] = Scalar(Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)) }
                }
            }
        }
        return out
    }

    /// An integer or boolean tensor as Int64 values.
    public func integers(_ name: String) throws(SafetensorsError) -> [Int64] {
        let e = try require(name)
        guard [.i64, .i32, .u8, .bool].contains(e.dtype) else {
            throw SafetensorsError(path: path, message: "tensor '\(name)' is \(e.dtype.rawValue), expected an integer type")
        }
        let raw = try rawBytes(name)
        let n = TensorShape.count(of: e.shape)
        return raw.withUnsafeBytes { src in
            switch e.dtype {
            case .i64: return (0..<n).map { Int64(bitPattern: src.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
            case .i32: return (0..<n).map { Int64(Int32(bitPattern: src.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian)) }
            default: return (0..<n).map { Int64(src[$0]) }
            }
        }
    }
}

/// A tensor to be written to a safetensors file.
public struct SafetensorsItem: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// Raw little-endian bytes with their dtype and shape (sizes are checked when writing).
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A Float32 tensor.
    public static func f32(_ name: String, _ t: Tensor<Float>) -> SafetensorsItem {
        SafetensorsItem(name: name, dtype: .f32, shape: t.shape,
                        bytes: t.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) })
    }

    /// Float64 values.
    public static func f64(_ name: String, shape: [Int], _ v: [Double]) -> SafetensorsItem {
        SafetensorsItem(name: name, dtype: .f64, shape: shape, bytes: v.withUnsafeBytes { Array($0) })
    }

    /// Int64 values.
    public static func i64(_ name: String, shape: [Int], _ v: [Int64]) -> SafetensorsItem {
        SafetensorsItem(name: name, dtype: .i64, shape: shape, bytes: v.withUnsafeBytes { Array($0) })
    }

    /// Bytes (masks are U8: 1 keeps a weight, 0 prunes it).
    public static func u8(_ name: String, shape: [Int], _ v: [UInt8]) -> SafetensorsItem {
        SafetensorsItem(name: name, dtype: .u8, shape: shape, bytes: v)
    }
}

/// Writes safetensors files.
public enum SafetensorsWriter {
    /// The file's bytes: tensors in the given order, header padded with spaces to a multiple of 8.
    public static func encode(_ items: [SafetensorsItem], metadata: [String: String] = [:]) throws(SafetensorsError) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var seen = Set<String>()
        var offset = 0
        for item in items {
            guard item.name != "__metadata__", seen.insert(item.name).inserted else {
                throw SafetensorsError(path: "<write>", message: "duplicate or reserved tensor name '\(item.name)'")
            }
            let want = TensorShape.count(of: item.shape) * item.dtype.size
            guard want == item.bytes.count else {
                throw SafetensorsError(path: "<write>", message: "tensor '\(item.name)': \(item.dtype.rawValue) × \(item.shape) needs \(want) bytes, got \(item.bytes.count)")
            }
            members.append((item.name, .object([
                ("dtype", .string(item.dtype.rawValue)),
                ("shape", .array(item.shape.map { .int($0) })),
                ("data_offsets", .array([.int(offset), .int(offset + item.bytes.count)])),
            ])))
            offset += item.bytes.count
        }
        var header = Array(JSONWriter.compact(.object(members)).utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let n = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out += header
        for item in items { out += item.bytes }
        return out
    }

    /// Writes `items` to `path` atomically (temporary file, then rename), creating parent folders.
    public static func write(_ items: [SafetensorsItem], metadata: [String: String] = [:], to path: String) throws(SafetensorsError) {
        let bytes = try encode(items, metadata: metadata)
        do { try AtomicFile.write(bytes, to: path, createFolders: true) } catch {
            throw SafetensorsError(path: path, message: error.reason)
        }
    }
}
