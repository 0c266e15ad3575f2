import Foundation
import JSON

/// The iopub socket, shared by the shell thread (a cell's outputs) and the control thread
/// (status around control requests): every send holds the lock, as ZeroMQ sockets are not
/// thread-safe.
final class IOPub: @unchecked Sendable {
    private let socket: Socket
    private let lock = NSLock()
    private let signer: SignerBox
    private let session: String

    init(socket: Socket, signer: SignerBox, session: String) {
        self.socket = socket
        self.signer = signer
        self.session = session
    }

    /// Publishes `type` with `content`, as a child of `parent`'s request.
    func publish(_ type: String, _ content: JSONValue, parent: Message?) {
        let message = Message(identities: [Array("kernel.\(session).\(type)".utf8)],
                              header: Message.header(type: type, session: session),
                              parentHeader: parent?.header ?? .object([]), metadata: .object([]), content: content)
        let frames = message.encode(signer: signer.signer)
        lock.lock()
        defer { lock.unlock() }
        do { try socket.send(frames) } catch { KernelLog.write("iopub: \(error)") }
    }

    /// `status` busy or idle for `parent`.
    func status(_ state: String, parent: Message?) {
        publish("status", .object([("execution_state", .string(state))]), parent: parent)
    }
}

/// The signer shared by the shell and control threads: one replay window for both.
final class SignerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: MessageSigner

    init(_ signer: MessageSigner) { value = signer }

    /// A copy for signing (signing needs only the key).
    var signer: MessageSigner {
        lock.lock(); defer { lock.unlock() }
        return value
    }

    /// Decodes and checks an incoming message under the lock.
    func decode(_ frames: [[UInt8]]) throws(Message.Malformed) -> Message {
        lock.lock(); defer { lock.unlock() }
        return try Message.decode(frames, signer: &value)
    }
}

/// The kernel's log: standard error, which Jupyter shows in its own log.
enum KernelLog {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data("prunebook kernel: \(line)\n".utf8))
    }
}
