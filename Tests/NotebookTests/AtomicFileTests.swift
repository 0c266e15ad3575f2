import Foundation
import Testing
@testable import Notebook

func makeTempFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nbtests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
    let dir = try makeTempFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/a.txt"
    try AtomicFile.write("first", to: path)
    try AtomicFile.write("second ☕\n", to: path)
    #expect(try AtomicFile.read(path) == "second ☕\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.txt"])
}

@Test func atomicWriteCreatesFoldersOnlyWhenAsked() throws {
    let dir = try makeTempFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(throws: NotebookFileError.self) { try AtomicFile.write("x", to: dir + "/missing/a.txt") }
    try AtomicFile.write("x", to: dir + "/new/deeper/a.txt", createFolders: true)
    #expect(try AtomicFile.read(dir + "/new/deeper/a.txt") == "x")
    #expect(throws: NotebookFileError.self) { try AtomicFile.read(dir + "/nothing.txt") }
}

@Test func notebooksReadAndWriteByExtension() throws {
    let dir = try makeTempFolder()
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
    #expect(throws: NotebookFileError.self) { try nb.write(to: dir + "/s.txt") }
    do {
        try AtomicFile.write("# %%\n#| seed: x\n", to: dir + "/bad.prune")
        _ = try Notebook.read(path: dir + "/bad.prune")
        Issue.record("expected a script error")
    } catch let error as PercentScriptError {
        #expect(error.description == dir + "/bad.prune:2: option 'seed' must be an integer, got 'x'")
    }
}
