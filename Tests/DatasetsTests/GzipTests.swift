import Datasets
import Testing

@Suite struct GzipTests {
    @Test func gzipRoundTrip() throws {
        let data = (0..<10_000).map { UInt8($0 % 251) }
        #expect(try Gzip.decompress(Gzip.compress(data), path: "x") == data)
    }
}
