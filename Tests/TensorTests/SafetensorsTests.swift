import Foundation
import Tensor
import Testing

@Suite struct SafetensorsTests {
    /// A file from a hand-written header and data section.
    func file(header: String, data: [UInt8], pad: Bool = true) -> [UInt8] {
        var h = Array(header.utf8)
        while pad && h.count % 8 != 0 { h.append(0x20) }
        let n = UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    func expectError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try SafetensorsFile(bytes: bytes, path: "bad.safetensors")
        } throws: { error in
            let e = error as? SafetensorsError
            return e?.path == "bad.safetensors" && e?.message.contains(fragment) == true
        }
    }

    @Test func roundTripsEveryDType() throws {
        let w = Tensor<Float>(shape: [2, 3], scalars: [1, -2, 3.5, 0, -0.25, 1e-30])
        let items: [SafetensorsItem] = [
            .f32("layer.weight", w),
            .f64("scores", shape: [2], [0.1, -1e300]),
            .i64("labels", shape: [3], [0, -7, Int64.max]),
            .u8("mask.layer.weight", shape: [2, 3], [1, 0, 1, 1, 0, 0]),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        let path = dir.appendingPathComponent("sub/x.safetensors").path
        try SafetensorsWriter.write(items, metadata: ["format": "pt", "note": "é"], to: path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try SafetensorsFile(path: path)
        #expect(f.names == ["layer.weight", "scores", "labels", "mask.layer.weight"])
        #expect(f.metadata == ["format": "pt", "note": "é"])
        #expect(try f.tensor("layer.weight") == w)
        #expect(try f.tensor("scores").scalars == [0.1, -.infinity])
        #expect(try f.integers("labels") == [0, -7, Int64.max])
        #expect(try f.integers("mask.layer.weight") == [1, 0, 1, 1, 0, 0])
        #expect(f.entry("mask.layer.weight")?.shape == [2, 3])
        // the header is padded to 8 bytes, as the reference implementation writes it
        let raw = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(raw.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } % 8 == 0)
        // no temporary file left beside it
        let siblings = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path)
        #expect(siblings == ["x.safetensors"])
    }

    @Test func typeMismatchesAreErrors() throws {
        let f = try SafetensorsFile(bytes: SafetensorsWriter.encode([.u8("m", shape: [1], [1]), .f32("w", Tensor<Float>(scalar: 1))]))
        #expect(throws: SafetensorsError.self) { _ = try f.tensor("m") }
        #expect(throws: SafetensorsError.self) { _ = try f.integers("w") }
        #expect(throws: SafetensorsError.self) { _ = try f.tensor("nope") }
    }

    @Test func rejectsTruncatedLength() { expectError([1, 2, 3], "too short") }

    @Test func rejectsHugeHeader() {
        expectError([0, 0, 0, 0, 1, 0, 0, 0] + [UInt8](repeating: 0x20, count: 16), "exceeds the limit")
    }

    @Test func rejectsHeaderPastEnd() {
        expectError([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "runs past the end")
    }

    @Test func rejectsInvalidJSON() { expectError(file(header: "{\"a\": ", data: []), "not valid JSON") }

    @Test func rejectsDuplicateNames() {
        let h = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        expectError(file(header: h, data: [1, 2]), "duplicate key \"a\"")
    }

    @Test func rejectsUnknownDType() {
        expectError(file(header: #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                    "unsupported dtype C64")
    }

    @Test func rejectsSizeMismatch() {
        expectError(file(header: #"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: Array(repeating: 0, count: 12)),
                    "needs 16 bytes, data_offsets give 12")
    }

    @Test func rejectsOffsetsPastData() {
        expectError(file(header: #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, data: [1, 2]),
                    "run past the data section")
    }

    @Test func rejectsOverlap() {
        let h = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#
        expectError(file(header: h, data: [1, 2, 3]), "overlaps")
    }

    @Test func rejectsGap() {
        let h = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}"#
        expectError(file(header: h, data: [1, 2, 3]), "gap in the data section")
    }

    @Test func rejectsTrailingBytes() {
        expectError(file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1, 2]),
                    "tensors cover 1")
    }

    @Test func rejectsBadOffsetsAndShapes() {
        expectError(file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}"#, data: [1]), "out of order")
        expectError(file(header: #"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, data: [1]), "bad dimension")
        expectError(file(header: #"{"a":{"dtype":"U8","shape":[1]}}"#, data: [1]), "needs data_offsets")
        expectError(file(header: #"{"__metadata__":{"k":1}}"#, data: []), "is not a string")
        expectError(file(header: "[]", data: []), "not a JSON object")
    }

    @Test func writerRejectsInconsistentItems() {
        #expect(throws: SafetensorsError.self) {
            _ = try SafetensorsWriter.encode([SafetensorsItem(name: "a", dtype: .f32, shape: [2], bytes: [0, 0, 0, 0])])
        }
        #expect(throws: SafetensorsError.self) {
            _ = try SafetensorsWriter.encode([.u8("a", shape: [1], [1]), .u8("a", shape: [1], [1])])
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            _ = try SafetensorsFile(path: "/nonexistent/x.safetensors")
        } throws: { error in
            (error as? SafetensorsError)?.description.contains("/nonexistent/x.safetensors: cannot read") == true
        }
    }
}
