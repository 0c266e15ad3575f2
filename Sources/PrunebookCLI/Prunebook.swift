import ArgumentParser
import Session
import Tensor

/// The `prunebook` command: a notebook-style REPL for pruning at initialization, and its tools.
package struct Prunebook: ParsableCommand {
    package static let version = PrunebookVersion.current

    package static let configuration = CommandConfiguration(
        commandName: "prunebook",
        abstract: "Prune neural networks at initialization, at a prompt or from a script.",
        version: version,
        subcommands: [ReplCommand.self, RunCommand.self, CheckCommand.self, ConvertCommand.self,
                      Demo.self, DataCommand.self, Bench.self, SweepCommand.self, KernelCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    package init() {}
}

extension Prunebook {
    /// The program's entry point: first gives OpenBLAS the right kernels where it did not
    /// recognise the CPU (see `BLASKernel`), then runs the command line.
    package static func start() {
        BLASKernel.relaunchWithPreferredKernel()
        main()
    }
}
