import Foundation
import Support
import TestSupport
import Testing
@testable import Notebook

@Test func notebooksReadAndWriteByExtension() throws {
    let dir = temporaryFolder("nbtests")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = "# %% [markdown]\n# Title\n\n# %%\nx = 1\n"
    try AtomicFile.write(script, to: dir + "/s.prune")
    let nb = try Notebook.read(path: dir + "/s.prune")
    try nb.write(to: dir + "/s.ipynb")
    try nb.write(to: dir + "/s.md")
    let back = try Notebook.read(path: dir + "/s.ipynb")
    try back.write(to: dir + "/t.prune")
    #expect(try AtomicFile.read(dir + "/t.prune") == script)
    #expect(try AtomicFile.read(dir + "/s.md") == "Title\n\n```prune\nx = 1\n```\n")
    #expect(NotebookFormat(path: "a/b.IPYNB") == .ipynb)
    #expect(NotebookFormat(path: "a.d/b") == nil)
    #expect(throws: FileError.self) { try nb.write(to: dir + "/s.txt") }
    do {
        try AtomicFile.write("# %%\n#| seed: x\n", to: dir + "/bad.prune")
        _ = try Notebook.read(path: dir + "/bad.prune")
        Issue.record("expected a script error")
    } catch let error as PercentScriptError {
        #expect(error.description == dir + "/bad.prune:2: option 'seed' must be an integer, got 'x'")
    }
}
