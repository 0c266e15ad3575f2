import JSON

/// What nbformat's writer (Python's `json` and `str`) does that JSONWriter alone does not.
enum PythonJSON {
    /// Python's `str.splitlines(keepends=True)`, which nbformat applies to multiline text:
    /// breaks after "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}"–"\u{1E}", "\u{85}",
    /// "\u{2028}" and "\u{2029}"; no empty last line.
    static func splitLines(_ s: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var pendingCR = false
        for u in s.unicodeScalars {
            if pendingCR {
                pendingCR = false
                if u == "\n" {
                    current.append(u)
                    out.append(String(current))
                    current = String.UnicodeScalarView()
                    continue
                }
                out.append(String(current))
                current = String.UnicodeScalarView()
            }
            current.append(u)
            switch u.value {
            case 0x0D:
                pendingCR = true
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                out.append(String(current))
                current = String.UnicodeScalarView()
            default:
                break
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// Text as nbformat stores it: a list of lines.
    static func lines(_ s: String) -> JSONValue { .array(splitLines(s).map { .string($0) }) }

    /// Numbers rewritten as Python prints what it parsed: integers in plain decimal,
    /// other numbers as `repr(float)`.
    static func normalized(_ v: JSONValue) -> JSONValue {
        switch v {
        case let .number(d, text):
            if let n = Int(text) { return .int(n) }
            if text.allSatisfy({ $0.isNumber || $0 == "-" }) { return v }  // an integer beyond Int: Python prints it as is
            return .number(d, text: floatRepr(d))
        case let .array(items): return .array(items.map(normalized))
        case let .object(members): return .object(members.map { ($0.key, normalized($0.value)) })
        default: return v
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits, exponent form when the decimal
    /// exponent is below -4 or above 15 (`1e-05`, `1e+16`), otherwise a fixed form with at
    /// least one fractional digit (`1.0`, `1000000000000000.0`).
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        // Swift's description has the same shortest digits; only the layout differs.
        var text = "\(d.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        var point = intPart.count + exponent  // value = 0.digits × 10^point
        while digits.hasPrefix("0"), digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
        let sign = d.sign == .minus ? "-" : ""
        if digits == "0" { return sign + "0.0" }
        if point <= -4 || point > 16 {
            let e = point - 1
            let mantissa = digits.count > 1 ? digits.prefix(1) + "." + digits.dropFirst() : digits
            let eText = String(abs(e))
            return sign + mantissa + "e" + (e < 0 ? "-" : "+") + (eText.count < 2 ? "0" + eText : eText)
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + ".0" }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
    }
}
