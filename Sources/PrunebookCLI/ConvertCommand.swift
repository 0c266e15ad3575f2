import ArgumentParser
import Notebook

/// `prunebook convert A B`: between a `.prune` script and an `.ipynb` notebook, either way,
/// or to a `.md` transcript; formats come from the extensions. Outputs survive
/// `.ipynb` → `.ipynb`/`.md` and are dropped in a `.prune` script.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert between .prune and .ipynb (or to .md), by file extension.")

    @Argument(help: "The notebook to read: .prune or .ipynb.")
    var input: String

    @Argument(help: "The file to write: .prune, .ipynb or .md.")
    var output: String

    func validate() throws {
        guard let f = NotebookFormat(path: input), f != .markdown else {
            throw ValidationError("cannot read '\(input)': expected a .prune or .ipynb file")
        }
        guard NotebookFormat(path: output) != nil else {
            throw ValidationError("cannot write '\(output)': expected a .prune, .ipynb or .md file")
        }
    }

    func run() throws {
        do {
            let notebook = try Notebook.read(path: input)
            try notebook.write(to: output, createFolders: true)
        } catch {
            throw CLIError("\(error)")
        }
        print("wrote \(output)")
    }
}
