import Testing
@testable import Kernel

@Suite struct KernelHelpersTests {
    @Test func pagerCellsAreQuestionMarkNames() {
        #expect(Kernel.pagerName("?train") == "train")
        #expect(Kernel.pagerName("  train?\n") == "train")
        #expect(Kernel.pagerName("?") == nil)
        #expect(Kernel.pagerName("?1x") == nil)
        #expect(Kernel.pagerName("x = 1?") == nil)
        #expect(Kernel.pagerName("train") == nil)
    }

    @Test func inspectFindsTheNameAroundTheCursor() {
        #expect(Kernel.name(in: "train(net)", at: 2) == "train")
        #expect(Kernel.name(in: "train(net)", at: 5) == "train")
        #expect(Kernel.name(in: "train(net)", at: 7) == "net")
        #expect(Kernel.name(in: "é = snip", at: 8) == "snip")   // code points, not bytes
        #expect(Kernel.name(in: "  ", at: 1) == nil)
        #expect(Kernel.name(in: "x", at: 99) == "x")
    }

    @Test func kernelspecNamesThisBinaryAndSignalInterrupts() throws {
        let json = KernelSpec.kernelJSON(executable: "/opt/bin/prunebook")
        #expect(json.contains(#""/opt/bin/prunebook""#))
        #expect(json.contains(#""{connection_file}""#))
        #expect(json.contains(#""interrupt_mode": "signal""#))
        #expect(try KernelSpec.kernelsFolder(.user, environment: ["HOME": "/h"]) == "/h/.local/share/jupyter/kernels")
        #expect(try KernelSpec.kernelsFolder(.user, environment: ["HOME": "/h", "JUPYTER_DATA_DIR": "/j"]) == "/j/kernels")
        #expect(try KernelSpec.kernelsFolder(.prefix("/p"), environment: [:]) == "/p/share/jupyter/kernels")
        #expect(try KernelSpec.kernelsFolder(.sysPrefix, environment: ["VIRTUAL_ENV": "/v"]) == "/v/share/jupyter/kernels")
        #expect(throws: KernelSpec.Problem.self) { try KernelSpec.kernelsFolder(.sysPrefix, environment: [:]) }
    }
}
