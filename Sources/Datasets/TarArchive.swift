/// Regular files of a POSIX (ustar) or old-style tar archive.
public enum TarArchive {
    /// Every regular file as (path, bytes), in archive order.
    public static func files(_ tar: [UInt8], path: String) throws(DatasetError) -> [(name: String, bytes: [UInt8])] {
        var out: [(String, [UInt8])] = []
        var offset = 0
        while offset + 512 <= tar.count {
            let header = tar[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }   // end-of-archive blocks
            func field(_ start: Int, _ length: Int) -> String {
                let bytes = header[(offset + start)..<(offset + start + length)].prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            var checksum = 0
            for (i, b) in header.enumerated() { checksum += (148..<156).contains(i) ? 32 : Int(b) }
            let recorded = Int(field(148, 8).trimmingCharacters(in: " "), radix: 8)
            guard recorded == checksum else { throw DatasetError(path: path, "tar header at byte \(offset) has a bad checksum") }
            guard let size = Int(field(124, 12).trimmingCharacters(in: " "), radix: 8) else {
                throw DatasetError(path: path, "tar header at byte \(offset) has a bad size")
            }
            let prefix = field(345, 155)
            let name = (field(257, 6).hasPrefix("ustar") && !prefix.isEmpty ? prefix + "/" : "") + field(0, 100)
            let type = header[offset + 156]
            let start = offset + 512
            guard start + size <= tar.count else { throw DatasetError(path: path, "tar entry \(name) is truncated") }
            if type == UInt8(ascii: "0") || type == 0 { out.append((name, Array(tar[start..<(start + size)]))) }
            offset = start + (size + 511) / 512 * 512
        }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
