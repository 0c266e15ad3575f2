@preconcurrency import Glibc
import Foundation

/// Figures shown inline in the REPL, on terminals that can draw images: the kitty graphics
/// protocol (kitty, Ghostty, WezTerm), iTerm2's inline images (iTerm2, WezTerm, Konsole) or
/// sixel (xterm -ti vt340, mlterm, foot…). Support is asked of the terminal itself, never
/// guessed from `TERM`: at start-up, before the first prompt, the REPL sends a kitty graphics
/// query, XTVERSION and primary device attributes (which every terminal answers, so the wait
/// ends as soon as the answer is in), and reads the replies for up to a second. Under tmux or
/// screen, when output is not a terminal, or without an answer, figures print their path.
/// `PRUNEBOOK_INLINE_IMAGES=off|kitty|iterm2|sixel` overrides the detection.
final class TerminalImages {
    enum Kind: String, CaseIterable {
        case kitty, iterm2, sixel
    }

    let kind: Kind

    init(kind: Kind) { self.kind = kind }

    /// The queries, in one write: kitty's graphics query for a 1×1 image, XTVERSION, then DA1.
    static let queries = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\" + "\u{1B}[>0q" + "\u{1B}[c"

    /// Which kind of images the terminal's replies announce, or nil; `complete` is whether the
    /// DA1 reply (the last one) has arrived.
    static func parse(_ reply: [UInt8]) -> (kind: Kind?, complete: Bool) {
        let text = String(decoding: reply, as: UTF8.self)
        // DA1: ESC [ ? params c
        var da1: [String]?
        if let r = text.range(of: "\u{1B}[?") {
            let rest = text[r.upperBound...]
            if let end = rest.firstIndex(of: "c") {
                da1 = rest[..<end].split(separator: ";").map(String.init)
            }
        }
        if text.contains("\u{1B}_Gi=31;OK") { return (.kitty, da1 != nil) }
        // XTVERSION: ESC P > | name … ESC \ (or BEL)
        if let r = text.range(of: "\u{1B}P>|") {
            let name = text[r.upperBound...].prefix { $0 != "\u{1B}" && $0 != "\u{07}" }.lowercased()
            if ["iterm2", "wezterm", "konsole"].contains(where: { name.hasPrefix($0) }) { return (.iterm2, da1 != nil) }
        }
        if let da1, da1.contains("4") { return (.sixel, true) }
        return (nil, da1 != nil)
    }

    /// Asks the terminal on standard input and output; nil when it draws no images (or this is
    /// no place to ask: not a terminal, in the background, inside tmux or screen, `TERM=dumb`).
    static func detect(environment: [String: String] = ProcessInfo.processInfo.environment,
                       timeout: Double = 1.0) -> TerminalImages? {
        let setting = environment["PRUNEBOOK_INLINE_IMAGES"]?.lowercased() ?? "auto"
        if setting == "off" { return nil }
        if let forced = Kind(rawValue: setting) { return TerminalImages(kind: forced) }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0, tcgetpgrp(STDIN_FILENO) == getpgrp() else { return nil }
        let term = environment["TERM"] ?? ""
        if term.isEmpty || term == "dumb" || term == "linux" || environment["TMUX"] != nil
            || term.hasPrefix("screen") || term.hasPrefix("tmux") { return nil }

        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
        defer { _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved) }

        let q = Array(queries.utf8)
        guard q.withUnsafeBytes({ write(STDOUT_FILENO, $0.baseAddress, $0.count) }) == q.count else { return nil }
        var reply: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fds, 1, wait) > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            reply += buffer[..<n]
            if parse(reply).complete { break }
        }
        // a terminal that printed the kitty query as text: clear the line it left
        let clear = Array("\r\u{1B}[2K".utf8)
        _ = clear.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        return parse(reply).kind.map(TerminalImages.init)
    }

    /// Draws the figure's PNG at the cursor, then a new line; false when it could not, and the
    /// caller prints the path instead.
    func show(png: [UInt8]) -> Bool {
        guard !png.isEmpty else { return false }
        let bytes: [UInt8]
        switch kind {
        case .kitty: bytes = Array(Self.kitty(png: png).utf8)
        case .iterm2: bytes = Array(Self.iterm2(png: png).utf8)
        case .sixel:
            guard let sixel = Self.run("img2sixel", ["-"], input: png), !sixel.isEmpty else { return false }
            bytes = sixel
        }
        FileHandle.standardOutput.write(Data(bytes + Array("\n".utf8)))
        return true
    }

    /// Kitty graphics: the PNG in base64 chunks of 4096 (`m=1` on all but the last), displayed at
    /// the cursor, replies suppressed (`q=2`) so nothing lands in readline's input.
    static func kitty(png: [UInt8]) -> String {
        let b64 = Array(Data(png).base64EncodedString().utf8)
        var out = ""
        var start = 0
        repeat {
            let end = min(start + 4096, b64.count)
            let more = end < b64.count ? 1 : 0
            let keys = start == 0 ? "a=T,f=100,t=d,q=2,m=\(more)" : "m=\(more)"
            out += "\u{1B}_G\(keys);" + String(decoding: b64[start..<end], as: UTF8.self) + "\u{1B}\\"
            start = end
        } while start < b64.count
        return out
    }

    /// iTerm2 inline image (OSC 1337 File), shown at its size in the text flow.
    static func iterm2(png: [UInt8]) -> String {
        "\u{1B}]1337;File=inline=1;size=\(png.count);preserveAspectRatio=1:" + Data(png).base64EncodedString() + "\u{07}"
    }

    /// A program's standard output, or nil when it is missing or fails.
    static func run(_ program: String, _ arguments: [String], input: [UInt8]? = nil) -> [UInt8]? {
        let candidates = ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + program }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = input == nil ? FileHandle.nullDevice : inp
        do { try p.run() } catch { return nil }
        if let input {
            inp.fileHandleForWriting.write(Data(input))
            try? inp.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? Array(data) : nil
    }
}
