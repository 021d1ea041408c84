import Foundation
import MixRL
import Testing
import MixTestSupport

/// Every public symbol of the library carries a documentation comment (issue #9).
///
/// The test runs `swift-symbolgraph-extract` on the modules this very build produced
/// (the `Modules` folder next to the test executable, whatever the `--scratch-path`),
/// with the compiler flags SwiftPM used for each module (read from the build's
/// `<configuration>.yaml`), at minimum access level `public`, and fails listing each
/// public symbol without a `///` comment of its own. Compiler-synthesized members
/// (`!=`, `Codable` conformances, default implementations inherited from the standard
/// library) are not checked: there is no source to comment.
@Suite(.integration) struct PublicDocumentationTests {
    /// The modules whose public symbols must all be documented.
    ///
    /// To enforce it for another library module (MixAgents), add its name here: the test
    /// then lists its undocumented symbols until every one has a comment.
    static let enforcedModules = ["MixProcess", "MixTensor", "MixGraph", "MixPolicy", "MixEnvs", "MixAgents",
                                  "MixCharts", "MixAnalysis", "MixSweeps", "MixReports", "MixRL"]

    /// Every library module: each must produce a symbol graph, so the extraction itself is
    /// known to work on all of them (not only on the enforced ones).
    static let libraryModules = ["MixProcess", "MixTensor", "MixGraph", "MixPolicy", "MixEnvs", "MixAgents",
                                 "MixCharts", "MixAnalysis", "MixSweeps", "MixReports", "MixRL"]

    /// Modules with no public API of their own, whose symbol graphs may be empty: the
    /// umbrella (only re-exports), MixProcess, and the modules above MixAgents other than
    /// MixSweeps (all `package`, for the `mixrl` executable and the tests; MixSweeps has
    /// `LocalSweep`). MixBench is the executable's harness, outside the MixRL product.
    static let modulesWithoutPublicAPI: Set<String> = ["MixRL", "MixProcess", "MixCharts", "MixAnalysis", "MixReports"]

    /// The public symbols of every library module, extracted once for both tests.
    /// Failures to extract are recorded as issues; their modules are missing.
    static let extracted: [String: [SymbolGraph.Symbol]] = {
        do { return try extractAll() } catch {
            Issue.record("cannot extract the symbol graphs: \(error)")
            return [:]
        }
    }()

    static func extractAll() throws -> [String: [SymbolGraph.Symbol]] {
        let build = try BuildLayout.locate()
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("mixrl-symbolgraphs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }

        // One extractor process per module. Most of an extraction's time is building the
        // clang modules of the C dependencies into the module cache, so the first module
        // runs alone to fill the cache and the others then run side by side on it (about
        // 0.1 s each instead of 1.5 s).
        var runs: [(module: String, process: Process, log: URL)] = []
        for module in Self.libraryModules {
            let directory = output.appendingPathComponent(module)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let log = directory.appendingPathComponent("extract.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = build.extractor
            process.arguments = ["-module-name", module, "-minimum-access-level", "public",
                                 "-output-dir", directory.path,
                                 "-module-cache-path", output.appendingPathComponent("ModuleCache").path]
                + build.flags(for: module)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            if runs.isEmpty { process.waitUntilExit() }
            runs.append((module, process, log))
        }
        var result: [String: [SymbolGraph.Symbol]] = [:]
        for run in runs {
            run.process.waitUntilExit()
            guard run.process.terminationStatus == 0 else {
                let log = (try? String(contentsOf: run.log, encoding: .utf8)) ?? ""
                Issue.record("swift-symbolgraph-extract failed for \(run.module) (status \(run.process.terminationStatus)):\n\(log)")
                continue
            }
            result[run.module] = try Self.symbols(of: run.module, in: output.appendingPathComponent(run.module))
        }
        return result
    }

    @Test func everyPublicSymbolIsDocumented() throws {
        let extracted = Self.extracted
        try #require(!extracted.isEmpty)
        var undocumented: [String] = []
        for module in Self.libraryModules {
            guard let symbols = extracted[module] else { Issue.record("\(module): no symbol graph"); continue }
            if symbols.isEmpty && !Self.modulesWithoutPublicAPI.contains(module) {
                Issue.record("\(module): the symbol graph has no public symbols; the extraction is not seeing the module")
            }
            guard Self.enforcedModules.contains(module) else { continue }
            for symbol in symbols where !symbol.isDocumented(in: module) {
                undocumented.append("\(module): \(symbol.kind.identifier) \(symbol.pathComponents.joined(separator: "."))"
                                    + (symbol.location.map { " (\($0.place))" } ?? ""))
            }
        }
        if !undocumented.isEmpty {
            Issue.record("""
                \(undocumented.count) public symbol(s) have no documentation comment; add a `///` comment \
                (or make the symbol `package` if it is not part of the library's API):
                \(undocumented.sorted().joined(separator: "\n"))
                """)
        }
    }

    /// `docs/library.md` lists the public API type by type: every public type, protocol,
    /// type alias and free function appears there as `` `Name` `` (nested types by their
    /// dotted path, `` `SACAgent.ActingMode` ``), and every name it lists in a table's
    /// first column still exists.
    @Test func libraryPageListsEveryPublicType() throws {
        let extracted = Self.extracted
        try #require(!extracted.isEmpty)
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/library.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let kinds: Set<String> = ["swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias", "swift.func"]
        var names: Set<String> = []
        for (_, symbols) in extracted {
            for symbol in symbols where kinds.contains(symbol.kind.identifier) {
                let path = symbol.pathComponents.joined(separator: ".")
                names.insert(path.components(separatedBy: "(")[0])
            }
        }
        let missing = names.filter { !text.contains("`\($0)`") && !text.contains("`\($0)(") }.sorted()
        #expect(missing.isEmpty, "docs/library.md does not list: \(missing.joined(separator: ", "))")
        // The other way round: each table row's symbol exists.
        var listed: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            listed.append(String(cell.prefix { $0 != "(" }))
        }
        let unknown = listed.filter { !names.contains($0) }
        #expect(unknown.isEmpty, "docs/library.md lists names that are not public types or functions: \(unknown.joined(separator: ", "))")
    }

    /// The symbols declared in `module`: its own graph plus the graphs of its extensions
    /// to other modules' types (`Module@Other.symbols.json`), without synthesized members
    /// and without symbols that have no source location (implicit declarations).
    static func symbols(of module: String, in directory: URL) throws -> [SymbolGraph.Symbol] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0 == "\(module).symbols.json" || ($0.hasPrefix("\(module)@") && $0.hasSuffix(".symbols.json")) }
        var symbols: [SymbolGraph.Symbol] = []
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let graph = try JSONDecoder().decode(SymbolGraph.self, from: data)
            symbols += graph.symbols.filter {
                !$0.identifier.precise.contains("::SYNTHESIZED::") && $0.location != nil
                    && ($0.accessLevel == "public" || $0.accessLevel == "open")
            }
        }
        return symbols
    }
}

/// The parts of a symbol graph file the test reads.
struct SymbolGraph: Decodable {
    struct Symbol: Decodable {
        struct Kind: Decodable { var identifier: String }
        struct Identifier: Decodable { var precise: String }
        struct DocComment: Decodable {
            struct Line: Decodable {
                struct Range: Decodable { var start: Location.Position }
                var text: String
                var range: Range?
            }
            var uri: String?
            var module: String?
            var lines: [Line]
        }
        struct Location: Decodable {
            struct Position: Decodable { var line: Int }
            var uri: String
            var position: Position
            /// `Sources/Module/File.swift:line` (1-based).
            var place: String {
                let path = uri.replacingOccurrences(of: "file://", with: "")
                let short = path.range(of: "/Sources/").map { String(path[path.index(after: $0.lowerBound)...]) } ?? path
                return "\(short):\(position.line + 1)"
            }
        }
        var kind: Kind
        var identifier: Identifier
        var pathComponents: [String]
        var accessLevel: String
        var docComment: DocComment?
        var location: Location?

        /// Whether the symbol has a non-empty comment of its own: written in `module`, in
        /// the symbol's file, ending just above the declaration (attributes may sit
        /// between). A witness without a comment shows its protocol requirement's comment
        /// in the graph; that one lives elsewhere, so it does not count.
        func isDocumented(in module: String) -> Bool {
            guard let doc = docComment, doc.module == nil || doc.module == module else { return false }
            guard doc.lines.contains(where: { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }) else { return false }
            guard let location else { return true }
            if let uri = doc.uri, uri != location.uri { return false }
            if let last = doc.lines.last?.range?.start.line {
                let gap = location.position.line - last
                return gap >= 1 && gap <= 8
            }
            return true
        }
    }
    var symbols: [Symbol]
}

/// Where this build put its modules and how SwiftPM compiled them.
struct BuildLayout {
    struct Missing: Error, CustomStringConvertible { var description: String }

    /// The `swift-symbolgraph-extract` executable.
    var extractor: URL
    /// The folder holding the built `.swiftmodule`s.
    var modules: URL
    /// Each module's compiler arguments, from the build description.
    var arguments: [String: [String]]

    /// Search paths, module maps and the target triple from `module`'s compile command:
    /// what the extractor needs to load the module and its C dependencies.
    func flags(for module: String) -> [String] {
        var flags = ["-I", modules.path]
        let args = arguments[module] ?? []
        var i = 0
        while i < args.count {
            let a = args[i]
            if ["-target", "-I", "-F", "-Xcc", "-sdk", "-resource-dir"].contains(a), i + 1 < args.count {
                flags += [a, args[i + 1]]; i += 2; continue
            }
            if (a.hasPrefix("-I") || a.hasPrefix("-F")) && a.count > 2 { flags.append(a) }
            i += 1
        }
        if !flags.contains("-target") {
            #if arch(x86_64)
            flags += ["-target", "x86_64-unknown-linux-gnu"]
            #elseif arch(arm64)
            flags += ["-target", "aarch64-unknown-linux-gnu"]
            #endif
        }
        return flags
    }

    /// Finds the test executable's build folder, its `Modules`, the build description
    /// next to it (`<scratch>/<configuration>.yaml`) and the extractor (next to the
    /// `swiftc` the build used, `$SWIFT_SYMBOLGRAPH_EXTRACT`, or on `PATH`).
    static func locate() throws -> BuildLayout {
        let fm = FileManager.default
        let executable = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        var found: URL?
        for _ in 0..<5 {
            if fm.fileExists(atPath: directory.appendingPathComponent("Modules/MixTensor.swiftmodule").path) {
                found = directory; break
            }
            directory = directory.deletingLastPathComponent()
        }
        guard let binary = found else {
            throw Missing(description: "no Modules/MixTensor.swiftmodule above the test executable \(executable)")
        }
        let configuration = binary.lastPathComponent
        let scratch = binary.deletingLastPathComponent().deletingLastPathComponent()
        let yaml = scratch.appendingPathComponent("\(configuration).yaml")
        guard let description = try? String(contentsOf: yaml, encoding: .utf8) else {
            throw Missing(description: "no build description at \(yaml.path)")
        }
        var arguments: [String: [String]] = [:]
        for line in description.split(separator: "\n") where line.contains("\"-module-name\"") {
            guard let start = line.range(of: "args: ") else { continue }
            guard let args = try? JSONDecoder().decode([String].self, from: Data(line[start.upperBound...].utf8)),
                  let name = args.firstIndex(of: "-module-name").map({ args[$0 + 1] }),
                  arguments[name] == nil else { continue }
            arguments[name] = args
        }

        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["SWIFT_SYMBOLGRAPH_EXTRACT"] { candidates.append(path) }
        if let swiftc = arguments["MixTensor"]?.first {
            candidates.append(URL(fileURLWithPath: swiftc).deletingLastPathComponent()
                .appendingPathComponent("swift-symbolgraph-extract").path)
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/swift-symbolgraph-extract")
        }
        guard let extractor = candidates.first(where: { fm.isExecutableFile(atPath: $0) }) else {
            throw Missing(description: "swift-symbolgraph-extract not found (looked next to the build's swiftc, "
                          + "in $SWIFT_SYMBOLGRAPH_EXTRACT and on PATH); set SWIFT_SYMBOLGRAPH_EXTRACT to the toolchain's copy")
        }
        return BuildLayout(extractor: URL(fileURLWithPath: extractor),
                           modules: binary.appendingPathComponent("Modules"), arguments: arguments)
    }
}
