/// A minimal append-only SVG writer: presentation attributes only, fixed number formatting,
/// XML-escaped text. It never writes CSS, `style=`, timestamps or anything environment-dependent.
struct SVGWriter {
    private(set) var output: String = ""

    init(capacity: Int = 16_384) { output.reserveCapacity(capacity) }

    /// Escapes the five XML special characters and drops control characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            switch s {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = s.value
                if v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D { continue }
                if v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(s)
            }
        }
        return out
    }

    mutating func raw(_ s: String) { output += s }

    /// Opens an element with attributes given as (name, value) pairs in the given order.
    mutating func open(_ name: String, _ attributes: [(String, String)] = [], selfClosing: Bool = false) {
        output += "<" + name
        for (k, v) in attributes { output += " " + k + "=\"" + SVGWriter.escape(v) + "\"" }
        output += selfClosing ? "/>\n" : ">\n"
    }

    mutating func element(_ name: String, _ attributes: [(String, String)]) {
        open(name, attributes, selfClosing: true)
    }

    mutating func close(_ name: String) { output += "</" + name + ">\n" }

    /// A `<text>` element with escaped content.
    mutating func text(_ content: String, _ attributes: [(String, String)]) {
        output += "<text"
        for (k, v) in attributes { output += " " + k + "=\"" + SVGWriter.escape(v) + "\"" }
        output += ">" + SVGWriter.escape(content) + "</text>\n"
    }

    /// Shorthand for a path `d` built from points: "M x y L x y ...".
    static func polyline(_ points: [(Double, Double)]) -> String {
        var d = ""
        d.reserveCapacity(points.count * 14)
        for (i, p) in points.enumerated() {
            d += (i == 0 ? "M" : "L") + NumberFormat.coord(p.0) + " " + NumberFormat.coord(p.1)
        }
        return d
    }
}
