import Synchronization

/// What the interpreter polls to stop a running cell. The REPL's Ctrl-C handler calls
/// `cancel()`; the interpreter checks `isCancelled` on every loop iteration and function
/// call (engine builtins should check between batches via `args.context.checkCancelled()`),
/// raising an `Interrupted` error. `Interpreter.run` calls `reset()` when a cell starts.
///
/// Training's `CancellationToken` has the same shape; one line in an engine file,
/// `extension CancellationToken: CancellationFlag {}`, lets the REPL, the interpreter and the
/// training loops share one flag.
public protocol CancellationFlag: AnyObject, Sendable {
    var isCancelled: Bool { get }
    func cancel()
    func reset()
}

/// The default flag: an atomic boolean.
public final class ScriptCancellation: CancellationFlag {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public func reset() { flag.store(false, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
