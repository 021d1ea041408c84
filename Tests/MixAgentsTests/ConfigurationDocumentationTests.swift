import Foundation
import Testing
import MixAgents

/// docs/configuration.md lists every option with the type, default, presets and
/// documentation of the table in Sources/MixAgents/TrainingOptions.swift. The listing
/// is generated from the table; this test fails when the document's copy differs (an
/// option missing, a wrong default). `MIXRL_UPDATE_DOCS=1 swift test --filter
/// ConfigurationDocumentationTests` rewrites it; commit the result.
@Suite struct ConfigurationDocumentationTests {
    static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/configuration.md")

    /// The text between `<!-- BEGIN GENERATED NAME ...-->` and `<!-- END GENERATED NAME -->`.
    static func section(_ name: String, of text: String) -> (range: Range<String.Index>, body: String)? {
        guard let begin = text.range(of: "<!-- BEGIN GENERATED \(name)"),
              let beginEnd = text[begin.upperBound...].range(of: "-->\n"),
              let end = text.range(of: "<!-- END GENERATED \(name) -->", range: beginEnd.upperBound..<text.endIndex)
        else { return nil }
        let range = beginEnd.upperBound..<end.lowerBound
        return (range, String(text[range]))
    }

    @Test func theDocumentListsTheTable() throws {
        var text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let generated = [("OPTIONS", TrainingOptions.markdownTable + "\n"), ("PRESETS", TrainingOptions.markdownFamilies + "\n")]
        let update = ProcessInfo.processInfo.environment["MIXRL_UPDATE_DOCS"] == "1"
        for (name, expected) in generated {
            let found = try #require(Self.section(name, of: text), "docs/configuration.md has no GENERATED \(name) section")
            if update {
                text.replaceSubrange(found.range, with: expected)
            } else {
                #expect(found.body == expected, "docs/configuration.md's \(name) differ from the table; MIXRL_UPDATE_DOCS=1 swift test --filter ConfigurationDocumentationTests rewrites them")
            }
        }
        if update { try text.write(to: Self.documentURL, atomically: true, encoding: .utf8) }
        // Every key and its default appear on the key's row (a check independent of the generator).
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for option in TrainingOptions.all {
            let row = rows.first { $0.hasPrefix("| `\(option.key)` |") }
            #expect(row != nil, "docs/configuration.md has no row for \(option.key)")
            let shown = option.defaultValue == .unset ? "unset" : "`\(option.defaultValue)`"
            #expect(row?.split(separator: "|").dropFirst(2).first?.trimmingCharacters(in: .whitespaces) == shown,
                    "\(option.key): the document's default is not \(shown)")
        }
    }
}
