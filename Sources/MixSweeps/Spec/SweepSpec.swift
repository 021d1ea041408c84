import Foundation
import MixAgents

/// A sweep: a grid of training configurations and how to run it. Read from a TOML file
/// (see docs/sweeps.md) with ``load(path:overrides:)``; ``plan()`` expands it into runs.
///
/// ```toml
/// [sweep]
/// name = "pendulum-k"
/// jobs = 2
///
/// [grid]
/// environment = ["Pendulum-v1"]
/// seeds = 3
///
/// [[grid.variant]]
/// policy = "gaussian"
/// estimator = "rp"
///
/// [[grid.variant]]
/// policy = "mixture"
/// components = [2, 5]
/// estimator = ["mrp", "lr"]
/// ```
package struct SweepSpec: Sendable {
    /// The sweep's name (letters, digits, `.`, `_`, `-`): folder and Slurm job names use it.
    package var name: String
    /// Where the sweep folder goes (relative paths to the current directory).
    package var outputFolder: String
    /// Runs at once in the local pool.
    package var jobs: Int = 1
    /// Extra attempts for a failed run in one invocation.
    package var retries: Int = 1
    /// BLAS threads per run (`OPENBLAS_NUM_THREADS`).
    package var threadsPerRun: Int = 1
    /// The grid of runs.
    package var grid: SweepGrid
    /// The `[slurm]` options.
    package var slurm = SlurmOptions()
    /// The `[report]` options.
    package var report = ReportOptions()
    /// The spec file (or `<built-in>`).
    package var source: String
    /// The spec's text as read, before overrides.
    package var text: String
    /// The `--set` overrides applied, in order.
    package var overrides: [String] = []

    /// Reads and checks the spec at `path`, applying `--set KEY=VALUE` overrides.
    package static func load(path: String, overrides: [String] = []) throws(SweepSpecError) -> SweepSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepSpecError("cannot read the sweep spec (no such file or not readable)", at: SourceLocation(source: path, line: 0))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SweepSpecError("the sweep spec is not UTF-8 text", at: SourceLocation(source: path, line: 0))
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, source: path, defaultName: stem, overrides: overrides)
    }

    /// Parses and checks spec text. `defaultName` names the sweep when `[sweep]` does not.
    package static func parse(_ text: String, source: String, defaultName: String = "sweep", overrides: [String] = []) throws(SweepSpecError) -> SweepSpec {
        var document = try TOMLParser.parse(text, source: source)
        for override in overrides { try SpecOverride.apply(override, to: &document) }
        var spec = try SpecReader.read(document, source: source, defaultName: defaultName)
        spec.text = text
        spec.overrides = overrides
        return spec
    }
}

/// The grid: shared settings, variants (each adds a product of its own), per-environment presets.
package struct SweepGrid: Sendable {
    /// The `[grid]` table's settings, which every variant shares.
    package var settings: [GridSetting]
    /// The `[[grid.variant]]` tables; with none, the grid is one product.
    package var variants: [GridVariant]
    /// `[preset."ENV"]` tables: fixed settings for the runs of one environment.
    package var presets: [EnvironmentPreset]
}

/// One key of the grid: a scalar override, or an axis of values to sweep.
package struct GridSetting: Sendable, Equatable {
    /// The training option's snake_case key (`seeds` is stored as `seed`).
    package var key: String
    /// The values (one for a scalar).
    package var values: [JSONValue]
    /// Whether the runs sweep over `values` (the spec gave a list).
    package var isAxis: Bool
    /// The dotted name the spec used (`grid.variant[2].components`).
    package var path: String
    /// Where the key was set.
    package var location: SourceLocation
}

/// A `[[grid.variant]]` table.
package struct GridVariant: Sendable {
    /// Its settings, in the order written.
    package var settings: [GridSetting]
    /// The line of its `[[grid.variant]]` header.
    package var location: SourceLocation
}

/// A `[preset."ENV"]` table.
package struct EnvironmentPreset: Sendable {
    /// The environment the preset applies to.
    package var environment: String
    /// Its settings, in the order written.
    package var settings: [GridSetting]
    /// The line of its header.
    package var location: SourceLocation
}

/// `[slurm]`: how `mixrl sweep slurm` writes the sbatch script.
package struct SlurmOptions: Sendable, Codable, Equatable {
    /// `--partition`, if set.
    package var partition: String?
    /// `--time` per run (Slurm's formats, e.g. `"02:00:00"`).
    package var time: String = "04:00:00"
    /// `--mem` per run (e.g. `"4G"`).
    package var memory: String = "4G"
    /// `--cpus-per-task`; nil means the sweep's threads per run.
    package var cpusPerTask: Int?
    /// The `%LIMIT` of `--array`: array tasks running at once.
    package var arrayLimit: Int = 32
    /// Seconds before the time limit at which the batch shell gets SIGTERM (`--signal=B:TERM@N`).
    package var signalSeconds: Int = 120
    /// Requeue a run that was stopped by its time limit or preempted.
    package var requeue: Bool = true
    /// `--account`, if set.
    package var account: String?
    /// `--qos`, if set.
    package var qos: String?
    /// `--job-name`; nil means `mixrl-<sweep name>`.
    package var jobName: String?
    /// The `mixrl` executable on the cluster; nil means the one writing the script.
    package var mixrl: String?
    /// Shell lines run before the run (`module load ...`).
    package var setup: [String] = []
    /// Extra `#SBATCH` directives, without the prefix (`"--gres=gpu:1"`).
    package var directives: [String] = []

    /// The defaults.
    package init() {}
}

/// `[report]`: how `mixrl report` aggregates.
package struct ReportOptions: Sendable, Codable, Equatable {
    /// Evaluation return that counts as solved, per environment (steps-to-threshold).
    package var thresholds: [String: Double] = [:]
    /// Bootstrap resamples for confidence intervals.
    package var bootstrapResamples: Int = 10_000
    /// Confidence level of the intervals.
    package var confidence: Double = 0.95
    /// Seed of the bootstrap's random stream.
    package var bootstrapSeed: UInt64 = 0
    /// Draw final return against K on a logarithmic K axis.
    package var logComponents: Bool = false

    /// The defaults.
    package init() {}
}

extension ReportOptions {
    private enum CodingKeys: String, CodingKey {
        case thresholds, bootstrapResamples, confidence, bootstrapSeed, logComponents
    }

    private struct Threshold: Codable {
        var environment: String
        var threshold: Double
    }

    // Thresholds are stored as a list: JSON key strategies would rewrite environment names
    // used as dictionary keys.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let list = try c.decodeIfPresent([Threshold].self, forKey: .thresholds) ?? []
        thresholds = Dictionary(list.map { ($0.environment, $0.threshold) }, uniquingKeysWith: { a, _ in a })
        bootstrapResamples = try c.decodeIfPresent(Int.self, forKey: .bootstrapResamples) ?? 10_000
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence) ?? 0.95
        bootstrapSeed = try c.decodeIfPresent(UInt64.self, forKey: .bootstrapSeed) ?? 0
        logComponents = try c.decodeIfPresent(Bool.self, forKey: .logComponents) ?? false
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(thresholds.keys.sorted().map { Threshold(environment: $0, threshold: thresholds[$0] ?? 0) }, forKey: .thresholds)
        try c.encode(bootstrapResamples, forKey: .bootstrapResamples)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(bootstrapSeed, forKey: .bootstrapSeed)
        try c.encode(logComponents, forKey: .logComponents)
    }
}

/// Reads `SweepSpec` out of a parsed document, rejecting unknown keys and wrong types.
enum SpecReader {
    static let tables = ["sweep", "grid", "preset", "slurm", "report"]
    static let sweepKeys = ["name", "out", "jobs", "retries", "threads"]
    static let slurmKeys = ["partition", "time", "memory", "cpus_per_task", "array_limit", "signal_seconds", "requeue",
                            "account", "qos", "job_name", "mixrl", "setup", "directives"]
    static let reportKeys = ["thresholds", "bootstrap_resamples", "confidence", "bootstrap_seed", "log_components"]
    /// Grid keys that are not training options.
    static let gridExtras = ["seeds", "variant"]

    static func read(_ doc: TOMLTable, source: String, defaultName: String) throws(SweepSpecError) -> SweepSpec {
        for key in doc.keys {
            guard let v = doc[key] else { continue }
            guard tables.contains(key) else {
                if TrainingOptions.type(of: key) != nil || gridExtras.contains(key) {
                    throw SweepSpecError("'\(key)' must be inside a section; training options go under [grid]", key: key, at: v.location)
                }
                throw SweepSpecError("unknown section '\(key)' (expected [sweep], [grid], [preset.\"ENV\"], [slurm] or [report])"
                                     + Suggestion.didYouMean(key, in: tables), key: key, at: v.location)
            }
            if case .table = v.kind { continue }
            throw SweepSpecError("'\(key)' must be a [\(key)] section, found \(v.typeName)", key: key, at: v.location)
        }
        guard case .table(let gridTable)? = doc["grid"]?.kind else {
            throw SweepSpecError("the spec has no [grid] section, so it describes no runs; add [grid] with at least environment = ...",
                                 key: "grid", at: SourceLocation(source: source, line: 0))
        }
        let grid = try readGrid(gridTable, presets: doc["preset"])
        var spec = SweepSpec(name: defaultName, outputFolder: "", grid: grid, source: source, text: "")
        try readSweep(doc["sweep"], into: &spec)
        spec.slurm = try readSlurm(doc["slurm"])
        spec.report = try readReport(doc["report"])
        if spec.outputFolder.isEmpty { spec.outputFolder = "sweeps/" + spec.name }
        return spec
    }

    // MARK: [grid]

    static func readGrid(_ table: TOMLTable, presets: TOMLValue?) throws(SweepSpecError) -> SweepGrid {
        let settings = try readSettings(table, path: "grid", allowVariants: true)
        var variants: [GridVariant] = []
        if let v = table["variant"] {
            guard case .tableArray(let tables) = v.kind else {
                throw SweepSpecError("expected [[grid.variant]] sections, found \(v.typeName)", key: "grid.variant", at: v.location)
            }
            for (n, t) in tables.enumerated() {
                let path = "grid.variant[\(n + 1)]"
                let s = try readSettings(t, path: path, allowVariants: false)
                if s.isEmpty {
                    throw SweepSpecError("empty variant: give it at least one option (policy, components, estimator, ...)", key: path, at: t.location)
                }
                variants.append(GridVariant(settings: s, location: t.location))
            }
        }
        if settings.isEmpty && variants.isEmpty {
            throw SweepSpecError("the grid is empty, so it describes no runs; set at least environment = ...", key: "grid", at: table.location)
        }
        var envPresets: [EnvironmentPreset] = []
        if let p = presets {
            guard case .table(let byEnvironment) = p.kind else {
                throw SweepSpecError("expected [preset.\"ENV\"] sections, found \(p.typeName)", key: "preset", at: p.location)
            }
            for env in byEnvironment.keys {
                guard let value = byEnvironment[env] else { continue }
                let path = "preset.\"\(env)\""
                guard case .table(let t) = value.kind else {
                    throw SweepSpecError("expected a [\(path)] section of options for environment \(env), found \(value.typeName)", key: path, at: value.location)
                }
                let s = try readSettings(t, path: path, allowVariants: false)
                for setting in s {
                    if setting.key == "environment" || setting.key == "seed" {
                        throw SweepSpecError("a preset cannot set \(setting.key); sweep it in [grid]", key: setting.path, at: setting.location)
                    }
                    if setting.isAxis {
                        throw SweepSpecError("a preset sets one value per option; sweep lists in [grid]", key: setting.path, at: setting.location)
                    }
                    let elsewhere = settings.first { $0.key == setting.key }
                        ?? variants.lazy.flatMap(\.settings).first { $0.key == setting.key }
                    if let elsewhere {
                        throw SweepSpecError("also set as \(elsewhere.path) (\(elsewhere.location)); set each option in one place",
                                             key: setting.path, at: setting.location)
                    }
                }
                envPresets.append(EnvironmentPreset(environment: env, settings: s, location: t.location))
            }
        }
        return SweepGrid(settings: settings, variants: variants, presets: envPresets)
    }

    /// The settings of one grid-like table, in the order written.
    static func readSettings(_ table: TOMLTable, path: String, allowVariants: Bool) throws(SweepSpecError) -> [GridSetting] {
        var out: [GridSetting] = []
        let known = TrainingOptions.all.map(\.key) + gridExtras
        for key in table.keys {
            guard let value = table[key] else { continue }
            let keyPath = path + "." + key
            if key == "variant" {
                if allowVariants { continue }
                throw SweepSpecError("variants cannot be nested; write [[grid.variant]] sections at the top level", key: keyPath, at: value.location)
            }
            if key == "seeds" || key == "seed" {
                if out.contains(where: { $0.key == "seed" }) {
                    throw SweepSpecError("set either seeds (a count or a list) or seed, not both", key: keyPath, at: value.location)
                }
                out.append(try readSeeds(value, key: key, path: keyPath))
                continue
            }
            guard let type = TrainingOptions.type(of: key) else {
                throw SweepSpecError("unknown key" + Suggestion.didYouMean(key, in: known)
                                     + " (training options are the keys of config.json, listed in docs/configuration.md)", key: keyPath, at: value.location)
            }
            out.append(try readSetting(value, key: key, type: type, path: keyPath))
        }
        return out
    }

    static func readSetting(_ value: TOMLValue, key: String, type: OptionType, path: String) throws(SweepSpecError) -> GridSetting {
        func convert(_ v: TOMLValue) throws(SweepSpecError) -> JSONValue {
            switch TrainingOptions.json(v, as: type) {
            case .success(let j): return j
            case .failure(let e):
                throw SweepSpecError(e.message, key: path, at: e.location)
            }
        }
        // An axis is a list; for list-typed options (hidden_sizes) it is a list of lists.
        if case .array(let items) = value.kind, !type.isList || (!items.isEmpty && items.allSatisfy { if case .array = $0.kind { return true } else { return false } }) {
            guard !items.isEmpty else {
                throw SweepSpecError("empty list: a swept option needs at least one value, or the grid has no runs", key: path, at: value.location)
            }
            var values: [JSONValue] = []
            for item in items {
                let j = try convert(item)
                if let first = values.firstIndex(of: j) {
                    throw SweepSpecError("the value \(j) is listed twice (entries \(first + 1) and \(values.count + 1)), which would make duplicate runs",
                                         key: path, at: item.location)
                }
                values.append(j)
            }
            return GridSetting(key: key, values: values, isAxis: true, path: path, location: value.location)
        }
        return GridSetting(key: key, values: [try convert(value)], isAxis: false, path: path, location: value.location)
    }

    static func readSeeds(_ value: TOMLValue, key: String, path: String) throws(SweepSpecError) -> GridSetting {
        if key == "seeds", case .integer(let n) = value.kind {
            guard n >= 1 else {
                throw SweepSpecError("expected a count of at least 1 (seeds 0..<N) or a list of seeds, found \(n)", key: path, at: value.location)
            }
            return GridSetting(key: "seed", values: (0..<n).map { .integer(Int64($0)) }, isAxis: true, path: path, location: value.location)
        }
        if key == "seeds" {
            guard case .array = value.kind else {
                throw SweepSpecError("expected a count (seeds = 3 means 0, 1, 2) or a list of seeds, found \(value.typeName)", key: path, at: value.location)
            }
        }
        return try readSetting(value, key: "seed", type: .unsignedInteger, path: path)
    }

    // MARK: [sweep], [slurm], [report]

    static func checkKeys(_ table: TOMLTable, allowed: [String], section: String) throws(SweepSpecError) {
        for key in table.keys where !allowed.contains(key) {
            throw SweepSpecError("unknown key" + Suggestion.didYouMean(key, in: allowed)
                                 + " (allowed in [\(section)]: \(allowed.joined(separator: ", ")))",
                                 key: section + "." + key, at: table[key]?.location)
        }
    }

    static func string(_ t: TOMLTable, _ key: String, _ section: String) throws(SweepSpecError) -> String? {
        guard let v = t[key] else { return nil }
        guard case .string(let s) = v.kind else { throw wrongType(v, "a string", section + "." + key) }
        return s
    }

    static func integer(_ t: TOMLTable, _ key: String, _ section: String, minimum: Int) throws(SweepSpecError) -> Int? {
        guard let v = t[key] else { return nil }
        guard case .integer(let i) = v.kind else { throw wrongType(v, "an integer", section + "." + key) }
        guard i >= minimum else {
            throw SweepSpecError("expected an integer of at least \(minimum), found \(i)", key: section + "." + key, at: v.location)
        }
        return i
    }

    static func boolean(_ t: TOMLTable, _ key: String, _ section: String) throws(SweepSpecError) -> Bool? {
        guard let v = t[key] else { return nil }
        guard case .boolean(let b) = v.kind else { throw wrongType(v, "a boolean (true or false)", section + "." + key) }
        return b
    }

    static func strings(_ t: TOMLTable, _ key: String, _ section: String) throws(SweepSpecError) -> [String]? {
        guard let v = t[key] else { return nil }
        guard case .array(let items) = v.kind else { throw wrongType(v, "a list of strings", section + "." + key) }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item.kind else { throw wrongType(item, "a list of strings", section + "." + key) }
            out.append(s)
        }
        return out
    }

    static func number(_ v: TOMLValue, _ path: String) throws(SweepSpecError) -> Double {
        switch v.kind {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: throw wrongType(v, "a number", path)
        }
    }

    static func wrongType(_ v: TOMLValue, _ expected: String, _ path: String) -> SweepSpecError {
        SweepSpecError("expected \(expected), found \(v.typeName)\(TrainingOptions.shown(v))", key: path, at: v.location)
    }

    static func table(_ value: TOMLValue?, _ section: String) -> TOMLTable? {
        if case .table(let t)? = value?.kind { return t }
        return nil
    }

    static func readSweep(_ value: TOMLValue?, into spec: inout SweepSpec) throws(SweepSpecError) {
        guard let t = table(value, "sweep") else { return }
        try checkKeys(t, allowed: sweepKeys, section: "sweep")
        if let name = try string(t, "name", "sweep") {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw SweepSpecError("expected a name of letters, digits, '.', '_' or '-' (it names folders and jobs), found \"\(name)\"",
                                     key: "sweep.name", at: t["name"]?.location)
            }
            spec.name = name
        }
        if let out = try string(t, "out", "sweep") {
            guard !out.isEmpty else { throw SweepSpecError("expected a folder path, found \"\"", key: "sweep.out", at: t["out"]?.location) }
            spec.outputFolder = out
        }
        if let jobs = try integer(t, "jobs", "sweep", minimum: 1) { spec.jobs = jobs }
        if let retries = try integer(t, "retries", "sweep", minimum: 0) { spec.retries = retries }
        if let threads = try integer(t, "threads", "sweep", minimum: 1) { spec.threadsPerRun = threads }
    }

    static func readSlurm(_ value: TOMLValue?) throws(SweepSpecError) -> SlurmOptions {
        var o = SlurmOptions()
        guard let t = table(value, "slurm") else { return o }
        let s = "slurm"
        try checkKeys(t, allowed: slurmKeys, section: s)
        o.partition = try string(t, "partition", s)
        if let v = try string(t, "time", s) { o.time = v }
        if let v = try string(t, "memory", s) { o.memory = v }
        o.cpusPerTask = try integer(t, "cpus_per_task", s, minimum: 1)
        if let v = try integer(t, "array_limit", s, minimum: 1) { o.arrayLimit = v }
        if let v = try integer(t, "signal_seconds", s, minimum: 0) { o.signalSeconds = v }
        if let v = try boolean(t, "requeue", s) { o.requeue = v }
        o.account = try string(t, "account", s)
        o.qos = try string(t, "qos", s)
        o.jobName = try string(t, "job_name", s)
        o.mixrl = try string(t, "mixrl", s)
        if let v = try strings(t, "setup", s) { o.setup = v }
        if let v = try strings(t, "directives", s) { o.directives = v }
        return o
    }

    static func readReport(_ value: TOMLValue?) throws(SweepSpecError) -> ReportOptions {
        var o = ReportOptions()
        guard let t = table(value, "report") else { return o }
        let s = "report"
        try checkKeys(t, allowed: reportKeys, section: s)
        if let v = t["thresholds"] {
            guard case .table(let th) = v.kind else {
                throw wrongType(v, "a [report.thresholds] section of \"ENV\" = return", "report.thresholds")
            }
            for env in th.keys {
                if let x = th[env] { o.thresholds[env] = try number(x, "report.thresholds.\"\(env)\"") }
            }
        }
        if let v = try integer(t, "bootstrap_resamples", s, minimum: 100) { o.bootstrapResamples = v }
        if let v = t["confidence"] {
            let c = try number(v, "report.confidence")
            guard c > 0 && c < 1 else { throw SweepSpecError("expected a level in (0, 1) such as 0.95, found \(c)", key: "report.confidence", at: v.location) }
            o.confidence = c
        }
        if let v = try integer(t, "bootstrap_seed", s, minimum: 0) { o.bootstrapSeed = UInt64(v) }
        if let v = try boolean(t, "log_components", s) { o.logComponents = v }
        return o
    }
}

/// `--set KEY=VALUE`: replaces one key of the spec before it is read. KEY is a dotted
/// path (`sweep.jobs`, `slurm.time`, `preset."Pendulum-v1".steps`); a bare training
/// option means `grid.KEY` and then applies to every run (the key is removed from
/// variants and presets). VALUE is written as in TOML; text that is not a TOML value
/// is taken as a string for string and choice options (`--set environment=Pendulum-v1`)
/// and is an error for the others, as for `mixrl train --set`.
enum SpecOverride {
    static func apply(_ override: String, to document: inout TOMLTable) throws(SweepSpecError) {
        let source = "--set \(override)"
        let at = SourceLocation(source: source, line: 0)
        guard let eq = override.firstIndex(of: "=") else {
            throw SweepSpecError("expected KEY=VALUE (for example --set steps=5000 or --set sweep.jobs=2)", at: at)
        }
        let keyText = String(override[..<eq]).trimmingSpaces
        let valueText = String(override[override.index(after: eq)...]).trimmingSpaces
        guard !keyText.isEmpty else { throw SweepSpecError("the key before '=' is empty", at: at) }
        // Parse as a one-line TOML document; a value that is not TOML becomes a string
        // (for string and choice options only: the rule of `mixrl train --set` too).
        var parsed: TOMLTable
        var bareWord = false
        do {
            parsed = try TOMLParser.parse("\(keyText) = \(valueText)", source: source, firstLine: 0)
        } catch {
            bareWord = true
            var quoted = ""
            JSONValue.writeString(valueText, into: &quoted)
            do { parsed = try TOMLParser.parse("\(keyText) = \(quoted)", source: source, firstLine: 0) }
            catch { throw SweepSpecError("cannot read the key '\(keyText)': \(error.message)", at: at) }
        }
        var path: [String] = []
        var value: TOMLValue?
        var t = parsed
        while let k = t.keys.first, let v = t[k] {
            path.append(k)
            if case .table(let inner) = v.kind { t = inner } else { value = v; break }
        }
        guard var value else { throw SweepSpecError("expected KEY=VALUE", at: at) }
        value.location = at
        if !SpecReader.tables.contains(path[0]) { path.insert("grid", at: 0) }
        guard path.count >= 2 else {
            throw SweepSpecError("'\(path[0])' is a section; set one of its keys, as in --set \(path[0]).KEY=VALUE", at: at)
        }
        if bareWord, path[0] == "grid" || path[0] == "preset", let key = path.last,
           let type = key == "seeds" ? OptionType.unsignedInteger : TrainingOptions.type(of: key), !type.acceptsBareWords {
            throw SweepSpecError(TrainingOptions.notATOMLValue(valueText, type: type), key: path.joined(separator: "."), at: at)
        }
        if path[0] == "grid" && path.count == 2 {
            let key = path[1]
            let clearing = key == "seeds" || key == "seed" ? ["seeds", "seed"] : [key]
            try edit(&document, ["grid"], at: at) { grid in
                for k in clearing { grid[k] = nil }
                if case .tableArray(var variants)? = grid["variant"]?.kind, let location = grid["variant"]?.location {
                    for n in variants.indices { for k in clearing { variants[n][k] = nil } }
                    grid["variant"] = TOMLValue(.tableArray(variants), at: location)
                }
            }
            if case .table(var presets)? = document["preset"]?.kind, let location = document["preset"]?.location {
                for env in presets.keys {
                    if case .table(var p)? = presets[env]?.kind, let l = presets[env]?.location {
                        for k in clearing { p[k] = nil }
                        presets[env] = TOMLValue(.table(p), at: l)
                    }
                }
                document["preset"] = TOMLValue(.table(presets), at: location)
            }
        }
        let key = path.removeLast()
        try edit(&document, path, at: at) { $0[key] = value }
    }

    /// Runs `body` on the table at `path`, creating tables that do not exist.
    static func edit(_ table: inout TOMLTable, _ path: [String], at: SourceLocation, _ body: (inout TOMLTable) -> Void) throws(SweepSpecError) {
        guard let first = path.first else { body(&table); return }
        var child: TOMLTable
        switch table[first]?.kind {
        case nil: child = TOMLTable(at: at)
        case .table(let t)?: child = t
        default:
            throw SweepSpecError("'\(first)' is not a section that --set can reach", at: at)
        }
        try edit(&child, Array(path.dropFirst()), at: at, body)
        table[first] = TOMLValue(.table(child), at: table[first]?.location ?? at)
    }
}
