import Foundation

extension VarianceReport {
    /// The files of a report, by name: `variance.md`, `variance.csv`, `reference.csv`,
    /// `report.html` and one SVG per chart.
    package func files(command: String? = nil) -> [(name: String, contents: String)] {
        [("variance.md", markdown(command: command)), ("variance.csv", csv()), ("reference.csv", referenceCSV()),
         ("report.html", html(command: command))] + charts().map { ($0.fileName, $0.chart.svg()) }
    }

    /// Writes ``files(command:)`` into `folder` (created if missing) and returns their URLs.
    package func write(to folder: URL, command: String? = nil) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try files(command: command).map { name, contents in
            let url = folder.appendingPathComponent(name)
            try contents.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }
}
