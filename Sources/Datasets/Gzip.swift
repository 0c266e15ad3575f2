import CZlib

/// gzip decompression through zlib.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed bytes of a gzip stream (concatenated members are joined, as gunzip does).
    /// `path` names the file in errors.
    public static func decompress(_ bytes: [UInt8], path: String, limit: Int = 1 << 31) throws(DatasetError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: any window size, gzip or zlib header detected automatically
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(path: path, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp -> Int32 in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            while true {
                let rc: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = UInt32(buf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                out.append(contentsOf: chunk[0..<produced])
                if out.count > limit { return Z_MEM_ERROR }
                if rc == Z_STREAM_END {
                    if stream.avail_in == 0 { return Z_STREAM_END }
                    // another gzip member follows
                    guard inflateReset(&stream) == Z_OK else { return Z_DATA_ERROR }
                    continue
                }
                if rc != Z_OK { return rc }
                if stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
            }
        }
        switch status {
        case Z_STREAM_END: return out
        case Z_BUF_ERROR: throw DatasetError(path: path, "gzip data is truncated")
        case Z_MEM_ERROR: throw DatasetError(path: path, "decompressed data exceeds \(limit) bytes")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "code \(status)"
            throw DatasetError(path: path, "gzip data is corrupt (\(reason))")
        }
    }

    /// gzip-compresses `bytes` (one member, default level).
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip header and trailer
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { buf in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = buf.baseAddress
                stream.avail_out = UInt32(buf.count)
                return deflate(&stream, Z_FINISH) == Z_STREAM_END ? buf.count - Int(stream.avail_out) : 0
            }
        }
        return Array(out.prefix(produced))
    }
}
