import Foundation

/// A line on standard error.
func complain(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// One input for the harness `PRUNEBOOK_FUZZ_TARGET` names.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let harness = FuzzHarness.current else {
        complain("set PRUNEBOOK_FUZZ_TARGET to one of: \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", "))")
        exit(2)
    }
    harness.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if PRUNEBOOK_FUZZ
/// libFuzzer's driver (in the runtime `-sanitize=fuzzer` links): it parses libFuzzer's flags and
/// calls back for every input. SwiftPM names the program's entry point itself, so libFuzzer's own
/// `main` stays out and this one hands over.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif

/// `make fuzz` builds this with `-sanitize=fuzzer,address -D PRUNEBOOK_FUZZ`: libFuzzer runs the
/// harness `PRUNEBOOK_FUZZ_TARGET` names. Built without them, `PrunebookFuzz HARNESS FILE...`
/// replays inputs (a crash the fuzzer found, or a corpus) under a debugger or another sanitizer.
@main
struct FuzzMain {
    static func main() {
        #if PRUNEBOOK_FUZZ
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
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
        #endif
    }
}
