import JSON
import Testing
@testable import Kernel

/// Signatures (HMAC-SHA256 over the four JSON frames), the wire format and its refusals.
@Suite struct MessageTests {
    /// RFC 4231, test case 2: key "Jefe", "what do ya want for nothing?".
    @Test func hmacMatchesRFC4231() {
        let signer = MessageSigner(key: Array("Jefe".utf8))
        let parts = ["what do ", "ya want ", "for nothing", "?"].map { Array($0.utf8) }
        #expect(String(decoding: signer.sign(parts), as: UTF8.self)
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    static func frames(key: String, content: String = "{}") -> [[UInt8]] {
        let message = Message(identities: [Array("client".utf8)], header: Message.header(type: "kernel_info_request", session: "s"),
                              parentHeader: .object([]), metadata: .object([]), content: (try? JSONParser.parse(content)) ?? .object([]))
        return message.encode(signer: MessageSigner(key: Array(key.utf8)))
    }

    @Test func goodMessagesDecodeOnceAndReplaysAreRefused() throws {
        var signer = MessageSigner(key: Array("secret".utf8))
        let frames = Self.frames(key: "secret", content: #"{"code": "1 + 1"}"#)
        let m = try Message.decode(frames, signer: &signer)
        #expect(m.type == "kernel_info_request")
        #expect(m.identities == [Array("client".utf8)])
        #expect(m.content["code"]?.stringValue == "1 + 1")
        #expect(throws: Message.Malformed.self) { try Message.decode(frames, signer: &signer) }
        do { _ = try Message.decode(frames, signer: &signer) } catch {
            #expect(error.description == "signature already seen (replayed message)")
        }
    }

    @Test func wrongKeyOrTamperedFramesAreRefused() throws {
        var signer = MessageSigner(key: Array("secret".utf8))
        do { _ = try Message.decode(Self.frames(key: "other"), signer: &signer); Issue.record("accepted a wrong key") } catch {
            #expect(error.description == "bad signature")
        }
        var tampered = Self.frames(key: "secret", content: #"{"code": "1"}"#)
        tampered[tampered.count - 1] = Array(#"{"code": "2"}"#.utf8)
        #expect(throws: Message.Malformed.self) { try Message.decode(tampered, signer: &signer) }
        var short = Self.frames(key: "secret")
        short[2].removeLast()   // a signature one character short
        #expect(throws: Message.Malformed.self) { try Message.decode(short, signer: &signer) }
    }

    @Test func malformedWireMessagesSayWhy() {
        var signer = MessageSigner(key: [])
        func reason(_ frames: [[UInt8]]) -> String {
            do { _ = try Message.decode(frames, signer: &signer); return "accepted" } catch { return error.description }
        }
        #expect(reason([Array("x".utf8)]) == "no <IDS|MSG> delimiter")
        #expect(reason([Message.delimiter, [], Array("{}".utf8)]) == "2 frames after the delimiter, expected at least 5")
        let bad = [Message.delimiter, [], Array("{".utf8), Array("{}".utf8), Array("{}".utf8), Array("{}".utf8)]
        #expect(reason(bad).hasPrefix("header: JSON error"))
        let notObject = [Message.delimiter, [], Array("{}".utf8), Array("{}".utf8), Array("{}".utf8), Array("[1]".utf8)]
        #expect(reason(notObject) == "content is not a JSON object")
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(reason([Message.delimiter, [], Array("{}".utf8), Array("{}".utf8), Array("{}".utf8), Array(deep.utf8)])
                .hasPrefix("content: JSON error"))
    }

    @Test func unsignedKernelsAcceptUnsignedMessages() throws {
        var signer = MessageSigner(key: [])
        #expect(!signer.enabled)
        let frames = Self.frames(key: "")
        #expect(frames[2].isEmpty)
        _ = try Message.decode(frames, signer: &signer)
        _ = try Message.decode(frames, signer: &signer)   // no signature, no replay window
    }
}
