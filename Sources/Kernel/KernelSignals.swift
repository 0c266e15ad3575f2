#if canImport(Glibc)
import Glibc
#endif
import Support

/// SIGINT for the kernel (`interrupt_mode: "signal"`, Jupyter's default): cancels the running
/// cell exactly as `interrupt_request` on the control socket does, and as Ctrl-C does in the REPL.
enum KernelSignals {
    /// The kernel's cancellation flag; the interpreter resets it when a cell starts.
    static let token = CancellationToken()

    static func install() {
        _ = token.isCancelled   // initialize the global before the handler can touch it
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in KernelSignals.token.cancel() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        // a parent may have left SIGINT blocked or ignored
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
