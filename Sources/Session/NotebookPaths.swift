/// Names and folders of notebook files.
package enum NotebookPaths {
    /// `x` for `Notebooks/x.prune`.
    package static func baseName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
        return String(last[..<dot])
    }

    /// `Notebooks` for `Notebooks/x.prune`, "." for `x.prune`.
    package static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
