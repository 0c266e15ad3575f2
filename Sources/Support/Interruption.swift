/// A long engine loop (training, FORCE, IMP…) stopped because its `CancellationToken` was
/// cancelled. Every interrupted operation throws this one error, which the interpreter reports
/// as an `Interrupted` error, so Ctrl-C reads the same whatever was running.
public struct Interruption: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was stopped and where, e.g. "Interrupted at step 12 of 60".
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
