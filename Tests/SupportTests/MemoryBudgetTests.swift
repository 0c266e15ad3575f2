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
    #expect(MemoryBudget.describe(.infinity) == "an unbounded amount" && MemoryBudget.describe(.nan) == "an unknown amount")
    let limit = try MemoryBudget.limit(environment: ["PRUNEBOOK_MEMORY": "1M"])
    #expect(limit.bytes == 1_048_576 && limit.source == "the PRUNEBOOK_MEMORY limit")
    #expect(throws: MemoryBudget.InvalidLimit.self) { try MemoryBudget.limit(environment: ["PRUNEBOOK_MEMORY": "-5"]) }
    // without an override: the cgroup limit or MemTotal, something a real machine has
    let machine = try MemoryBudget.limit(environment: [:])
    #expect(machine.bytes > 1e8 && machine.bytes < 1e15)
}

@Test func checkRefusesWhatExceedsTheLimitAndSaysWhy() throws {
    let env = ["PRUNEBOOK_MEMORY": "1G"]
    try MemoryBudget.check(1e9, for: "a step", environment: env)
    #expect(throws: MemoryBudget.Exceeded.self) { try MemoryBudget.check(2e9, for: "a step", environment: env) }
    do {
        try MemoryBudget.check(2e9, for: "training vgg19 at batch 4096", detail: "activations 1.8 GB", environment: env)
    } catch {
        #expect(error.description == "training vgg19 at batch 4096 needs about 2.0 GB (activations 1.8 GB); 1.1 GB available (the PRUNEBOOK_MEMORY limit)")
    }
    // a bad limit and a size that is not a number are refusals too, never a pass
    #expect(throws: MemoryBudget.Exceeded.self) { try MemoryBudget.check(1, for: "x", environment: ["PRUNEBOOK_MEMORY": "-5"]) }
    #expect(throws: MemoryBudget.Exceeded.self) { try MemoryBudget.check(.nan, for: "x", environment: env) }
    #expect(throws: MemoryBudget.Exceeded.self) { try MemoryBudget.check(.infinity, for: "x", environment: env) }
}
