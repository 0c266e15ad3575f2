import Foundation

/// Stack size of the thread that parses and runs cells: deep (but bounded) recursion in
/// the parser and interpreter must never overflow, even in a debug build.
let largeStackSize = 256 << 20

private final class StackJob<T>: @unchecked Sendable {
    var body: (() -> T)?
    var result: T?
    let done = DispatchSemaphore(value: 0)
    init(_ body: @escaping () -> T) { self.body = body }
}

/// Runs `body` synchronously on a fresh thread with a large stack.
func runOnLargeStack<T>(_ body: () -> T) -> T {
    withoutActuallyEscaping(body) { escaping in
        let job = StackJob(escaping)
        let thread = Thread {
            job.result = job.body!()
            job.body = nil  // release the non-escaping closure before the caller resumes
            job.done.signal()
        }
        thread.stackSize = largeStackSize
        thread.start()
        job.done.wait()
        return job.result!
    }
}
