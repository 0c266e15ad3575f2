import Synchronization

/// The one stop flag of a session: a signal handler, the kernel's interrupt or another
/// thread calls `cancel()`; the interpreter polls it on every loop iteration and call, and the
/// engine's long loops (training, FORCE, IMP…) between batches. `Interpreter.run` calls
/// `reset()` when a cell starts.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public func reset() { flag.store(false, ordering: .relaxed) }
}
