import ArgumentParser
import Foundation
import Notebook
import Session
import Support

/// `prunebook demo`: a smoke test without files. It trains LeNet-300-100 on the bundled 8×8
/// digits with the reference recipe and reports test accuracy, as one PruneScript cell run
/// through the same session as the REPL and `run` (the CLI holds no engine code).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train LeNet-300-100 on the bundled digits and print its accuracy (a smoke test that writes no files; make demo replays the quickstart notebook).")

    @Option(help: "Seed for initialization and data order.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Training epochs.", valueName: "n"))
    var epochs = 20

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
    }

    /// The cell the demo runs.
    var source: String {
        """
        net = lenet300(input: [1, 8, 8], seed: \(seed))
        data = digits()
        print("lenet300 on the bundled digits: {data.train} train / {data.test} test images, {net.prunable} prunable weights")
        r = train(net, data, epochs: \(epochs), batch: 32, lr: 0.05, momentum: 0.9, wd: 5e-4, seed: \(seed))
        print("test accuracy {round(r.accuracy * 100, digits: 2)}% after {r.steps} steps");
        """
    }

    func run() throws {
        Interrupt.install()
        let session = NotebookSession(figures: FigureWriter(folder: "Plots", notebookName: "demo", transcriptFolder: "."),
                                      cancellation: Interrupt.token, progress: .forStandardError())
        session.onEvent = { event in if case .stdout(let text) = event { Terminal.out(text) } }
        let result = session.append(source)
        if let error = session.render(result) { throw CLIError(error) }
        if let core = session.transcript.metadata.prunebook?.blasCore { print("BLAS core \(core)") }
    }
}
