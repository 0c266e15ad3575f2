import Testing
@testable import Kernel

@Suite struct ConnectionInfoTests {
    static let good = #"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256"}"#

    @Test func readsJupytersConnectionFile() throws {
        let c = try ConnectionInfo.parse(Array(Self.good.utf8))
        #expect(c.endpoint(c.shellPort) == "tcp://127.0.0.1:1")
        #expect(c.heartbeatPort == 5)
        #expect(c.key == Array("k".utf8))
        var ipc = c
        ipc.transport = "ipc"
        ipc.ip = "/tmp/kernel"
        #expect(ipc.endpoint(4) == "ipc:///tmp/kernel-4")
    }

    @Test func badConnectionFilesSayWhatIsWrong() {
        func problem(_ text: String) -> String {
            do { _ = try ConnectionInfo.parse(Array(text.utf8), source: "c.json"); return "accepted" } catch { return error.description }
        }
        #expect(problem("").hasPrefix("c.json: JSON error"))
        #expect(problem(Self.good.replacingOccurrences(of: #""hb_port": 5"#, with: #""hb_port": 70000"#))
                == "c.json: \"hb_port\" must be a port number (0–65535)")
        #expect(problem(Self.good.replacingOccurrences(of: #""shell_port": 1, "#, with: ""))
                == "c.json: \"shell_port\" must be a port number (0–65535)")
        #expect(problem(Self.good.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5"))
                == "c.json: signature_scheme \"hmac-md5\" is not supported (only hmac-sha256)")
        #expect(problem(Self.good.replacingOccurrences(of: #""tcp""#, with: #""udp""#))
                == "c.json: transport must be \"tcp\" or \"ipc\", got \"udp\"")
        #expect(problem(Self.good.replacingOccurrences(of: #""key": "k""#, with: #""key": 3"#)) == "c.json: \"key\" must be a string")
        do { _ = try ConnectionInfo.read(path: "/nonexistent/c.json"); Issue.record("read a missing file") } catch {
            #expect(error.description == "/nonexistent/c.json: cannot read the connection file")
        }
    }
}
