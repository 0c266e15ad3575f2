import Support
import Testing

@Suite struct DigestTests {
    @Test func sha256KnownAnswers() {
        #expect(Digest.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func md5KnownAnswers() {
        #expect(Digest.md5([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Digest.md5(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.md5(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8))
                == "57edf4a22be3c955ac49da2e2107b67a")
    }
}
