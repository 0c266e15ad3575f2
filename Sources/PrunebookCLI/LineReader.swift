@preconcurrency import CReadline
import Foundation
@preconcurrency import Glibc
import Synchronization

/// Where the REPL's input lines come from: GNU readline on a terminal (editing, history, Ctrl-R,
/// tab completion), plain `readLine()` otherwise, so piped input is read without prompts or echo.
final class LineReader {
    /// Completion candidates for the word being typed: (word, whole line up to the cursor) → words.
    typealias Completer = (_ word: String, _ line: String) -> [String]

    let interactive: Bool
    private let historyPath: String?
    private let historyLimit: Int32 = 1000

    init(historyPath: String?, completer: @escaping Completer) {
        interactive = isatty(STDIN_FILENO) != 0
        self.historyPath = historyPath
        guard interactive else { return }
        LineReaderState.completer = completer
        rl_readline_name = UnsafePointer(strdup("prunebook"))
        rl_attempted_completion_function = lineReaderComplete
        // word breaks: a string's opening quote must not be part of the word, so paths complete inside strings
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n\"(),[]{}=+-*/<>:;"))
        rl_catch_signals = 0
        using_history()
        stifle_history(historyLimit)
        if let historyPath { _ = read_history(historyPath) }   // ENOENT on the first run is fine
    }

    /// The next line without its newline, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String? {
        guard interactive else { return Swift.readLine(strippingNewline: true) }
        Interrupt.inReadline.store(true, ordering: .relaxed)
        defer { Interrupt.inReadline.store(false, ordering: .relaxed) }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.allSatisfy(\.isWhitespace) { add_history(raw) }
        return line
    }

    /// Writes the history file (bounded).
    func close() {
        guard interactive, let historyPath else { return }
        _ = write_history(historyPath)
        _ = history_truncate_file(historyPath, historyLimit)
    }
}

/// readline's callbacks cannot capture context, so their state is global.
enum LineReaderState {
    nonisolated(unsafe) static var completer: LineReader.Completer = { _, _ in [] }
    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var next = 0
}

private let lineReaderGenerator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { text, state in
    if state == 0 {
        let word = text.map { String(cString: $0) } ?? ""
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let cursor = min(Int(rl_point), line.utf8.count)
        let upToCursor = String(decoding: Array(line.utf8.prefix(cursor)), as: UTF8.self)
        LineReaderState.matches = LineReaderState.completer(word, upToCursor)
        LineReaderState.next = 0
    }
    guard LineReaderState.next < LineReaderState.matches.count else { return nil }
    defer { LineReaderState.next += 1 }
    return strdup(LineReaderState.matches[LineReaderState.next])
}

private let lineReaderComplete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_attempted_completion_over = 1   // no fallback to readline's own filename completion
    return rl_completion_matches(text, lineReaderGenerator)
}

/// Ctrl-C: at the prompt it clears the line; while a cell runs it asks the running work to stop
/// between batches (the interpreter and the engine poll `requested`).
enum Interrupt {
    static let requested = Atomic<Bool>(false)
    static let inReadline = Atomic<Bool>(false)

    /// Installs the SIGINT handler.
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = interruptHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}

private let interruptHandler: @convention(c) (Int32) -> Void = { _ in
    if Interrupt.inReadline.load(ordering: .relaxed) {
        let s = "^C\n"
        _ = s.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        rl_on_new_line()
        rl_replace_line("", 0)
        rl_redisplay()
    } else {
        Interrupt.requested.store(true, ordering: .relaxed)
    }
}
