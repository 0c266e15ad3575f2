import CLibcrypto

/// Signs and checks Jupyter messages: HMAC-SHA256 (OpenSSL's libcrypto) over the header, parent
/// header, metadata and content frames, as lowercase hex; compared in constant time. A message
/// whose signature was seen before is a replay and is refused too.
package struct MessageSigner {
    private let key: [UInt8]
    /// Signatures already accepted, oldest first, bounded (a replay of anything older than the
    /// window has a header Jupyter clients no longer wait for).
    private var seen: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private var next = 0
    private let window = 1 << 16

    package init(key: [UInt8]) { self.key = key }

    /// Whether messages are signed at all (an empty key turns signing off, as in Jupyter).
    package var enabled: Bool { !key.isEmpty }

    /// The hex signature of the four frames.
    package func sign(_ parts: [[UInt8]]) -> [UInt8] {
        guard enabled else { return [] }
        var data: [UInt8] = []
        for p in parts { data += p }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &digest, &length)
            }
        }
        guard ok != nil else { return [] }
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(Int(length) * 2)
        for b in digest.prefix(Int(length)) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return out
    }

    /// Why a message was refused.
    package enum Refusal: Equatable, CustomStringConvertible {
        case badSignature
        case replayed
        package var description: String {
            switch self {
            case .badSignature: "bad signature"
            case .replayed: "signature already seen (replayed message)"
            }
        }
    }

    /// Checks `signature` against the frames and remembers it; nil when the message is good.
    package mutating func check(_ signature: [UInt8], _ parts: [[UInt8]]) -> Refusal? {
        guard enabled else { return nil }
        let expected = sign(parts)
        guard signature.count == expected.count, !expected.isEmpty else { return .badSignature }
        let same = signature.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, expected.count) }
        }
        guard same == 0 else { return .badSignature }
        guard seen.insert(signature).inserted else { return .replayed }
        if order.count < window {
            order.append(signature)
        } else {   // a ring: forget the oldest
            seen.remove(order[next])
            order[next] = signature
            next = (next + 1) % window
        }
        return nil
    }
}
