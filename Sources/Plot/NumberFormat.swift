/// Fixed, locale-free number formatting for SVG attributes and tick labels.
///
/// Coordinates are written with at most two decimals, never as `-0`, never in exponent notation,
/// so the same figure always produces the same bytes on every platform.
enum NumberFormat {
    /// Formats `value` with at most `decimals` (0...6) decimals, trailing zeros removed.
    /// Non-finite values are written as `0` (callers drop them earlier; this is a last guard).
    static func fixed(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        let d = max(0, min(6, decimals))
        var scale: Int64 = 1
        for _ in 0..<d { scale *= 10 }
        let magnitude = abs(value) * Double(scale)
        // Clamp to what fits in Int64 (about 9.2e18): far beyond any coordinate we write.
        let scaled = Int64(min(magnitude.rounded(), 9.0e18))
        if scaled == 0 { return "0" }
        var out = value < 0 ? "-" : ""
        out += String(scaled / scale)
        var frac = scaled % scale
        if frac != 0 {
            var digits = d
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            let s = String(frac)
            out += "." + String(repeating: "0", count: digits - s.count) + s
        }
        return out
    }

    /// Coordinate formatting used throughout the SVG: two decimals.
    @inline(__always)
    static func coord(_ value: Double) -> String { fixed(value, decimals: 2) }

    /// Replaces a leading ASCII hyphen with the typographic minus sign (U+2212) for labels.
    static func typographicMinus(_ s: String) -> String {
        s.hasPrefix("-") ? "\u{2212}" + s.dropFirst() : s
    }

    /// Number of decimals (0...6) needed to write every value in `values` exactly at 1e-9 relative
    /// tolerance (used for tick labels so 0.25-steps show two decimals and integer steps none).
    static func decimalsNeeded(_ values: [Double]) -> Int {
        for d in 0...6 {
            var p = 1.0
            for _ in 0..<d { p *= 10 }
            let ok = values.allSatisfy { v in
                let s = v * p
                return abs(s - s.rounded()) <= 1e-6 * max(1, abs(s))
            }
            if ok { return d }
        }
        return 6
    }

    /// Writes an integer exponent with Unicode superscript digits, e.g. `-3` → `⁻³`.
    static func superscript(_ n: Int) -> String {
        let map: [Character: String] = [
            "0": "\u{2070}", "1": "\u{00B9}", "2": "\u{00B2}", "3": "\u{00B3}", "4": "\u{2074}",
            "5": "\u{2075}", "6": "\u{2076}", "7": "\u{2077}", "8": "\u{2078}", "9": "\u{2079}",
            "-": "\u{207B}",
        ]
        return String(n).map { map[$0] ?? String($0) }.joined()
    }
}
