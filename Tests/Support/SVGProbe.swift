import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses a chart's SVG and collects what the tests look for: the series and legend
/// names, elements per class, points per line, texts.
public final class SVGProbe: NSObject, XMLParserDelegate {
    /// The `data-name` of each element of class `series`, in order.
    public var seriesNames: [String] = []
    /// The `data-name` of each element of class `legend-entry`, in order.
    public var legendNames: [String] = []
    /// Elements per `class` attribute.
    public var classes: [String: Int] = [:]
    /// Per series, the words of its line's path (`M`, `L` and coordinates).
    public var lineCoordinates: [String: Int] = [:]
    /// The content of every `text` and `title` element.
    public var texts: [String] = []
    var currentSeries: String?
    var text = ""

    /// The probe of `svg`, nil if it is not well-formed XML.
    public static func parse(_ svg: String) -> SVGProbe? {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        return parser.parse() ? probe : nil
    }

    public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let cls = attributes["class"] ?? ""
        classes[cls, default: 0] += 1
        if cls == "series", let n = attributes["data-name"] { seriesNames.append(n); currentSeries = n }
        if cls == "legend-entry", let n = attributes["data-name"] { legendNames.append(n) }
        if cls == "line", let s = currentSeries, let d = attributes["d"] { lineCoordinates[s] = d.split(separator: " ").count }
        text = ""
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(text) }
    }
}
