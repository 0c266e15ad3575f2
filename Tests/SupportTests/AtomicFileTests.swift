import Foundation
import Testing
@testable import Support

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
    #expect(throws: FileError.self) { try AtomicFile.write("x", to: dir + "/missing/a.txt") }
    try AtomicFile.write("x", to: dir + "/new/deeper/a.txt", createFolders: true)
    #expect(try AtomicFile.read(dir + "/new/deeper/a.txt") == "x")
    #expect(throws: FileError.self) { try AtomicFile.read(dir + "/nothing.txt") }
}
