import Glibc

/// An error reading or writing a file, with the path and the system's reason.
public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Writes whole files atomically: the bytes go to a temporary file in the same folder,
/// which is then renamed over the target, so a reader (or a crash) never sees half a file.
public enum AtomicFile {
    /// Writes `bytes` to `path`, creating missing parent folders when `createFolders` is set.
    public static func write(_ bytes: [UInt8], to path: String, createFolders: Bool = true) throws(FileError) {
        let folder = parentFolder(of: path)
        if createFolders, !folder.isEmpty { try makeFolders(folder) }
        var template = Array((folder.isEmpty ? "" : folder + "/").utf8CString.dropLast())
        template += Array(".\(baseName(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: path, reason: systemError()) }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = systemError()
                close(fd)
                throw FileError(path: path, reason: reason)
            }
            written += n
        }
        fchmod(fd, 0o644)
        if close(fd) != 0 { throw FileError(path: path, reason: systemError()) }
        guard rename(tmp, path) == 0 else { throw FileError(path: path, reason: systemError()) }
        ok = true
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String, createFolders: Bool = true) throws(FileError) {
        try write(Array(text.utf8), to: path, createFolders: createFolders)
    }

    /// Creates `folder` and its missing parents (like `mkdir -p`).
    public static func makeFolders(_ folder: String) throws(FileError) {
        var prefix = folder.hasPrefix("/") ? "/" : ""
        for part in folder.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileError(path: folder, reason: systemError())
            }
            var st = stat()
            if stat(prefix, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
                throw FileError(path: folder, reason: "\(prefix) is not a folder")
            }
            prefix += "/"
        }
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}

/// Reads a whole file.
public enum FileReader {
    /// The bytes of the file at `path`, or an error naming the path and the reason.
    public static func bytes(atPath path: String) throws(FileError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw FileError(path: path, reason: AtomicFile.systemError()) }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0 else { throw FileError(path: path, reason: AtomicFile.systemError()) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a folder, not a file") }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        let n = out.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n < out.count { out.removeSubrange(n...) }
        return out
    }
}
