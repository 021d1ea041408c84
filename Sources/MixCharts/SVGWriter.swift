/// A minimal XML writer for SVG and HTML: elements with attributes in sorted order
/// (so output is byte-stable), escaped text, and compact numbers.
struct SVGWriter {
    private(set) var text = ""

    mutating func open(_ name: String, _ attributes: [String: String] = [:]) {
        text += "<\(name)\(Self.attributes(attributes))>"
    }

    mutating func close(_ name: String) { text += "</\(name)>\n" }

    mutating func element(_ name: String, _ attributes: [String: String] = [:], text content: String? = nil) {
        if let content {
            text += "<\(name)\(Self.attributes(attributes))>\(Self.escape(content))</\(name)>\n"
        } else {
            text += "<\(name)\(Self.attributes(attributes))/>\n"
        }
    }

    mutating func element(_ name: String, _ attributes: [String: String] = [:], children: (inout SVGWriter) -> Void) {
        open(name, attributes)
        children(&self)
        close(name)
    }

    mutating func raw(_ s: String) { text += s }

    static func attributes(_ a: [String: String]) -> String {
        a.keys.sorted().map { " \($0)=\"\(escape(a[$0] ?? ""))\"" }.joined()
    }

    /// Escapes the five XML special characters.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        return TickFormat.trim(r, decimals: 2)
    }
}
