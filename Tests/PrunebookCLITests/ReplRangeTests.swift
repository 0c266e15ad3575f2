@testable import PrunebookCLI
import Testing

@Test func replCellRanges() {
    #expect(Repl.parseRange("1-3,5") == [1, 2, 3, 5])
    #expect(Repl.parseRange("2") == [2])
    #expect(Repl.parseRange("3-1") == nil)
    #expect(Repl.parseRange("a") == nil)
}

/// Friction 3: inline figures only where the terminal says it draws them.
@Test func terminalImageRepliesAreParsed() {
    func parse(_ s: String) -> TerminalImages.Kind? { TerminalImages.parse(Array(s.utf8)).kind }
    #expect(parse("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;c") == .kitty)
    #expect(parse("\u{1B}_Gi=31;ENOENT:no\u{1B}\\\u{1B}[?62;c") == nil)
    #expect(parse("\u{1B}P>|iTerm2 3.5.0\u{1B}\\\u{1B}[?62;4c") == .iterm2)
    #expect(parse("\u{1B}P>|WezTerm 20240203\u{07}\u{1B}[?65;4;6c") == .iterm2)
    #expect(parse("\u{1B}[?63;1;2;4;6c") == .sixel)
    #expect(parse("\u{1B}[?62;22c") == nil)
    #expect(parse("\u{1B}[?14;2c") == nil, "14 is not 4")
    #expect(!TerminalImages.parse(Array("\u{1B}_Gi=31;OK\u{1B}\\".utf8)).complete, "DA1 ends the wait")
    // kitty chunks: 4096 base64 characters, m=1 but on the last
    let png = [UInt8](repeating: 7, count: 5000)
    let k = TerminalImages.kitty(png: png)
    #expect(k.hasPrefix("\u{1B}_Ga=T,f=100,t=d,q=2,m=1;"))
    #expect(k.components(separatedBy: "\u{1B}_G").count - 1 == 2)
    #expect(k.contains("\u{1B}_Gm=0;"))
}
