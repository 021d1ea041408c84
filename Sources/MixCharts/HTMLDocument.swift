import Foundation

/// A self-contained HTML page (inline CSS and SVG, no scripts, no external files) built
/// from headings, paragraphs, tables and charts; what `report.html` is made of.
package struct HTMLDocument: Sendable {
    /// The page title (also its first heading).
    package var title: String
    private var body = ""

    /// An empty page titled `title`.
    package init(title: String) { self.title = title }

    /// A section heading (`level` 2 or 3).
    package mutating func heading(_ text: String, level: Int = 2) {
        let l = min(max(level, 1), 4)
        body += "<h\(l)>\(SVGWriter.escape(text))</h\(l)>\n"
    }

    /// A paragraph of plain text.
    package mutating func paragraph(_ text: String, className: String? = nil) {
        body += "<p\(className.map { " class=\"\($0)\"" } ?? "")>\(SVGWriter.escape(text))</p>\n"
    }

    /// A table; cells are plain text. Numeric-looking columns are right-aligned.
    package mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
        body += "<table>\n"
        if let caption { body += "<caption>\(SVGWriter.escape(caption))</caption>\n" }
        body += "<thead><tr>" + header.map { "<th>\(SVGWriter.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            body += "<tr>" + row.map { cell in
                let numeric = Double(cell.replacingOccurrences(of: "±", with: "").split(separator: " ").first.map(String.init) ?? "") != nil
                return "<td\(numeric ? " class=\"num\"" : "")>\(SVGWriter.escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        body += "</tbody></table>\n"
    }

    /// A chart drawn inline, with a caption.
    package mutating func chart(_ chart: Chart, caption: String? = nil) {
        body += "<figure>\n" + chart.svg()
        if let caption { body += "<figcaption>\(SVGWriter.escape(caption))</figcaption>\n" }
        body += "</figure>\n"
    }

    /// Preformatted text (error tails).
    package mutating func preformatted(_ text: String) {
        body += "<pre>\(SVGWriter.escape(text))</pre>\n"
    }

    /// The page.
    package func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(SVGWriter.escape(title))</title>
        <style>
        body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
        h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
        table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;color:#555;padding-bottom:.3em}
        th,td{border:1px solid #ddd;padding:.3em .6em}th{background:#f5f5f5;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
        figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}svg{max-width:100%;height:auto}
        pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}.note{color:#555}
        </style>
        </head>
        <body>
        <h1>\(SVGWriter.escape(title))</h1>
        \(body)</body>
        </html>

        """
    }
}

/// A Markdown table with padded columns, readable as plain text in a terminal.
package struct MarkdownTable: Sendable {
    /// Column titles.
    package var header: [String]
    /// Cells, row by row.
    package var rows: [[String]]

    /// A table with the given cells.
    package init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The table as Markdown lines, columns padded to equal width.
    package func render() -> String {
        let columns = header.count
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.prefix(columns).enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            "| " + (0..<columns).map { i in
                let c = i < cells.count ? cells[i] : ""
                return c + String(repeating: " ", count: widths[i] - c.count)
            }.joined(separator: " | ") + " |"
        }
        var out = [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
