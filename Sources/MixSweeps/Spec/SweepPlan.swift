import Foundation
import MixAgents
import MixEnvs
import MixTensor

/// One run of a sweep: its place in the plan, its id and its resolved configuration.
package struct PlannedRun: Sendable, Codable, Equatable {
    /// Position in the plan (the Slurm array index).
    package var index: Int
    /// The first 12 hexadecimal digits of the SHA-256 of the canonical JSON of
    /// ``configuration``: the same configuration always gets the same id, whatever the
    /// spec that produced it, so run folders are found again across invocations.
    package var id: String
    /// The values of the options that vary across the plan (`policy=mixture components=5 ...`).
    package var label: String
    /// The configuration `mixrl train --config` receives.
    package var configuration: TrainingConfiguration
}

/// The runs of a sweep, in their fixed order.
///
/// Order: by environment (in the order the spec first names them), then by variant
/// (in the order written), then the product of the remaining swept options with
/// `policy`, `components`, `estimator` outermost, the other options in alphabetical
/// order of their keys, and `seed` innermost (varying fastest).
package struct SweepPlan: Sendable, Codable, Equatable {
    /// The sweep's name.
    package var name: String
    /// The runs, in plan order (`runs[i].index == i`).
    package var runs: [PlannedRun]
    /// The keys the spec sweeps whose values differ between runs, in plan order
    /// (differences that only come from environment presets are not listed).
    package var varyingKeys: [String]
}

extension SweepSpec {
    /// The largest plan accepted (a typo such as `seeds = 10000` should not start a week of runs).
    package static let maximumRunCount = 100_000

    /// Expands the grid into runs, each checked with `TrainingConfiguration.problems`.
    /// Rejects invalid combinations, duplicate runs and unknown environments, naming the
    /// keys and lines involved.
    ///
    /// - Parameter nativeEnvironments: the native environment names `mixrl train` knows
    ///   (those of `EnvironmentRegistry.standard` by default); bridge ids (`gym:`, `dmc:`,
    ///   `metaworld:`) are checked for form only. Pass nil to skip the check.
    package func plan(nativeEnvironments: [String]? = EnvironmentRegistry.standard.nativeIDs) throws(SweepSpecError) -> SweepPlan {
        let groups: [(variant: Int, settings: [GridSetting])] = grid.variants.isEmpty
            ? [(0, grid.settings)]
            : grid.variants.enumerated().map { n, v in
                var merged = grid.settings.filter { s in !v.settings.contains { $0.key == s.key } }
                merged += v.settings
                return (n + 1, merged)
            }

        // Environments in the order first named.
        var environments: [String] = []
        for (_, settings) in groups {
            guard let env = settings.first(where: { $0.key == "environment" }) else {
                let where_ = grid.variants.isEmpty ? "grid" : "grid (or every [[grid.variant]])"
                throw SweepSpecError("no environment: set environment = \"Pendulum-v1\" (or a list) in \(where_)", key: "grid.environment",
                                     at: grid.variants.first?.location ?? grid.settings.first?.location)
            }
            for v in env.values {
                guard let name = v.stringValue, !environments.contains(name) else { continue }
                if let known = nativeEnvironments { try Self.checkEnvironment(name, known: known, setting: env) }
                environments.append(name)
            }
        }
        for preset in grid.presets where !environments.contains(preset.environment) {
            throw SweepSpecError("matches no environment of the grid (\(environments.joined(separator: ", ")))"
                                 + Suggestion.didYouMean(preset.environment, in: environments),
                                 key: "preset.\"\(preset.environment)\"", at: preset.location)
        }

        var expanded: [(order: [Int], run: ExpandedRun)] = []
        for (variant, settings) in groups {
            let axes = settings.filter(\.isAxis).sorted { Self.keyOrder($0.key) < Self.keyOrder($1.key) }
            let scalars = settings.filter { !$0.isAxis }
            let count = axes.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
            guard count <= Self.maximumRunCount, expanded.count + count <= Self.maximumRunCount else {
                throw SweepSpecError("the grid expands to more than \(Self.maximumRunCount) runs; check the lists and seeds",
                                     key: variant == 0 ? "grid" : "grid.variant[\(variant)]", at: groups.count > 1 ? grid.variants[variant - 1].location : nil)
            }
            for n in 0..<count {
                var choice: [(GridSetting, JSONValue)] = scalars.map { ($0, $0.values[0]) }
                var rest = n
                var envIndex = 0
                for axis in axes.reversed() {
                    let v = axis.values[rest % axis.values.count]
                    rest /= axis.values.count
                    choice.append((axis, v))
                }
                let env = choice.first { $0.0.key == "environment" }?.1.stringValue ?? ""
                envIndex = environments.firstIndex(of: env) ?? 0
                let run = try resolve(choice, environment: env, variant: variant)
                expanded.append(([envIndex, variant, n], run))
            }
        }
        expanded.sort { $0.order.lexicographicallyPrecedes($1.order) }

        // Duplicates: the same resolved configuration reached twice.
        var seen: [String: ExpandedRun] = [:]
        for (_, run) in expanded {
            if let first = seen[run.id] {
                throw SweepSpecError("duplicate run: \(run.origin) resolves to the same configuration (id \(run.id)) as \(first.origin); "
                                     + "remove one of them or make them differ", key: run.originKey, at: run.originLocation)
            }
            seen[run.id] = run
        }

        // Label keys: those the spec sweeps (axes, and keys variants set) whose values differ.
        let objects = expanded.map(\.run.json)
        let swept = Set(groups.flatMap { g in g.settings.filter { $0.isAxis || g.variant > 0 }.map(\.key) })
        var varying: [String] = []
        if let first = objects.first {
            varying = swept.filter { key in objects.contains { $0[key] != first[key] } }
                .sorted { Self.keyOrder($0) < Self.keyOrder($1) }
        }
        let runs = expanded.enumerated().map { n, e in
            PlannedRun(index: n, id: e.run.id,
                       label: varying.map { "\($0)=\(e.run.json[$0]?.description ?? "")" }.joined(separator: " "),
                       configuration: e.run.configuration)
        }
        return SweepPlan(name: name, runs: runs, varyingKeys: varying)
    }

    static func checkEnvironment(_ name: String, known: [String], setting: GridSetting) throws(SweepSpecError) {
        let id: EnvironmentID
        do { id = try EnvironmentID(parsing: name) } catch {
            throw SweepSpecError("\(error)", key: setting.path, at: setting.location)
        }
        if case .native = id, !known.contains(name) {
            throw SweepSpecError("unknown environment \"\(name)\"" + Suggestion.didYouMean(name, in: known)
                                 + " (native: \(known.joined(separator: ", ")); bridged: gym:ID, dmc:DOMAIN-TASK, metaworld:TASK)",
                                 key: setting.path, at: setting.location)
        }
    }

    /// Sort key of an option in the plan order: environment, policy, components,
    /// estimator, the rest alphabetically, seed.
    static func keyOrder(_ key: String) -> (Int, String) {
        switch key {
        case "environment": return (0, "")
        case "policy": return (1, "")
        case "components": return (2, "")
        case "estimator": return (3, "")
        case "seed": return (5, "")
        default: return (4, key)
        }
    }

    struct ExpandedRun {
        var id: String
        var configuration: TrainingConfiguration
        var json: [String: JSONValue]
        var origin: String
        var originKey: String
        var originLocation: SourceLocation?
    }

    /// The configuration of one combination: the environment's built-in preset, then
    /// the spec's `[preset."ENV"]`, then the grid's settings.
    func resolve(_ choice: [(GridSetting, JSONValue)], environment: String, variant: Int) throws(SweepSpecError) -> ExpandedRun {
        let describe = choice.filter { $0.0.isAxis }.sorted { Self.keyOrder($0.0.key) < Self.keyOrder($1.0.key) }
            .map { "\($0.0.key) \($0.1)" }.joined(separator: ", ")
        let origin = (variant > 0 ? "grid.variant[\(variant)] " : "") + "run (\(describe))"
        let originKey = variant > 0 ? "grid.variant[\(variant)]" : "grid"
        let originLocation = variant > 0 ? grid.variants[variant - 1].location : grid.settings.first?.location

        var all = choice.map { ($0.0, $0.1) }
        if let preset = grid.presets.first(where: { $0.environment == environment }) {
            all = preset.settings.map { ($0, $0.values[0]) } + all
        }
        guard var object = try? JSONValue(encoding: TrainingConfiguration.preset(for: environment)).objectValue else {
            throw SweepSpecError("cannot encode the preset of environment \(environment)", key: originKey, at: originLocation)
        }
        for (setting, value) in all { object[setting.key] = value }
        let configuration: TrainingConfiguration
        do {
            // Explicit estimator options (M, the baseline), as the run's config.json has them.
            configuration = try JSONValue.object(object).decode(TrainingConfiguration.self).resolvingEstimatorDefaults()
        } catch {
            throw SweepSpecError("\(origin): the values do not form a configuration: \(SystemErrorText.reason(error))", key: originKey, at: originLocation)
        }
        if let problem = configuration.problems.first {
            let culprit = all.last { $0.0.key == problem.key }?.0
            let involved = Self.involvedKeys(problem.key).compactMap { k in all.last { $0.0.key == k }?.0 }
                .map { "\($0.path) (\($0.location))" }
            let context = involved.isEmpty ? "" : "; set by " + involved.joined(separator: ", ")
            let fromPreset = culprit == nil ? " (the value comes from the built-in preset of \(environment))" : ""
            throw SweepSpecError("invalid combination in \(origin): \(problem.message)\(fromPreset)\(context)",
                                 key: culprit?.path ?? (originKey + "." + problem.key), at: culprit?.location ?? originLocation)
        }
        guard let json = try? JSONValue(encoding: configuration) else {
            throw SweepSpecError("cannot encode the configuration of \(origin)", key: originKey, at: originLocation)
        }
        let id = String(SHA256.hexDigest(json.canonicalText).prefix(12))
        return ExpandedRun(id: id, configuration: configuration, json: json.objectValue,
                           origin: origin, originKey: originKey, originLocation: originLocation)
    }

    /// The options a validation rule about `key` depends on, for error messages.
    static func involvedKeys(_ key: String) -> [String] {
        switch key {
        case "components", "estimator": return ["policy", "components", "estimator"]
        case "baseline": return ["baseline", "estimator", "samples"]
        case "replay_capacity": return ["replay_capacity", "batch_size"]
        case "log_std_min": return ["log_std_min", "log_std_max"]
        default: return [key]
        }
    }
}
