import Foundation
import MixSweeps
import MixTestSupport
import Testing

/// A TOML value reduced to what `TOMLCorpus/tagged.py` prints for Python's `tomllib`:
/// tagged leaves ("i:5", "f:<IEEE bits>", "b:true", "s:text"), lists and tables.
indirect enum TaggedTOML: Equatable, CustomStringConvertible {
    case leaf(String)
    case list([TaggedTOML])
    case table([String: TaggedTOML])

    init(_ table: TOMLTable) {
        var out: [String: TaggedTOML] = [:]
        for key in table.keys { if let v = table[key] { out[key] = TaggedTOML(v) } }
        self = .table(out)
    }

    init(_ value: TOMLValue) {
        switch value.kind {
        case .string(let s): self = .leaf("s:" + s)
        case .integer(let i): self = .leaf("i:\(i)")
        case .float(let d): self = .leaf(d.isNaN ? "f:nan" : "f:\(d.bitPattern)")
        case .boolean(let b): self = .leaf("b:\(b)")
        case .array(let a): self = .list(a.map(TaggedTOML.init))
        case .table(let t): self = TaggedTOML(t)
        case .tableArray(let ts): self = .list(ts.map(TaggedTOML.init))
        }
    }

    /// From the JSON that tagged.py prints.
    init?(json: Any) {
        if let s = json as? String { self = .leaf(s); return }
        if let a = json as? [Any] {
            var items: [TaggedTOML] = []
            for x in a { guard let t = TaggedTOML(json: x) else { return nil }; items.append(t) }
            self = .list(items)
            return
        }
        if let d = json as? [String: Any] {
            var out: [String: TaggedTOML] = [:]
            for (k, x) in d { guard let t = TaggedTOML(json: x) else { return nil }; out[k] = t }
            self = .table(out)
            return
        }
        return nil
    }

    var description: String {
        switch self {
        case .leaf(let s): return s.debugDescription
        case .list(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.keys.sorted().map { "\($0.debugDescription): \(t[$0]?.description ?? "")" }.joined(separator: ", ") + "}"
        }
    }
}

/// The corpus: `valid/*.toml` and `invalid/*.toml`, and what `tomllib` read from them
/// (`valid-tomllib.json`, `invalid-tomllib.json`, written by `tagged.py`; the
/// `.needsVenv` test checks that they still are what `tomllib` reads).
enum TOMLCorpus {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("TOMLCorpus")

    static func files(_ kind: String) -> [URL] {
        let dir = folder.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// The JSON object by file name that tagged.py prints.
    static func oracle(_ json: Data) throws -> [String: [String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: json) as? [String: [String: Any]])
    }

    static func stored(_ kind: String) throws -> [String: [String: Any]] {
        try oracle(Data(contentsOf: folder.appendingPathComponent("\(kind)-tomllib.json")))
    }
}

@Suite struct TOMLCorpusTests {
    @Test func theCorpusIsLargeEnough() {
        #expect(TOMLCorpus.files("valid").count >= 30)
        #expect(TOMLCorpus.files("invalid").count >= 20)
    }

    /// Every valid document reads to exactly the values tomllib reads (floats to the bit).
    @Test func validDocumentsReadAsTomllibReadsThem() throws {
        let expected = try TOMLCorpus.stored("valid")
        for url in TOMLCorpus.files("valid") {
            let name = url.lastPathComponent
            let want = try #require(expected[name]?["value"].flatMap { TaggedTOML(json: $0) }, "\(name) is missing from valid-tomllib.json")
            do {
                let got = TaggedTOML(try TOMLParser.parse(try TOMLCorpus.text(url), source: name))
                #expect(got == want, "\(name): read \(got), tomllib reads \(want)")
            } catch {
                Issue.record("\(name) was rejected: \(error)")
            }
        }
    }

    /// Every invalid document is rejected with a line number: the line tomllib names,
    /// or (where tomllib names the end of the document) a line of the document.
    @Test func invalidDocumentsAreRejectedWithTheirLine() throws {
        let expected = try TOMLCorpus.stored("invalid")
        for url in TOMLCorpus.files("invalid") {
            let name = url.lastPathComponent
            let text = try TOMLCorpus.text(url)
            let tomllibLine = try #require(expected[name]?["error_line"] as? Int, "\(name) is missing from invalid-tomllib.json")
            do {
                let doc = try TOMLParser.parse(text, source: name)
                Issue.record("\(name) was accepted: \(TaggedTOML(doc))")
            } catch {
                let line = error.location?.line ?? 0
                #expect(error.description.hasPrefix("\(name):\(line): "), "\(error)")
                if tomllibLine > 0 {
                    #expect(line == tomllibLine, "\(name): error on line \(line), tomllib says line \(tomllibLine): \(error)")
                } else {
                    #expect(line >= 1 && line <= text.split(separator: "\n", omittingEmptySubsequences: false).count, "\(name): \(error)")
                }
            }
        }
    }

    /// The stored expectations are what tomllib reads today, and the reader agrees with it.
    @Test(.needsVenv) func tomllibIsTheOracle() throws {
        let script = try String(contentsOf: TOMLCorpus.folder.appendingPathComponent("tagged.py"), encoding: .utf8)
        for kind in ["valid", "invalid"] {
            let live = try TOMLCorpus.oracle(Data(TestEnvironment.runPython(script, arguments: TOMLCorpus.files(kind).map(\.path)).utf8))
            let stored = try TOMLCorpus.stored(kind)
            #expect(Set(live.keys) == Set(stored.keys))
            for (name, entry) in live {
                if kind == "valid" {
                    let value = try #require(entry["value"].flatMap { TaggedTOML(json: $0) }, "tomllib rejects \(name): \(entry)")
                    #expect(stored[name]?["value"].flatMap { TaggedTOML(json: $0) } == value, "\(name): stored expectation is stale")
                    let url = TOMLCorpus.folder.appendingPathComponent("valid/\(name)")
                    #expect((try? TaggedTOML(TOMLParser.parse(TOMLCorpus.text(url), source: name))) == value, "\(name)")
                } else {
                    let line = try #require(entry["error_line"] as? Int, "tomllib accepts \(name)")
                    #expect(stored[name]?["error_line"] as? Int == line, "\(name): stored expectation is stale")
                }
            }
        }
    }

    /// What TOML allows and the reader does not: dates and times (no option takes one),
    /// and integers beyond 64 bits. Both are refused with the line and a way out.
    @Test func datesAndHugeIntegersAreRefusedWithAHint() {
        for (text, fragment) in [("when = 1979-05-27", "write '1979-05-27' as a string in quotes"),
                                 ("t = 07:32:00", "dates and times are not supported"),
                                 ("n = 9_223_372_036_854_775_808", "out of range for an integer")] {
            #expect { _ = try TOMLParser.parse("# x\n" + text, source: "s.toml") } throws: { error in
                guard let e = error as? SweepSpecError else { return false }
                return e.location?.line == 2 && e.message.contains(fragment)
            }
        }
    }

    /// `mixrl sweep plan` reads a spec written with inline tables.
    @Test(.integration) func mixrlReadsInlineTables() throws {
        let dir = try TestEnvironment.temporaryDirectory("mixrl-toml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("inline.toml")
        try """
            [grid]
            environment = "Pendulum-v1"
            seeds = 2
            variant = [
                { policy = "gaussian", estimator = "rp" },
                { policy = "mixture", components = [2, 5], estimator = "mrp" },
            ]

            [report]
            thresholds = { "Pendulum-v1" = -200 }
            """.write(to: spec, atomically: true, encoding: .utf8)
        let plan = try MixrlRun(["sweep", "plan", spec.path], logsIn: dir)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("sweep inline: 6 runs into "), "\(plan.stdout)")
    }

    /// Inline tables and arrays of inline tables in a sweep spec plan the same runs, with
    /// the same report options, as the sections they abbreviate.
    @Test func inlineTablesInASpecMeanTheirSections() throws {
        let sections = """
            [grid]
            environment = "Pendulum-v1"
            seeds = 2

            [[grid.variant]]
            policy = "gaussian"
            estimator = "rp"

            [[grid.variant]]
            policy = "mixture"
            components = [2, 5]
            estimator = "mrp"

            [preset."Pendulum-v1"]
            steps = 1000

            [report.thresholds]
            "Pendulum-v1" = -200
            """
        let inline = """
            preset = { "Pendulum-v1" = { steps = 1_000 } }

            [grid]
            environment = "Pendulum-v1"
            seeds = 2
            variant = [
                { policy = "gaussian", estimator = "rp" },
                { policy = "mixture", components = [2, 5], estimator = "mrp" },  # trailing comma
            ]

            [report]
            thresholds = { "Pendulum-v1" = -200 }
            """
        let a = try SweepSpec.parse(sections, source: "sections.toml")
        let b = try SweepSpec.parse(inline, source: "inline.toml")
        #expect(try a.plan().runs.map(\.id) == b.plan().runs.map(\.id))
        #expect(try b.plan().runs.count == 6)
        #expect(b.report.thresholds == ["Pendulum-v1": -200])
        #expect(a.report == b.report)
    }
}
