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

    /// `terminal` on a terminal, `plainLines` elsewhere.
    public static func forStandardError() -> ProgressDisplay { isatty(STDERR_FILENO) != 0 ? .terminal : .plainLines }

    /// Seconds between plain lines.
    public static let plainInterval = 5.0
}
