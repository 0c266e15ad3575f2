import CZeroMQ
import Foundation
import JSON
import Notebook
import PruneScript
import Session
import Support
import Synchronization

/// The PruneScript Jupyter kernel: messaging protocol 5.3 over ZeroMQ, one `NotebookSession`
/// behind it (the same cell model as the REPL and `prunebook run`).
///
/// Threads: the shell loop runs cells on the calling thread; control (interrupt, shutdown) and
/// the heartbeat each have their own, so a long cell can be interrupted and never looks dead.
/// Every request is answered between `status: busy` and `status: idle` on iopub.
package final class Kernel: @unchecked Sendable {
    let connection: ConnectionInfo
    let session: NotebookSession
    let history: KernelHistory
    /// This kernel's session id (message headers).
    let sessionID = UUID().uuidString.lowercased()

    private let context: UnsafeMutableRawPointer
    private let shell: Socket, control: Socket, stdin: Socket, heartbeat: Socket
    let iopub: IOPub
    let signer: SignerBox
    private let stopping = Atomic(false)
    /// The live progress display of the running cell (`update_display_data` target).
    var progressDisplay: String?
    /// The request whose cell is running (parent of its outputs).
    var running: Message?
    /// A cell failed with `stop_on_error`: abort the execute requests queued before its reply.
    var abortPending = false
    /// Those requests, taken off the shell socket before the failed cell's reply was sent.
    var queuedBeforeError: [[[UInt8]]] = []

    /// A kernel that could not start: the connection file or a socket.
    package struct StartFailure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Binds the five sockets of `connection` (only on its IP) and sets up the session.
    /// `figures` is where unnamed figures go: `<folder>/<name>-<cell>-<n>.svg`.
    package init(connection: ConnectionInfo, figuresFolder: String = "Plots", notebookName: String,
                 dataDirectory: String?, historyPath: String?) throws(StartFailure) {
        self.connection = connection
        guard let ctx = zmq_ctx_new() else { throw StartFailure(description: "could not create a ZeroMQ context") }
        context = ctx
        signer = SignerBox(MessageSigner(key: connection.key))
        do {
            shell = try Socket(context: ctx, type: ZMQ_ROUTER, name: "shell")
            control = try Socket(context: ctx, type: ZMQ_ROUTER, name: "control")
            stdin = try Socket(context: ctx, type: ZMQ_ROUTER, name: "stdin")
            heartbeat = try Socket(context: ctx, type: ZMQ_REP, name: "heartbeat")
            let pub = try Socket(context: ctx, type: ZMQ_PUB, name: "iopub")
            try shell.bind(connection.endpoint(connection.shellPort))
            try control.bind(connection.endpoint(connection.controlPort))
            try stdin.bind(connection.endpoint(connection.stdinPort))
            try heartbeat.bind(connection.endpoint(connection.heartbeatPort))
            try pub.bind(connection.endpoint(connection.iopubPort))
            iopub = IOPub(socket: pub, signer: signer, session: sessionID)
        } catch {
            zmq_ctx_term(ctx)
            throw StartFailure(description: error.description)
        }
        let figures = FigureWriter(folder: figuresFolder, notebookName: notebookName, transcriptFolder: ".")
        session = NotebookSession(figures: figures, cancellation: KernelSignals.token, progress: .live, dataDirectory: dataDirectory)
        history = KernelHistory(path: historyPath)
        session.settings.progressSink = { [unowned self] line in self.showProgress(line) }
        session.onOutput = { [unowned self] output in self.publish(output) }
    }

    /// Serves until a `shutdown_request`.
    package func run() {
        KernelSignals.install()
        // the heartbeat and control threads poll with short timeouts and leave when `stopping` is set
        let threads = DispatchGroup()
        func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
            threads.enter()
            let thread = Thread {
                body()
                threads.leave()
            }
            thread.name = name
            thread.start()
        }
        spawn("heartbeat") { [self] in
            while !stopping.load(ordering: .relaxed) {
                guard let frames = try? heartbeat.receive(timeout: 200) else { continue }
                try? heartbeat.send(frames)
            }
        }
        spawn("control") { [self] in
            while !stopping.load(ordering: .relaxed) {
                guard let frames = try? control.receive(timeout: 100) else { continue }
                handle(frames, on: control)
            }
        }
        iopub.status("starting", parent: nil)
        while !stopping.load(ordering: .relaxed) {
            let frames: [[UInt8]]?
            do { frames = try shell.receive(timeout: 100) } catch {
                KernelLog.write("\(error)")
                continue
            }
            if let frames { handle(frames, on: shell) }
        }
        if threads.wait(timeout: .now() + 2) == .timedOut { KernelLog.write("a socket thread did not stop within 2 s") }
    }

    /// Decodes one request and answers it (busy → reply → idle).
    func handle(_ frames: [[UInt8]], on socket: Socket) {
        let request: Message
        do { request = try signer.decode(frames) } catch {
            KernelLog.write("dropped a message on \(socket.name): \(error)")
            return
        }
        dispatch(request, on: socket)
    }

    /// Answers one checked request.
    func dispatch(_ request: Message, on socket: Socket) {
        // the control thread runs beside a cell: it may only interrupt, shut down or describe
        if socket === control, !["kernel_info_request", "interrupt_request", "shutdown_request"].contains(request.type) {
            KernelLog.write("ignored a \(request.type) on the control socket")
            return
        }
        iopub.status("busy", parent: request)
        switch request.type {
        case "kernel_info_request": reply(to: request, on: socket, "kernel_info_reply", KernelInfo.content)
        case "execute_request": execute(request, on: socket)
        case "complete_request": reply(to: request, on: socket, "complete_reply", complete(request.content))
        case "inspect_request": reply(to: request, on: socket, "inspect_reply", inspect(request.content))
        case "is_complete_request": reply(to: request, on: socket, "is_complete_reply", isComplete(request.content))
        case "history_request": reply(to: request, on: socket, "history_reply", historyReply(request.content))
        case "comm_info_request":
            reply(to: request, on: socket, "comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))]))
        case "interrupt_request":
            session.interpreter.cancellation.cancel()
            reply(to: request, on: socket, "interrupt_reply", .object([("status", .string("ok"))]))
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            let content: JSONValue = .object([("status", .string("ok")), ("restart", .bool(restart))])
            reply(to: request, on: socket, "shutdown_reply", content)
            iopub.publish("shutdown_reply", content, parent: request)
            session.interpreter.cancellation.cancel()
            stopping.store(true, ordering: .relaxed)
        default:
            KernelLog.write("ignored a \(request.type) message (not part of this kernel's protocol)")
        }
        iopub.status("idle", parent: request)
        // after a failed cell with stop_on_error: the queued execute requests, once this one is idle
        if socket === shell, abortPending {
            abortPending = false
            abortQueued(on: socket)
        }
    }

    /// Sends a reply to `request` on the socket it came from.
    func reply(to request: Message, on socket: Socket, _ type: String, _ content: JSONValue) {
        let message = Message(identities: request.identities, header: Message.header(type: type, session: sessionID),
                              parentHeader: request.header, metadata: .object([]), content: content)
        do { try socket.send(message.encode(signer: signer.signer)) } catch {
            KernelLog.write("could not reply on \(socket.name): \(error)")
        }
    }
}
