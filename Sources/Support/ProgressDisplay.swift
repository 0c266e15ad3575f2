#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long-running work (training, FORCE…) shows progress: never in transcripts, only on the
/// terminal or in a log.
public enum ProgressDisplay: Sendable {
    /// Nothing (tests, the kernel's own displays).
    case off
    /// A line rewritten in place (a terminal).
    case terminal
    /// Plain lines, one every few seconds (a log file or a pipe).
    case plainLines
    /// Whole lines, each replacing the last in a display the front end updates (the Jupyter
    /// kernel's `update_display_data`), a few a second.
    case live

    /// `terminal` on a terminal, `plainLines` elsewhere.
    public static func forStandardError() -> ProgressDisplay { isatty(STDERR_FILENO) != 0 ? .terminal : .plainLines }

    /// Seconds between plain lines.
    public static let plainInterval = 5.0
    /// Seconds between live updates.
    public static let liveInterval = 0.5

    /// Seconds between whole progress lines (nil: none, or redrawn in place).
    public var lineInterval: Double? {
        switch self {
        case .off, .terminal: nil
        case .plainLines: ProgressDisplay.plainInterval
        case .live: ProgressDisplay.liveInterval
        }
    }
}
