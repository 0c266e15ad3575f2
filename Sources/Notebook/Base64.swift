import Foundation

/// Base64 as nbformat stores binary outputs (`image/png`): Foundation's codec, no line breaks.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// nil when `text` is not base64 (line breaks, as some writers insert, are ignored).
    static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
    }
}
