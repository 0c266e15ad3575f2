@testable import PrunebookCLI
import Testing

@Test func replCellRanges() {
    #expect(Repl.parseRange("1-3,5") == [1, 2, 3, 5])
    #expect(Repl.parseRange("2") == [2])
    #expect(Repl.parseRange("3-1") == nil)
    #expect(Repl.parseRange("a") == nil)
}
