import Support
import Testing

@Test func memorySizesParseAndPrint() throws {
    #expect(MemoryBudget.parse("8G") == 8.0 * 1_073_741_824)
    #expect(MemoryBudget.parse("8GiB") == 8.0 * 1_073_741_824)
    #expect(MemoryBudget.parse("512M") == 512.0 * 1_048_576)
    #expect(MemoryBudget.parse("1.5t") == 1.5 * 1_099_511_627_776)
    #expect(MemoryBudget.parse("2000000000") == 2e9)
    for bad in ["-5", "abc", "", "G", "1e999"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
    #expect(MemoryBudget.describe(7.1e12) == "7.1 TB")
    #expect(MemoryBudget.describe(25_769_803_776) == "25.8 GB")
    #expect(MemoryBudget.describe(512) == "512 bytes")
    let limit = try MemoryBudget.limit(environment: ["PRUNEBOOK_MEMORY": "1M"])
    #expect(limit.bytes == 1_048_576 && limit.source == "the PRUNEBOOK_MEMORY limit")
    #expect(throws: MemoryBudget.InvalidLimit.self) { try MemoryBudget.limit(environment: ["PRUNEBOOK_MEMORY": "-5"]) }
    // without an override: the cgroup limit or MemTotal, something a real machine has
    let machine = try MemoryBudget.limit(environment: [:])
    #expect(machine.bytes > 1e8 && machine.bytes < 1e15)
}
