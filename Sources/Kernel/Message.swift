import Foundation
import JSON

/// One message of the Jupyter messaging protocol (5.3): routing identities, the four JSON
/// parts and any binary buffers.
package struct Message {
    /// The ROUTER identities the reply must be addressed to (empty on iopub).
    package var identities: [[UInt8]]
    package var header: JSONValue
    package var parentHeader: JSONValue
    package var metadata: JSONValue
    package var content: JSONValue
    package var buffers: [[UInt8]] = []

    /// `header.msg_type`.
    package var type: String { header["msg_type"]?.stringValue ?? "" }

    /// The protocol version this kernel speaks.
    package static let protocolVersion = "5.3"
    /// Separates the identities from the signed parts on the wire.
    static let delimiter = Array("<IDS|MSG>".utf8)

    /// A message the wire could not give: what was wrong, for the kernel's log.
    package struct Malformed: Error, CustomStringConvertible {
        package var description: String
    }

    /// Reads a multipart message and checks its signature; the refusal or malformation says why
    /// it is dropped.
    package static func decode(_ frames: [[UInt8]], signer: inout MessageSigner) throws(Malformed) -> Message {
        guard let split = frames.firstIndex(of: delimiter) else { throw Malformed(description: "no <IDS|MSG> delimiter") }
        let rest = Array(frames[(split + 1)...])
        guard rest.count >= 5 else { throw Malformed(description: "\(rest.count) frames after the delimiter, expected at least 5") }
        let parts = Array(rest[1...4])
        if let refusal = signer.check(rest[0], parts) { throw Malformed(description: refusal.description) }
        func json(_ bytes: [UInt8], _ name: String) throws(Malformed) -> JSONValue {
            do {
                let v = try JSONParser.parse(bytes, maxDepth: 64)
                guard v.objectValue != nil else { throw Malformed(description: "\(name) is not a JSON object") }
                return v
            } catch let e as Malformed { throw e } catch { throw Malformed(description: "\(name): \(error)") }
        }
        return Message(identities: Array(frames[..<split]), header: try json(parts[0], "header"),
                       parentHeader: try json(parts[1], "parent_header"), metadata: try json(parts[2], "metadata"),
                       content: try json(parts[3], "content"), buffers: Array(rest.dropFirst(5)))
    }

    /// The wire frames, signed.
    package func encode(signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Array(JSONWriter.compact($0).utf8) }
        return identities + [Message.delimiter, signer.sign(parts)] + parts + buffers
    }

    /// A new header of `type` for `session`.
    package static func header(type: String, session: String) -> JSONValue {
        .object([
            ("msg_id", .string(UUID().uuidString.lowercased())),
            ("session", .string(session)),
            ("username", .string("prunebook")),
            ("date", .string(Message.timestamp())),
            ("msg_type", .string(type)),
            ("version", .string(protocolVersion)),
        ])
    }

    /// Now, as ISO 8601 with microseconds in UTC (what Jupyter's clients parse).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var t = now.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1000))
    }
}
