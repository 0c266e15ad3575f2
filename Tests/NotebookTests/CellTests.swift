import Testing
@testable import Notebook

@Test func cellKindsUseNbformatNames() {
    #expect(Cell.Kind.markdown.rawValue == "markdown")
    #expect(Cell.Kind.code.rawValue == "code")
}
