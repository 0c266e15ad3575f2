import Testing
@testable import PruneScript

@Test func completenessForTheREPL() {
    let complete = ["", "x = 1", "f(1, 2)", "if x { 1 } else { 2 }", "# comment", "fn f(x) { x }", "[1,\n2]", "x;"]
    for s in complete { #expect(isComplete(s) == .complete, "\(s)") }
    let incomplete = ["f(1,", "[1, 2", "{a: 1", "if x {", "for i in xs {\n  print(i)", "fn f(x) {",
                      "\"abc", "\"a {1 +", "x = ", "1 +", "if x { 1 } else", "while true {\n", "fn f(",
                      "\"line one\nline two", "{", "(", "x = [\n", "if a and", "r = {\n a: 1,\n"]
    for s in incomplete { #expect(isComplete(s) == .incomplete, "\(s)") }
    let invalid = ["x = )", "1 +* 2", "if x { 1 }}", "f(1, 2]", "2 ^ 3", "let = 3", "x y", "[1, 2] ]", "\"\\q",
                   "x = (1 +* 2"]
    for s in invalid { #expect(isComplete(s) == .invalid, "\(s)") }
}
