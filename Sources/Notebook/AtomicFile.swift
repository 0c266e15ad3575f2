#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file writing: the bytes go to a temporary file in the destination's folder,
/// are flushed to disk, then renamed over the destination, so readers (and an interrupted
/// run) see the old file or the new one, never a partial one.
public enum AtomicFile {
    /// Writes `text` as UTF-8 to `path`. With `createFolders`, missing parent folders are made.
    public static func write(_ text: String, to path: String, createFolders: Bool = false) throws(NotebookFileError) {
        try write(Array(text.utf8), to: path, createFolders: createFolders)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String, createFolders: Bool = false) throws(NotebookFileError) {
        let folder = parentFolder(path)
        if createFolders { try makeFolders(folder, for: path) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        // Hidden, unique per process and attempt; O_EXCL refuses to reuse a stray one.
        var tmp = ""
        var fd: Int32 = -1
        for attempt in 0..<100 {
            tmp = (folder.isEmpty ? "" : folder + "/") + ".\(name).tmp-\(getpid())-\(attempt)"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw NotebookFileError(path: path, message: "cannot create a temporary file: \(errorText())") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let message = errorText()
                close(fd)
                unlink(tmp)
                throw NotebookFileError(path: path, message: "cannot write: \(message)")
            }
            written += n
        }
        if fsync(fd) != 0 {
            let message = errorText()
            close(fd)
            unlink(tmp)
            throw NotebookFileError(path: path, message: "cannot flush to disk: \(message)")
        }
        close(fd)
        if rename(tmp, path) != 0 {
            let message = errorText()
            unlink(tmp)
            throw NotebookFileError(path: path, message: "cannot replace the file: \(message)")
        }
    }

    /// Reads a whole file as UTF-8 text.
    public static func read(_ path: String) throws(NotebookFileError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NotebookFileError(path: path, message: "cannot open: \(errorText())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw NotebookFileError(path: path, message: "cannot read: \(errorText())")
            }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NotebookFileError(path: path, message: "not valid UTF-8 text")
        }
        return text
    }

    static func parentFolder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func makeFolders(_ folder: String, for path: String) throws(NotebookFileError) {
        guard !folder.isEmpty else { return }
        var prefix = folder.hasPrefix("/") ? "/" : ""
        for part in folder.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw NotebookFileError(path: path, message: "cannot create folder \(prefix): \(errorText())")
            }
            prefix += "/"
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

// Inside AtomicFile, `read` and `write` name the static methods; these reach the C functions.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buf, count) }
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }
