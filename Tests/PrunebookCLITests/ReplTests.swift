import Foundation
import JSON
import TestSupport
import Testing

/// Drives the REPL in a real terminal under tmux (a private server per test): continuation
/// prompts, tab completion, Ctrl-C during a cell and at the prompt, `:export`, Ctrl-D.
@Suite struct ReplTests {
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A tmux server with one 120×40 window running a command.
    final class Terminal {
        let socket = "pbtest-\(UUID().uuidString.prefix(8))"
        let tmux: String

        init(tmux: String, command: String, cwd: String) throws {
            self.tmux = tmux
            // the server this starts keeps any inherited pipe open: give it no pipes
            try run(["new-session", "-d", "-x", "120", "-y", "40", "-c", cwd, "-s", "pb", command], capture: false)
        }

        /// Runs tmux with `arguments` and returns its standard output. posix_spawn with every
        /// inherited descriptor closed: the server tmux forks would otherwise keep the test
        /// runner's pipes (and Foundation's exit monitor) open forever.
        @discardableResult
        func run(_ arguments: [String], capture: Bool = true) throws -> String {
            let outPath = NSTemporaryDirectory() + "/\(socket)-\(UUID().uuidString).out"
            defer { unlink(outPath) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, capture ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
            for fd in open where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
            let argv = [tmux, "-L", socket, "-f", "/dev/null"] + arguments
            var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { for p in cargs { free(p) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, tmux, &actions, nil, &cargs, environ)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            guard capture else { return "" }
            return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        }

        /// Types text literally (no key names).
        func type(_ text: String) throws { try run(["send-keys", "-t", "pb", "-l", text]) }
        /// Presses keys by name: Enter, Tab, C-c, C-d.
        func press(_ keys: String...) throws { try run(["send-keys", "-t", "pb"] + keys) }
        func screen() throws -> String { try run(["capture-pane", "-p", "-t", "pb", "-S", "-200"]) }

        /// Waits until the screen contains `text` (up to `seconds`); returns the screen.
        @discardableResult
        func wait(for text: String, seconds: Double = 20) throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var s = try screen()
            while !s.contains(text), Date() < deadline {
                usleep(100_000)
                s = try screen()
            }
            return s
        }

        /// Counts of `text` on the screen.
        func count(_ text: String) throws -> Int { try screen().components(separatedBy: text).count - 1 }

        /// Ends the session: SIGKILL for the pane's processes and the server (the test runner
        /// may leave SIGTERM ignored in its children), then the socket.
        deinit {
            let panes = (try? run(["list-panes", "-a", "-F", "#{pane_pid}"])) ?? ""
            let server = (try? run(["display-message", "-p", "#{pid}"])) ?? ""
            for pid in (panes + "\n" + server).split(separator: "\n").compactMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }) {
                kill(-pid, SIGKILL)   // the pane's process group (shell, prunebook, sleep)
                kill(pid, SIGKILL)
            }
            unlink("/tmp/tmux-\(getuid())/\(socket)")
        }
    }

    @Test(.enabled(if: ReplTests.tmux != nil, "tmux not installed"))
    func typedSessionUnderAPseudoTerminal() throws {
        let tmux = try #require(ReplTests.tmux)
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = "env HOME='\(dir)' TERM=xterm '\(CLI.binary)' repl --record rec.ipynb; echo EXIT=$?; sleep 60"
        let t = try Terminal(tmux: tmux, command: command, cwd: dir)

        var s = try t.wait(for: "In [1]:")
        #expect(s.contains("In [1]:"), "\(s)")
        try t.type("x = 41"); try t.press("Enter")
        try t.wait(for: "In [2]:")
        // a multi-line for loop: continuation prompts until the brace closes
        try t.type("for i in range(3) {"); try t.press("Enter")
        s = try t.wait(for: "   ...:")
        #expect(s.contains("   ...:"), "\(s)")
        try t.type("print(i * 2)"); try t.press("Enter")
        try t.wait(for: "print(i * 2)\n   ...:")   // the next continuation prompt, before typing on
        try t.type("}"); try t.press("Enter")
        s = try t.wait(for: "In [3]:")
        #expect(s.contains("In [2]: for i in range(3) {\n   ...: print(i * 2)\n   ...: }\n0\n2\n4\n"), "\(s)")
        // tab completion of a builtin
        try t.type("pri"); try t.press("Tab")
        s = try t.wait(for: "In [3]: print")
        #expect(s.contains("In [3]: print"), "\(s)")
        try t.type("(x + 1)"); try t.press("Enter")
        s = try t.wait(for: "In [4]:")
        #expect(s.contains("In [3]: print(x + 1)\n42\n"), "\(s)")
        // Ctrl-C at the prompt clears the half-typed line
        try t.type("garbage that never runs")
        try t.wait(for: "never runs")
        try t.press("C-c")
        try t.wait(for: "^C")
        try t.type("x"); try t.press("Enter")
        s = try t.wait(for: "Out[4]: 41")
        #expect(s.contains("Out[4]: 41"), "\(s)")
        // Ctrl-C stops a running loop; the session keeps its variables
        try t.type("y = 0; while true { y = y + 1 }"); try t.press("Enter")
        usleep(800_000)
        try t.press("C-c")
        s = try t.wait(for: "In [6]:")
        #expect(s.contains("Interrupted"), "\(s)")
        try t.type("x * 2"); try t.press("Enter")
        s = try t.wait(for: "Out[6]: 82")
        #expect(s.contains("Out[6]: 82"), "\(s)")
        try t.type("y > 0"); try t.press("Enter")
        s = try t.wait(for: "Out[7]:")
        #expect(s.contains("Out[7]: true"), "\(s)")
        // Ctrl-C stops a training call between batches; earlier variables are intact
        try t.type("r = train(lenet300(input: [1, 8, 8]), digits(), epochs: 100000)"); try t.press("Enter")
        usleep(1_500_000)
        try t.press("C-c")
        s = try t.wait(for: "In [9]:")
        #expect(s.contains("Interrupted after"), "\(s)")
        // one message, on its own line (the progress line ended first), and the partial run is kept
        #expect(s.components(separatedBy: "Interrupted after").count == 2, "\(s)")
        #expect(!s.split(separator: "\n").contains { $0.contains("ETA") && $0.contains("Interrupted") }, "\(s)")
        #expect(s.contains("r holds what was done so far"), "\(s)")
        try t.type("r.interrupted"); try t.press("Enter")
        s = try t.wait(for: "Out[9]:")
        #expect(s.contains("Out[9]: true"), "\(s)")
        try t.type("x + 0"); try t.press("Enter")
        s = try t.wait(for: "Out[10]: 41")
        #expect(s.contains("Out[10]: 41"), "\(s)")
        // :export, then Ctrl-D writes --record
        try t.type(":export session.ipynb"); try t.press("Enter")
        s = try t.wait(for: "wrote session.ipynb")
        #expect(s.contains("wrote session.ipynb"), "\(s)")
        try t.press("C-d")
        s = try t.wait(for: "EXIT=")
        #expect(s.contains("wrote rec.ipynb"), "\(s)")
        #expect(s.contains("EXIT=0"), "\(s)")

        let nb = try JSONParser.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/session.ipynb")), as: UTF8.self))
        let cells = try #require(nb["cells"]?.arrayValue)
        #expect(cells.count == 10)
        func source(_ i: Int) -> String { cells[i]["source"]?.arrayValue?.compactMap(\.stringValue).joined() ?? "" }
        #expect(source(1) == "for i in range(3) {\nprint(i * 2)\n}")
        #expect(cells[1]["outputs"]?.arrayValue?.first?["text"]?.arrayValue?.compactMap(\.stringValue) == ["0\n", "2\n", "4\n"])
        #expect(source(2) == "print(x + 1)")
        let interrupted = cells[4]["outputs"]?.arrayValue?.last
        #expect(interrupted?["output_type"]?.stringValue == "error")
        #expect(interrupted?["ename"]?.stringValue == "Interrupted")
        #expect(cells[5]["outputs"]?.arrayValue?.first?["data"]?["text/plain"].map(NbValidator.text) == "82")
        #expect(cells[5]["execution_count"]?.intValue == 6)
        #expect(FileManager.default.fileExists(atPath: dir + "/rec.ipynb"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.prunebook_history"))
    }

    /// Friction 5: Up recalls a multi-line cell whole (one history entry, also across sessions),
    /// and `Out[n]` works at the prompt.
    @Test(.enabled(if: ReplTests.tmux != nil, "tmux not installed"))
    func multiLineCellsAreOneHistoryEntry() throws {
        let tmux = try #require(ReplTests.tmux)
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = "env HOME='\(dir)' TERM=xterm '\(CLI.binary)' repl; echo EXIT=$?; sleep 60"
        var t = try Terminal(tmux: tmux, command: command, cwd: dir)
        try t.wait(for: "In [1]:")
        try t.type("for i in range(2) {"); try t.press("Enter")
        try t.type("print(i + 10)"); try t.press("Enter")
        try t.type("}"); try t.press("Enter")
        try t.wait(for: "In [2]:")
        try t.press("Up"); try t.press("Enter")
        var s = try t.wait(for: "In [3]:")
        #expect(s.components(separatedBy: "\n10\n11\n").count == 3, "the recalled cell ran whole: \(s)")
        try t.type("6 * 7"); try t.press("Enter")
        try t.wait(for: "In [4]:")
        try t.type("Out[3] + 1"); try t.press("Enter")
        s = try t.wait(for: "Out[4]:")
        #expect(s.contains("Out[4]: 43"), "\(s)")
        try t.press("C-d")
        try t.wait(for: "EXIT=")
        // a new session recalls the cell from the history file, still whole
        t = try Terminal(tmux: tmux, command: command, cwd: dir)
        try t.wait(for: "In [1]:")
        try t.press("Up"); try t.press("Up"); try t.press("Up"); try t.press("Enter")
        s = try t.wait(for: "In [2]:")
        #expect(s.contains("10\n11\n"), "\(s)")
    }

    /// Friction 3: a fake terminal answers the REPL's queries as kitty, iTerm2, a sixel xterm, a
    /// terminal without images, or not at all; the figure comes inline or as its path.
    @Test(arguments: ["kitty", "split", "iterm2", "sixel", "plain", "silent"])
    func inlineFiguresFollowWhatTheTerminalAnswers(profile: String) throws {
        let dir = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = ExampleNotebookTests.root + "/Tests/PrunebookCLITests/Fixtures/fake_terminal.py"
        let r = try NbValidator.run("/usr/bin/env", ["python3", script, CLI.binary, profile, dir])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("ok \(profile)"), "\(r.output)")
        #expect(FileManager.default.fileExists(atPath: dir + "/Plots/fig.svg"))
    }
}
