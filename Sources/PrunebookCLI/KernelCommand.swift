import ArgumentParser
import Foundation
import Kernel
import Session

/// `prunebook kernel -f CONNECTION_FILE` runs the Jupyter kernel; `prunebook kernel install`
/// writes its kernelspec.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run PruneScript as a Jupyter kernel (JupyterLab, jupyter console, nbclient).",
        discussion: "Install the kernelspec once with `prunebook kernel install`; Jupyter then starts `prunebook kernel -f <connection file>` itself.",
        subcommands: [Install.self])

    @Option(name: .customShort("f"), help: ArgumentHelp("The connection file Jupyter wrote.", valueName: "file"))
    var connectionFile: String?

    @OptionGroup var session: SessionOptions

    func run() throws {
        guard let connectionFile else {
            throw ValidationError("give the connection file with -f (Jupyter does), or run `prunebook kernel install`")
        }
        session.applyMemoryLimit()
        let kernel: Kernel
        do {
            let info = try ConnectionInfo.read(path: connectionFile)
            kernel = try Kernel(connection: info, figuresFolder: session.plots, notebookName: KernelCommand.notebookName(),
                                dataDirectory: session.dataFolder, historyPath: KernelHistory.defaultPath)
        } catch {
            FileHandle.standardError.write(Data("prunebook kernel: \(error)\n".utf8))
            throw ExitCode(2)
        }
        kernel.run()
    }

    /// Unnamed figures are `<name>-<cell>-<n>.svg`: the notebook's name when Jupyter says it
    /// (`JPY_SESSION_NAME`), else this kernel's, by start time and process.
    static func notebookName() -> String {
        if let path = ProcessInfo.processInfo.environment["JPY_SESSION_NAME"], !path.isEmpty {
            let base = NotebookPaths.baseName(path)
            if !base.isEmpty, !base.contains("/") { return base }
        }
        return "kernel" + Repl.sessionName().dropFirst("repl".count)
    }

    /// `prunebook kernel install [--user | --sys-prefix | --prefix DIR]`.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the prunescript kernelspec (kernel.json and logos).")

        @Flag(help: "Install for this user (the default): $JUPYTER_DATA_DIR or ~/.local/share/jupyter.")
        var user = false
        @Flag(help: "Install into the active virtual environment's share/jupyter.")
        var sysPrefix = false
        @Option(help: ArgumentHelp("Install into DIR/share/jupyter.", valueName: "dir"))
        var prefix: String?

        func validate() throws {
            if [user, sysPrefix, prefix != nil].filter({ $0 }).count > 1 {
                throw ValidationError("give one of --user, --sys-prefix and --prefix")
            }
        }

        func run() throws {
            let location: KernelSpec.Location = prefix.map { .prefix(FigureWriter.absolute($0)) } ?? (sysPrefix ? .sysPrefix : .user)
            do {
                let folder = try KernelSpec.install(executable: KernelSpec.executablePath, location: location)
                print("installed the prunescript kernelspec in \(folder)")
            } catch {
                FileHandle.standardError.write(Data("prunebook kernel install: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
