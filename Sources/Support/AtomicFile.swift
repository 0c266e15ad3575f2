#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be read or written: the path and the system's reason.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Writes whole files atomically and durably: the bytes go to a temporary file in the
/// destination's folder, are flushed to disk (`fsync`), then renamed over the destination,
/// and the folder is flushed so the rename itself survives a crash. A reader, an interrupted
/// run or a power cut sees the old file or the new one, never a partial one. The one writer
/// every module uses (notebooks, figures, safetensors, data files, results).
public enum AtomicFile {
    /// Writes `text` as UTF-8 to `path`. With `createFolders`, missing parent folders are made.
    public static func write(_ text: String, to path: String, createFolders: Bool = false) throws(FileError) {
        try write(Array(text.utf8), to: path, createFolders: createFolders)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String, createFolders: Bool = false) throws(FileError) {
        let folder = parentFolder(of: path)
        if createFolders { try makeFolders(folder) }
        let name = baseName(of: path)
        guard !name.isEmpty else { throw FileError(path: path, reason: "is a folder, not a file name") }
        // Hidden, unique per process and attempt; O_EXCL refuses to reuse a stray one.
        var tmp = ""
        var fd: Int32 = -1
        for attempt in 0..<100 {
            tmp = (folder.isEmpty ? "" : folder == "/" ? "/" : folder + "/") + ".\(name).tmp-\(getpid())-\(attempt)"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw FileError(path: path, reason: "cannot create a temporary file: \(systemError())") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = systemError()
                close(fd)
                unlink(tmp)
                throw FileError(path: path, reason: "cannot write: \(reason)")
            }
            written += n
        }
        if fsync(fd) != 0 {
            let reason = systemError()
            close(fd)
            unlink(tmp)
            throw FileError(path: path, reason: "cannot flush to disk: \(reason)")
        }
        if close(fd) != 0 {
            let reason = systemError()
            unlink(tmp)
            throw FileError(path: path, reason: "cannot write: \(reason)")
        }
        if rename(tmp, path) != 0 {
            let reason = systemError()
            unlink(tmp)
            throw FileError(path: path, reason: "cannot replace the file: \(reason)")
        }
        syncFolder(folder.isEmpty ? "." : folder)
    }

    /// Reads a whole file as UTF-8 text.
    public static func read(_ path: String) throws(FileError) -> String {
        let bytes = try FileReader.bytes(atPath: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileError(path: path, reason: "not valid UTF-8 text")
        }
        return text
    }

    /// Creates `folder` and its missing parents (like `mkdir -p`).
    public static func makeFolders(_ folder: String) throws(FileError) {
        guard !folder.isEmpty else { return }
        var prefix = folder.hasPrefix("/") ? "/" : ""
        for part in folder.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileError(path: folder, reason: "cannot create folder \(prefix): \(systemError())")
            }
            var st = stat()
            if stat(prefix, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
                throw FileError(path: folder, reason: "\(prefix) is not a folder")
            }
            prefix += "/"
        }
    }

    /// `a/b` for `a/b/c.txt`, "/" for `/c.txt`, "" for `c.txt`.
    public static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Flushes a folder's entries (the rename) to disk; best effort, as some file systems refuse.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}

/// Reads whole files.
public enum FileReader {
    /// Largest file `bytes(atPath:)` reads unless told otherwise (4 GiB): a path to a device or
    /// a file that keeps growing ends in an error, not in a process that reads until it is killed.
    public static let defaultLimit = 1 << 32

    /// The bytes of the file at `path` (at most `limit` of them), or an error naming the path and the reason.
    public static func bytes(atPath path: String, limit: Int = defaultLimit) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, reason: "cannot read: \(AtomicFile.systemError())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(path: path, reason: AtomicFile.systemError()) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a folder, not a file") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(limit, max(0, Int(st.st_size))))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: "cannot read: \(AtomicFile.systemError())")
            }
            if n == 0 { break }
            guard bytes.count + n <= limit else {
                throw FileError(path: path, reason: "cannot read: more than \(FileReader.describe(limit)) (the reader's limit)")
            }
            bytes += chunk[..<n]
        }
        return bytes
    }

    /// "1 MiB", "4 GiB", or bytes.
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        return "\(bytes) bytes"
    }
}

// Inside AtomicFile, `read` and `write` name the static methods; these reach the C functions.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buf, count) }
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }
