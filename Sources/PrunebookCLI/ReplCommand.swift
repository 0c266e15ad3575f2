import ArgumentParser
import Foundation
import Session

/// `prunebook` / `prunebook repl [--record FILE.ipynb]`: the interactive session.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "PruneScript at a prompt (the default): history, completion, Ctrl-C stops a cell, :help.")

    @Option(help: ArgumentHelp("Write the session's transcript here when it ends (.ipynb, .md or .prune).", valueName: "file"))
    var record: String?

    @OptionGroup var session: SessionOptions

    /// `~/.prunebook_history` (from `$HOME`).
    static var historyPath: String? {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home.isEmpty ? nil : FigureWriter.join(home, ".prunebook_history")
    }

    func run() throws {
        session.applyMemoryLimit()
        let repl = Repl(recordPath: record, plots: session.plots, dataDirectory: session.dataFolder, historyPath: ReplCommand.historyPath)
        let status = repl.run()
        if status != 0 { throw ExitCode(status) }
    }
}
