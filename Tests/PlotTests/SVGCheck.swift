import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses SVG with Foundation's XMLParser and collects what the hygiene tests look at.
final class SVGCheck: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [(element: String, name: String, value: String)] = []
    var texts: [String] = []
    private var current = ""

    /// Nil when the document is not well-formed XML.
    static func parse(_ svg: String) -> SVGCheck? {
        let check = SVGCheck()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = check
        return parser.parse() ? check : nil
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(elementName)
        for (k, v) in attributeDict.sorted(by: { $0.key < $1.key }) { attributes.append((elementName, k, v)) }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "text" { texts.append(current) }
        current = ""
    }

    func values(of name: String) -> [String] { attributes.filter { $0.name == name }.map(\.value) }
}
