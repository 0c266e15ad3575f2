@preconcurrency import Glibc

/// Receives progress from the training loop.
public protocol TrainingProgress: AnyObject {
    func epochStarted(epoch: Int, of epochs: Int, batches: Int)
    func batchFinished(batch: Int, of batches: Int, loss: Double, accuracy: Double, imagesPerSecond: Double, eta: Double)
    func epochFinished(_ metrics: EpochMetrics)
    func finished(_ run: TrainingRun)
}

/// On a terminal: one line per epoch, rewritten in place while it runs (batch count, loss, accuracy,
/// images/s, ETA). Elsewhere (a log): plain lines, one every `plainInterval` seconds and one per
/// epoch, and a one-line summary at the end. Progress goes to the terminal or log only, never
/// into transcripts, which stay free of times.
public final class ConsoleProgress: TrainingProgress {
    private let interactive: Bool
    /// Seconds between plain progress lines when not interactive (nil: only the summary).
    private let plainInterval: Double?
    private let write: (String) -> Void
    private var epochLabel = ""
    private var lastDraw = 0.0
    /// A progress line is on the screen without its newline.
    private var lineOpen = false
    /// When the last plain line was written (0: none yet).
    private var lastPlainLine = 0.0

    /// `interactive` defaults to whether standard output is a terminal.
    public init(interactive: Bool = isatty(STDOUT_FILENO) != 0, plainInterval: Double? = nil,
                write: @escaping (String) -> Void = { s in
        fputs(s, stdout)
        fflush(stdout)
    }) {
        self.interactive = interactive
        self.plainInterval = interactive ? nil : plainInterval
        self.write = write
    }

    public func epochStarted(epoch: Int, of epochs: Int, batches: Int) {
        epochLabel = "epoch \(epoch)/\(epochs)"
        lastDraw = 0
    }

    public func batchFinished(batch: Int, of batches: Int, loss: Double, accuracy: Double, imagesPerSecond: Double, eta: Double) {
        if let interval = plainInterval {
            let t = Trainer.now()
            if lastPlainLine == 0 { lastPlainLine = t }
            guard t - lastPlainLine >= interval else { return }
            lastPlainLine = t
            write("\(epochLabel)  \(batch)/\(batches)  loss \(fmt(loss, 4))  acc \(pct(accuracy))  ETA \(fmt(eta, 1)) s\n")
            return
        }
        guard interactive else { return }
        let t = Trainer.now()
        guard batch == batches || t - lastDraw > 0.1 else { return }
        lastDraw = t
        lineOpen = true
        write("\r\u{1B}[2K" + "\(epochLabel)  \(batch)/\(batches)  loss \(fmt(loss, 4))  acc \(pct(accuracy))  "
              + "\(Int(imagesPerSecond)) img/s  ETA \(fmt(eta, 1)) s")
    }

    public func epochFinished(_ m: EpochMetrics) {
        guard interactive else { return }
        var line = "\r\u{1B}[2K\(epochLabel)  loss \(fmt(m.loss, 4))  train \(pct(m.trainAccuracy))"
        if let t = m.testAccuracy { line += "  test \(pct(t))" }
        line += "  \(fmt(m.seconds, 1)) s  \(Int(m.imagesPerSecond)) img/s\n"
        lineOpen = false
        write(line)
    }

    public func finished(_ run: TrainingRun) {
        // Interrupted: end the progress line so the caller's one message starts on its own line
        if run.cancelled {
            if lineOpen { write("\n") }
            lineOpen = false
            return
        }
        guard !interactive, let last = run.epochs.last else { return }
        var line = "trained \(run.epochs.count) epoch\(run.epochs.count == 1 ? "" : "s") (\(run.steps) steps) in \(fmt(run.seconds, 1)) s: loss \(fmt(last.loss, 4))"
        if let t = run.test { line += ", test accuracy \(pct(t.accuracy))" }
        write(line + "\n")
    }

    private func fmt(_ v: Double, _ digits: Int) -> String {
        let p = pow(10.0, Double(digits))
        let r = (v * p).rounded() / p
        var s = "\(r)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }

    private func pct(_ v: Double) -> String { fmt(v * 100, 2) + "%" }
}
