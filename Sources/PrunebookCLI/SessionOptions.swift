import ArgumentParser
import Foundation
import Notebook
import Support

/// Options every command that runs cells shares (`repl`, `run`, and the kernel and the sweep
/// after them): where figures go and where data sets are found.
struct SessionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder for figures; plot(file:) names are relative to it.", valueName: "dir"))
    var plots: String = "Plots"

    @Option(name: .customLong("data"), help: ArgumentHelp("Data folder (default: $PRUNEBOOK_DATA, else ~/.prunebook/data).", valueName: "dir"))
    var dataFolder: String?

    @Option(help: ArgumentHelp("Memory Prunebook may use, e.g. 8G (default: $PRUNEBOOK_MEMORY, else the cgroup limit, else the machine's); larger networks are refused before they are built.",
                               valueName: "size"))
    var memory: String?

    func validate() throws {
        if let memory, MemoryBudget.parse(memory).map({ $0 > 0 }) != true {
            throw ValidationError("--memory must be a size such as 8G, 512M or 2000000000, got '\(memory)'")
        }
    }

    /// Makes `--memory` the budget of this process and of what it starts.
    func applyMemoryLimit() {
        if let memory { setenv("PRUNEBOOK_MEMORY", memory, 1) }
    }
}

/// A transcript `run` can write.
enum TranscriptFormat: String, CaseIterable, ExpressibleByArgument {
    case ipynb
    case md

    init?(argument: String) {
        let name = argument.trimmingCharacters(in: .whitespaces).lowercased()
        self.init(rawValue: name == "markdown" ? "md" : name)
    }

    var notebookFormat: NotebookFormat {
        switch self {
        case .ipynb: .ipynb
        case .md: .markdown
        }
    }

    /// `ipynb,md` → [.ipynb, .md]: in the order given, without repeats; an unknown or empty
    /// list is an error naming the choices.
    static func list(_ text: String) throws -> [TranscriptFormat] {
        var out: [TranscriptFormat] = []
        for part in text.split(separator: ",") {
            guard let f = TranscriptFormat(argument: String(part)) else {
                let known = allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown format '\(part.trimmingCharacters(in: .whitespaces).lowercased())' in --formats; known: \(known)")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw ValidationError("--formats is empty; give ipynb, md or both") }
        return out
    }
}
