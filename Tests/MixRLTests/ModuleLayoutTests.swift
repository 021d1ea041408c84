import Foundation
import Testing

/// The module table of docs/architecture.md names exactly the folders of `Sources/`, and each
/// module states its one concern in a file named after it.
@Suite struct ModuleLayoutTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `module` column of the layer table (the first backticked name of each row).
    static func tableModules() throws -> Set<String> {
        let page = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("| layer | module |") }) else {
            Issue.record("docs/architecture.md has no '| layer | module |' table")
            return []
        }
        var names: Set<String> = []
        for line in lines[(header + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let open = cells[1].firstIndex(of: "`") else { continue }
            let rest = cells[1][cells[1].index(after: open)...]
            if let close = rest.firstIndex(of: "`") { names.insert(String(rest[..<close])) }
        }
        return names
    }

    static func sourceFolders() throws -> Set<String> {
        let sources = root.appendingPathComponent("Sources")
        return Set(try FileManager.default.contentsOfDirectory(atPath: sources.path).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: sources.appendingPathComponent($0).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        })
    }

    @Test func tableNamesEverySourceFolder() throws {
        let table = try Self.tableModules().subtracting(["COpenBLAS"])  // a module map in Modules/, not Sources/
        #expect(table == (try Self.sourceFolders()))
    }

    @Test func everyLibraryModuleStatesItsConcern() throws {
        for module in try Self.sourceFolders() where module != "mixrl" {
            let file = Self.root.appendingPathComponent("Sources/\(module)/\(module).swift")
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            #expect(text.hasPrefix("//"), "Sources/\(module)/\(module).swift should open with a comment stating the module's concern")
        }
    }
}
