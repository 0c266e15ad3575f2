import Testing
@testable import PruneScript

@Test func locationNamesTheCellOnlyInsideANotebook() {
    #expect(SourceLocation(cell: 3, line: 2, column: 7).description == "cell 3, line 2, column 7")
    #expect(SourceLocation(line: 2, column: 7).description == "line 2, column 7")
}
