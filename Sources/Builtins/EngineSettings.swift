import Foundation
import PruneScript
import Support

/// Where the engine builtins run: set by the CLI (the REPL or `prunebook run`) before cells run.
package final class EngineSettings {
    /// Folder that `plot(file:)` names are relative to and unnamed figures go to (the CLI writes them).
    package var figuresFolder: String
    /// Data directory for `dataset(...)` when the script gives no `root:` (nil: `PRUNEBOOK_DATA`, then ~/.prunebook/data).
    package var dataDirectory: String?
    /// How training and pruning show progress; transcripts stay clean whatever it is.
    package var progress: ProgressDisplay
    /// Writes progress text straight to the terminal or log (not into the transcript).
    package var progressSink: (String) -> Void
    /// The rows `publish` marked as the run's results (a sweep collects them into results.csv).
    package let publication = Publication()

    package init(figuresFolder: String = "Plots", dataDirectory: String? = nil, progress: ProgressDisplay = .off,
                 progressSink: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.figuresFolder = figuresFolder
        self.dataDirectory = dataDirectory
        self.progress = progress
        self.progressSink = progressSink
    }
}

extension BuiltinRegistry {
    /// Every builtin of Prunebook: the core language's and the engine's.
    package static func prunebook(settings: EngineSettings) -> BuiltinRegistry {
        var r = BuiltinRegistry.core
        r.registerEngine(settings: settings)
        // fractions of weights read better as percentages: 99.5%, not 0.995
        r.display = DisplayStyle(percentFields: ["sparsity", "density", "keep", "target_sparsity"])
        return r
    }
}

/// The results a run publishes with `publish(table)`, in order.
package final class Publication {
    package private(set) var rows: [RecordStorage] = []
    package init() {}
    package func append(_ new: [RecordStorage]) { rows += new }
}
