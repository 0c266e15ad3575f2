import Builtins
import Dispatch
import Foundation
import PruneScript
import Testing

/// Ctrl-C without the CLI: cancelling the interpreter's own token (what the REPL's signal
/// handler and the kernel's interrupt do) stops a running `train` or `force` between batches,
/// and the session keeps its variables.
@Suite(.serialized) struct CancellationTests {
    /// Runs `source` as cell 2 of a session that defined `net` and `data` in cell 1, cancels
    /// the interpreter's token after `delay` seconds, and returns the result and the seconds the
    /// cell took after the cancel.
    static func interrupt(_ source: String, after delay: Double) throws -> (CellResult, Double, Interpreter) {
        let interpreter = Interpreter(builtins: .prunebook(settings: EngineSettings()))
        let setup = interpreter.run("net = lenet300(input: [1, 8, 8], seed: 0)\ndata = digits(batch: 32)", cell: 1)
        #expect(setup.error == nil)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: CellResult?
        nonisolated(unsafe) let session = interpreter
        DispatchQueue.global().async {
            result = session.run(source, cell: 2)
            done.signal()
        }
        Thread.sleep(forTimeInterval: delay)
        let cancelledAt = Date()
        interpreter.cancellation.cancel()
        let finished = done.wait(timeout: .now() + 60) == .success
        #expect(finished, "the cell did not stop within 60 s of the cancel")
        return (try #require(result), Date().timeIntervalSince(cancelledAt), interpreter)
    }

    @Test func cancellingTheInterpretersTokenStopsTraining() throws {
        // 2,000 epochs of lenet300 on the digits take minutes; the cancel comes after 1 s.
        let (r, stopped, interpreter) = try Self.interrupt("r = train(net, data, epochs: 2000, batch: 32, lr: 0.05)", after: 1)
        let error = try #require(r.error)
        #expect(error.kind == .interrupted)
        #expect(error.message.contains("Interrupted after"))
        #expect(stopped < 5, "training went on for \(stopped) s after the cancel")
        #expect(error.hint == "r holds what was done so far (its interrupted field is true)")
        #expect(r.outputs.isEmpty, "one message, as the error: \(r.outputs)")
        // the partial run stays reachable: the copy at the last completed step, marked interrupted
        #expect(interpreter.run("r.interrupted", cell: 3).resultText == "true")
        #expect(interpreter.run("r.steps > 0 and r.steps < 2000 * 44", cell: 4).resultText == "true")
        #expect(interpreter.run("type(r.net)", cell: 5).resultText == "\"model\"")
        // the session goes on: its variables are kept and the next cell runs
        let next = interpreter.run("net.prunable", cell: 6)
        #expect(next.error == nil)
        #expect(next.resultText == "50200")
    }

    @Test func cancellingTheInterpretersTokenStopsForce() throws {
        let (r, stopped, interpreter) = try Self.interrupt("m = force(net, data, sparsity: 99%, steps: 20000)", after: 1)
        let error = try #require(r.error)
        #expect(error.kind == .interrupted)
        #expect(error.message.hasPrefix("Interrupted at step"))
        #expect(stopped < 5, "FORCE went on for \(stopped) s after the cancel")
        // the mask of the last completed step, marked interrupted
        #expect(interpreter.run("m.interrupted", cell: 3).resultText == "true")
        #expect(interpreter.run("len(m.steps) > 0 and m.sparsity < 99%", cell: 4).resultText == "true")
        #expect(interpreter.run("1 + 1", cell: 5).resultText == "2")
    }
}
