import Foundation
import JSON

/// What a Jupyter front end tells its kernel in the connection file: where to bind the five
/// sockets and how to sign messages.
package struct ConnectionInfo: Equatable, Sendable {
    package var transport: String
    package var ip: String
    package var shellPort: Int
    package var iopubPort: Int
    package var stdinPort: Int
    package var controlPort: Int
    package var heartbeatPort: Int
    /// The HMAC key; empty means messages are not signed (Jupyter allows it, for tests).
    package var key: [UInt8]
    package var signatureScheme: String

    /// A connection file that cannot be used, with the reason.
    package struct Problem: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    /// Reads and checks a connection file.
    package static func read(path: String) throws(Problem) -> ConnectionInfo {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot read the connection file")
        }
        guard data.count < 1 << 20 else { throw Problem(description: "\(path): a connection file is not \(data.count) bytes") }
        do { return try parse([UInt8](data), source: path) } catch { throw error }
    }

    /// Parses the connection file's JSON.
    package static func parse(_ bytes: [UInt8], source: String = "connection file") throws(Problem) -> ConnectionInfo {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw Problem(description: "\(source): \(error)")
        }
        func string(_ key: String, default value: String? = nil) throws(Problem) -> String {
            if let s = json[key]?.stringValue { return s }
            if let value, json[key] == nil { return value }
            throw Problem(description: "\(source): \"\(key)\" must be a string")
        }
        func port(_ key: String) throws(Problem) -> Int {
            guard let p = json[key]?.intValue, (0...65535).contains(p) else {
                throw Problem(description: "\(source): \"\(key)\" must be a port number (0–65535)")
            }
            return p
        }
        let transport = try string("transport", default: "tcp")
        guard transport == "tcp" || transport == "ipc" else {
            throw Problem(description: "\(source): transport must be \"tcp\" or \"ipc\", got \"\(transport)\"")
        }
        let scheme = try string("signature_scheme", default: "hmac-sha256")
        guard scheme == "hmac-sha256" else {
            throw Problem(description: "\(source): signature_scheme \"\(scheme)\" is not supported (only hmac-sha256)")
        }
        return ConnectionInfo(transport: transport, ip: try string("ip", default: "127.0.0.1"),
                              shellPort: try port("shell_port"), iopubPort: try port("iopub_port"),
                              stdinPort: try port("stdin_port"), controlPort: try port("control_port"),
                              heartbeatPort: try port("hb_port"), key: Array(try string("key", default: "").utf8),
                              signatureScheme: scheme)
    }

    /// The ZeroMQ endpoint of a port: `tcp://ip:port`, or `ipc://ip-port` as Jupyter names them.
    package func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}
