@preconcurrency import CReadline
import Foundation
@preconcurrency import Glibc
import Synchronization
import Support

/// Where the REPL's input lines come from: GNU readline on a terminal (editing, history, Ctrl-R,
/// tab completion), plain `readLine()` otherwise, so piped input is read without prompts or echo.
final class LineReader {
    /// Completion candidates for the word being typed: (word, whole line up to the cursor) →
    /// words that start with `word`, and whether readline should add a space after a unique one.
    typealias Completer = (_ word: String, _ line: String) -> (matches: [String], appendSpace: Bool)

    let interactive: Bool
    private let historyPath: String?
    private let historyLimit: Int32

    init(historyPath: String?, historyLimit: Int32 = 1000, completer: @escaping Completer) {
        interactive = isatty(STDIN_FILENO) != 0
        self.historyPath = historyPath
        self.historyLimit = historyLimit
        guard interactive else { return }
        LineReaderState.completer = completer
        rl_readline_name = UnsafePointer(strdup("prunebook"))
        rl_attempted_completion_function = lineReaderComplete
        // word breaks: a string's opening quote must not be part of the word, so paths complete inside strings
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n\"(),[]{}=+-*/<>:;&|~"))
        rl_catch_signals = 0
        rl_signal_event_hook = lineReaderSignalHook
        using_history()
        stifle_history(historyLimit)
        // a multi-line cell is one history entry: the file keeps entries apart by timestamps
        history_write_timestamps = 1
        history_multiline_entries = 1
        if let historyPath { _ = read_history(historyPath) }   // ENOENT on the first run is fine
    }

    /// The next line without its newline, or nil at end of input (Ctrl-D). `resetPrompt` is
    /// the prompt shown after Ctrl-C cleared the line (the REPL's primary prompt); when that
    /// happened, `interruptedAtPrompt` is true afterwards, so the REPL drops earlier lines
    /// of an unfinished cell.
    func readLine(prompt: String, resetPrompt: String? = nil) -> String? {
        guard interactive else { return Swift.readLine(strippingNewline: true) }
        LineReaderState.resetPrompt = resetPrompt ?? prompt
        LineReaderState.interrupted = false
        Interrupt.atPrompt.store(false, ordering: .relaxed)
        Interrupt.inReadline.store(true, ordering: .relaxed)
        defer { Interrupt.inReadline.store(false, ordering: .relaxed) }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Adds one history entry: a whole cell (Up recalls its lines together), a command or `?name`.
    func remember(_ entry: String) {
        guard interactive, !entry.allSatisfy(\.isWhitespace) else { return }
        add_history(entry)
    }

    /// Whether Ctrl-C cleared the line during the last `readLine`.
    var interruptedAtPrompt: Bool { LineReaderState.interrupted }

    /// The history lines, oldest first (for tests and `:history` fallbacks).
    var history: [String] {
        guard interactive, let list = history_list() else { return [] }
        var out: [String] = []
        var i = 0
        while let entry = list[i] {
            if let line = entry.pointee.line { out.append(String(cString: line)) }
            i += 1
        }
        return out
    }

    /// Writes the history file (bounded).
    func close() {
        guard interactive, let historyPath else { return }
        _ = write_history(historyPath)
        _ = history_truncate_file(historyPath, historyLimit)
    }
}

/// readline's callbacks cannot capture context, so their state is global (one REPL per process).
enum LineReaderState {
    nonisolated(unsafe) static var completer: LineReader.Completer = { _, _ in ([], true) }
    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var next = 0
    nonisolated(unsafe) static var resetPrompt = ""
    nonisolated(unsafe) static var interrupted = false
}

private let lineReaderGenerator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, _ in
    guard LineReaderState.next < LineReaderState.matches.count else { return nil }
    defer { LineReaderState.next += 1 }
    return strdup(LineReaderState.matches[LineReaderState.next])
}

private let lineReaderComplete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, end in
    rl_attempted_completion_over = 1   // no fallback to readline's own filename completion
    let word = text.map { String(cString: $0) } ?? ""
    var upToCursor = ""
    if let buffer = rl_line_buffer {
        let count = max(0, Int(end))
        upToCursor = String(decoding: UnsafeRawBufferPointer(start: buffer, count: count).bindMemory(to: UInt8.self), as: UTF8.self)
    }
    let (matches, appendSpace) = LineReaderState.completer(word, upToCursor)
    LineReaderState.matches = matches
    LineReaderState.next = 0
    if !appendSpace { rl_completion_suppress_append = 1 }
    return rl_completion_matches(text, lineReaderGenerator)
}

/// Called by readline (outside the signal handler) when a read was interrupted by a signal:
/// Ctrl-C at the prompt prints `^C`, clears the line and shows the primary prompt again.
private let lineReaderSignalHook: @convention(c) () -> Int32 = {
    if Interrupt.atPrompt.exchange(false, ordering: .relaxed) {
        let s = "^C\n"
        _ = s.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        LineReaderState.interrupted = true
        rl_on_new_line()
        rl_replace_line("", 0)
        rl_point = 0
        rl_end = 0
        _ = LineReaderState.resetPrompt.withCString { rl_set_prompt($0) }
        rl_redisplay()
    }
    return 0
}

/// Ctrl-C: at the prompt it clears the line; while a cell runs it cancels `token`, which the
/// interpreter polls in loops and calls and the engine between batches, so the cell ends with
/// an `Interrupted` error and the session keeps its variables.
enum Interrupt {
    /// Set by Ctrl-C outside readline (kept for code that polls it directly).
    static let requested = Atomic<Bool>(false)
    static let inReadline = Atomic<Bool>(false)
    /// Ctrl-C arrived during readline; its signal hook does the redisplay.
    static let atPrompt = Atomic<Bool>(false)
    /// The process's cancellation flag: the interpreter and the engine poll it.
    static let token = CancellationToken()

    /// Installs the SIGINT handler (no `SA_RESTART`, so readline's read returns EINTR and
    /// calls its signal hook).
    static func install() {
        _ = token.isCancelled   // initialize the global before a signal handler touches it
        InterruptState.mainThread = pthread_self()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = interruptHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // a parent (a test runner, a CI shell) may have left SIGINT blocked
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

/// The thread that reads lines: a SIGINT may be delivered to any thread (OpenBLAS and
/// Dispatch have their own), but only the reading thread's `read` returns EINTR so that
/// readline calls its signal hook, so the handler forwards it there.
enum InterruptState {
    nonisolated(unsafe) static var mainThread: pthread_t?
}

private let interruptHandler: @convention(c) (Int32) -> Void = { signal in
    if let main = InterruptState.mainThread, pthread_equal(main, pthread_self()) == 0 {
        pthread_kill(main, signal)
        return
    }
    if Interrupt.inReadline.load(ordering: .relaxed) {
        Interrupt.atPrompt.store(true, ordering: .relaxed)
    } else {
        Interrupt.requested.store(true, ordering: .relaxed)
        Interrupt.token.cancel()
    }
}
