import Foundation
import Testing
@testable import Kernel

@Suite struct KernelHistoryTests {
    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pb-history-\(UUID().uuidString)/h.jsonl").path
    }

    @Test func persistsAcrossSessionsAndAnswersTailRangeSearch() throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let first = KernelHistory(path: path)
        #expect(first.session == 1)
        first.append(line: 1, input: "x = 1")
        first.append(line: 2, input: "print(x)\nx + 1")
        let second = KernelHistory(path: path)
        #expect(second.session == 2)
        second.append(line: 1, input: "x = 2")
        #expect(second.tail(2).map(\.input) == ["print(x)\nx + 1", "x = 2"])
        #expect(second.range(session: -1, start: 2, stop: 0).map(\.input) == ["print(x)\nx + 1"])
        #expect(second.range(session: 0, start: 1, stop: 2).map(\.input) == ["x = 2"])
        #expect(second.search("x = *", n: 0, unique: false).map(\.input) == ["x = 1", "x = 2"])
        #expect(second.search("x = ?", n: 1, unique: false).map(\.input) == ["x = 2"])
        second.append(line: 2, input: "x = 2")
        #expect(second.search("x = 2", n: 0, unique: true).count == 1)
    }

    @Test func keepsTheLastEntriesAndSkipsDamagedLines() throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let h = KernelHistory(path: path, limit: 3)
        for n in 1...5 { h.append(line: n, input: "cell \(n)") }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try (text + "not json\n{\"session\": 1}\n").write(toFile: path, atomically: true, encoding: .utf8)
        let again = KernelHistory(path: path, limit: 3)
        #expect(again.entries.map(\.input) == ["cell 3", "cell 4", "cell 5"])
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 3)   // trimmed
    }

    @Test func globMatchesTheWholeInput() {
        #expect(KernelHistory.glob("*", ""))
        #expect(KernelHistory.glob("a*c", "abbbc"))
        #expect(!KernelHistory.glob("a*c", "abbbcd"))
        #expect(KernelHistory.glob("?b*", "abz"))
        #expect(!KernelHistory.glob("?", ""))
    }
}
