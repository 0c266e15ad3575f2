/// Estimated text extents, so margins can be sized from the labels without a font engine.
///
/// Widths are Helvetica's advance widths (Adobe AFM, 1/1000 em) times a safety factor that covers
/// the wider fallback fonts (DejaVu Sans is about 14% wider); estimating wide only costs a few
/// points of margin, estimating narrow would clip labels.
enum TextMetrics {
    static let safety = 1.15

    /// Helvetica advance widths for ASCII 32...126.
    private static let ascii: [UInt16] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // ' ' .. '/'
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // '0' .. '?'
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@' .. 'O'
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // 'P' .. '_'
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // '`' .. 'o'
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,       // 'p' .. '~'
    ]

    /// Advance width of one scalar in em units.
    static func advance(_ scalar: Unicode.Scalar) -> Double {
        let v = scalar.value
        if v >= 32 && v <= 126 { return Double(ascii[Int(v - 32)]) / 1000 }
        switch v {
        case 0x2070...0x209F, 0x00B2, 0x00B3, 0x00B9: return 0.36   // superscripts
        case 0x2212, 0x00D7, 0x00B1: return 0.584                      // minus, times, plus-minus
        case 0x00B7, 0x2009: return 0.278
        case 0x1100...0x11FF, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFF00...0xFF60:
            return 1.0                                                 // CJK and full-width forms
        default: return 0.65
        }
    }

    /// Estimated width in pt of `text` at `size` pt.
    static func width(_ text: String, size: Double) -> Double {
        var em = 0.0
        for s in text.unicodeScalars { em += advance(s) }
        return em * size * safety
    }

    /// Height used for layout: cap height plus descender, close to the font size itself.
    static func height(size: Double) -> Double { size }
}
