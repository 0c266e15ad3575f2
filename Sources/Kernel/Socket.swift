import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// One ZeroMQ socket: multipart send and receive, nothing else. Not thread-safe; the kernel
/// gives each socket one thread, or guards it with a lock (iopub).
package final class Socket {
    private let handle: UnsafeMutableRawPointer
    package let name: String

    /// A ZeroMQ failure, with the operation and errno's text.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        package var errno: Int32
    }

    package init(context: UnsafeMutableRawPointer, type: Int32, name: String) throws(Failure) {
        guard let s = zmq_socket(context, type) else { throw Socket.failure("zmq_socket(\(name))") }
        handle = s
        self.name = name
        var linger: Int32 = 0   // closing never waits for unsent messages
        zmq_setsockopt(s, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        // ZeroMQ itself drops a peer that sends a larger frame, before it is buffered whole
        var largest = Int64(Socket.maxMessageBytes)
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &largest, MemoryLayout<Int64>.size)
    }

    /// The largest message the kernel accepts: far above any cell's code.
    package static let maxMessageBytes = 64 << 20

    deinit { zmq_close(handle) }

    package func bind(_ endpoint: String) throws(Failure) {
        guard zmq_bind(handle, endpoint) == 0 else { throw Socket.failure("bind \(name) to \(endpoint)") }
    }

    /// Sends the frames as one message.
    package func send(_ frames: [[UInt8]]) throws(Failure) {
        for (i, frame) in frames.enumerated() {
            let flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc < 0 { throw Socket.failure("send on \(name)") }
        }
    }

    /// Receives one whole message; nil when `timeout` milliseconds pass first (-1 waits).
    /// Frames beyond `maxBytes` in total end in an error rather than an allocation.
    package func receive(timeout: Int32 = -1, maxBytes: Int = Socket.maxMessageBytes) throws(Failure) -> [[UInt8]]? {
        guard try poll(timeout) else { return nil }
        var frames: [[UInt8]] = []
        var total = 0
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            if zmq_msg_recv(&message, handle, 0) < 0 { throw Socket.failure("receive on \(name)") }
            let size = zmq_msg_size(&message)
            total += size
            guard total <= maxBytes else { throw Failure(description: "a message on \(name) over \(maxBytes) bytes", errno: EMSGSIZE) }
            let bytes = zmq_msg_data(&message).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            frames.append(bytes)
            if zmq_msg_more(&message) == 0 { break }
        }
        return frames
    }

    /// Whether a message is waiting, after at most `timeout` ms.
    package func poll(_ timeout: Int32) throws(Failure) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let rc = zmq_poll(&item, 1, Int(timeout))
        if rc < 0 {
            if zmq_errno() == EINTR { return false }
            throw Socket.failure("poll \(name)")
        }
        return rc > 0
    }

    static func failure(_ what: String) -> Failure {
        let e = zmq_errno()
        return Failure(description: "\(what): \(String(cString: zmq_strerror(e)))", errno: e)
    }
}
