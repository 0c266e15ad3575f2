import Foundation
import Notebook
import Support

/// Writes the SVG figures cells display into the figures folder (`Plots/` or `--plots`),
/// atomically, and says how a transcript should link them.
///
/// Naming: a figure with a name (`plot(file: "a/b.svg")`) goes to `<folder>/<name>`, with
/// `.svg` appended when the name has no extension; an unnamed one is
/// `<folder>/<notebook>-<cell>-<n>.svg`, `n` counting the cell's unnamed figures from 1.
package struct FigureWriter {
    package init(folder: String, notebookName: String, transcriptFolder: String) {
        self.folder = folder
        self.notebookName = notebookName
        self.transcriptFolder = transcriptFolder
    }

    /// The figures folder as given (relative to the current directory, or absolute).
    package let folder: String
    /// The notebook's base name, for unnamed figures.
    package let notebookName: String
    /// The folder the Markdown transcript is written to; links are relative to it.
    package let transcriptFolder: String

    /// A figure on disk: where it was written and how the transcript links it.
    package struct Written: Equatable {
        /// The path written (as the user would type it: relative when the folder is).
        package var path: String
        /// The path relative to the transcript's folder (never absolute unless it must be).
        package var link: String
        /// The name inside the figures folder, e.g. `demo-2-1.svg`.
        package var name: String
    }

    /// The file name for a figure: `name` when given, else `<notebook>-<cell>-<n>.svg`.
    package func fileName(named name: String?, cell: Int, index: Int) -> String {
        guard let name, !name.isEmpty else { return "\(notebookName)-\(cell)-\(index).svg" }
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return last.contains(".") ? name : name + ".svg"
    }

    /// Writes `svg` for cell `cell` (its execution count); `index` numbers unnamed figures.
    package func write(_ svg: String, named name: String?, cell: Int, index: Int) throws -> Written {
        let file = fileName(named: name, cell: cell, index: index)
        let path = file.hasPrefix("/") ? file : FigureWriter.join(folder, file)
        try AtomicFile.write(svg, to: path, createFolders: true)
        return Written(path: path, link: FigureWriter.relativePath(from: transcriptFolder, to: path), name: file)
    }

    /// `a/b` from `a` and `b`, without doubling slashes; "" and "." folders vanish.
    package static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty || folder == "." { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// `target` relative to the folder `base` (both relative to the current directory or
    /// absolute), e.g. from `Notebooks` to `Plots/x.svg` is `../Plots/x.svg`.
    package static func relativePath(from base: String, to target: String) -> String {
        let b = components(absolute(base)), t = components(absolute(target))
        var common = 0
        while common < b.count, common < t.count - 1, b[common] == t[common] { common += 1 }
        let ups = Array(repeating: "..", count: b.count - common)
        return (ups + t[common...]).joined(separator: "/")
    }

    /// The notebook with its figure links rewritten for a transcript in `newFolder` instead of
    /// `oldFolder` (`:export` to another folder than `--record`'s).
    package static func relinked(_ notebook: Notebook, from oldFolder: String, to newFolder: String) -> Notebook {
        guard absolute(oldFolder) != absolute(newFolder) else { return notebook }
        var nb = notebook
        for i in nb.cells.indices {
            nb.cells[i].outputs = nb.cells[i].outputs.map { output in
                guard case let .displayData(svg, png, text, file?) = output, !file.hasPrefix("/") else { return output }
                return .displayData(svg: svg, png: png, text: text, file: relativePath(from: newFolder, to: join(oldFolder, file)))
            }
        }
        return nb
    }

    /// An absolute, standardized path (`..` and `.` resolved, no symlinks followed).
    package static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : join(FileManager.default.currentDirectoryPath, path)
        return URL(fileURLWithPath: full).standardized.path
    }

    private static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}
