import ArgumentParser

/// The `prunebook` command: a notebook-style REPL for pruning at initialization, and its tools.
public struct Prunebook: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "prunebook",
        abstract: "Prune neural networks at initialization, at a prompt or from a script.",
        version: version,
        subcommands: [ReplCommand.self, RunCommand.self, CheckCommand.self, ConvertCommand.self,
                      Demo.self, DataCommand.self, Bench.self],
        defaultSubcommand: ReplCommand.self
    )

    public init() {}
}
