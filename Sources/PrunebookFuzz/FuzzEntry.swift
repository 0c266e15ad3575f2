import Foundation

/// A line on standard error.
func complain(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// libFuzzer's entry point (built with `-sanitize=fuzzer,address -D PRUNEBOOK_FUZZ`, `make fuzz`):
/// `PRUNEBOOK_FUZZ_TARGET` picks the harness.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let harness = FuzzHarness.current else {
        complain("set PRUNEBOOK_FUZZ_TARGET to one of: \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", "))")
        exit(2)
    }
    harness.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if !PRUNEBOOK_FUZZ
/// Without libFuzzer: `PrunebookFuzz HARNESS FILE...` runs the harness on each file, to replay a
/// crash the fuzzer found (or a corpus) under a debugger or a sanitizer of one's choice.
@main
struct ReplayInputs {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let harness = FuzzHarness(rawValue: name), args.count > 1 else {
            complain("usage: PrunebookFuzz HARNESS FILE...  (harnesses: \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                complain("cannot read \(path)")
                exit(1)
            }
            harness.run(Array(data))
            print("ok \(path)")
        }
    }
}
#endif
