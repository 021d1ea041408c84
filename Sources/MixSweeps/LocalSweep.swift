import Foundation
import MixAgents
import MixEnvs
import MixPolicy

/// A sweep run in this process: each named configuration trains into
/// `folder/runs/<name>`, one after another. Run it again after a crash or a stop and it
/// skips the finished runs, resumes the interrupted (or killed) one from its checkpoint
/// and goes on — the same guarantees as `mixrl sweep`, for environments and estimators
/// that exist only in your own Swift code (`mixrl sweep` runs each run in a child
/// `mixrl train` process, which cannot see them).
///
/// `mixrl report folder` aggregates the result like any sweep: learning curves, final
/// returns with bootstrap confidence intervals over seeds, final return against K.
///
/// ```swift
/// var runs: [(name: String, configuration: TrainingConfiguration)] = []
/// for k in [2, 3, 5] {
///     for seed in 0..<3 {
///         var c = TrainingConfiguration.preset(for: "ThreePeaks-v0")  // your registered environment
///         c.policy = .mixture
///         c.components = k
///         c.estimator = .mrp
///         c.seed = UInt64(seed)
///         runs.append(("k\(k)-seed\(seed)", c))
///     }
/// }
/// let outcomes = try LocalSweep.run(runs, in: URL(fileURLWithPath: "sweeps/peaks"), registry: registry)
/// ```
public enum LocalSweep {
    /// Trains every run that is not finished yet, in order, and returns each run's outcome
    /// by name. Stops early, after the running run has checkpointed, when `stopRequested`
    /// returns true; the runs not reached are then missing from the result.
    ///
    /// - Parameters:
    ///   - runs: the runs, by name (a folder name: letters, digits, `-`, `_`, `.`; unique).
    ///   - folder: the sweep folder; created if missing.
    ///   - registry: where the environments are looked up.
    ///   - environmentOptions: how bridged environments are started.
    ///   - estimator: a custom estimator for a run, or nil for the configuration's own
    ///     (asked again on resume, so it must give the same estimator for the same run).
    ///   - stopRequested: checked at every environment step.
    ///   - onRunStarted: called with each run's name and trainer before it trains (to
    ///     attach progress or set its parallelism).
    /// - Throws: `TrainingError` (MixAgents) for an invalid name, a run folder that holds another
    ///   configuration than the one given, or any failure of a run (which then has
    ///   `status.json` saying `failed`; the runs before it are kept).
    public static func run(
        _ runs: [(name: String, configuration: TrainingConfiguration)], in folder: URL,
        registry: EnvironmentRegistry = .standard, environmentOptions: EnvironmentOptions = EnvironmentOptions(),
        estimator: (String) -> (any GradientEstimator)? = { _ in nil },
        stopRequested: () -> Bool = { false },
        onRunStarted: (String, Trainer) -> Void = { _, _ in }
    ) throws(TrainingError) -> [String: TrainingOutcome] {
        var seen: Set<String> = []
        for (name, configuration) in runs {
            let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
            guard !name.isEmpty, allowed, name != ".", name != ".." else {
                throw .configuration(ConfigurationProblem(key: "name", message: "run name \"\(name)\" must be a folder name of letters, digits, '-', '_' and '.'"))
            }
            guard seen.insert(name).inserted else {
                throw .configuration(ConfigurationProblem(key: "name", message: "run name \"\(name)\" is used twice"))
            }
            do { try configuration.validate() } catch {
                throw .configuration(ConfigurationProblem(key: error.key, message: "run \(name): \(error.message)"))
            }
        }
        var outcomes: [String: TrainingOutcome] = [:]
        for (name, configuration) in runs {
            if stopRequested() { break }
            let directory = folder.appendingPathComponent("runs").appendingPathComponent(name)
            let custom = estimator(name)
            let trainer: Trainer
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
                var expected = configuration
                expected.customEstimator = custom?.description
                expected = expected.resolvingEstimatorDefaults()  // as Trainer.start wrote it
                let stored = try Trainer.readConfiguration(directory)
                guard stored == expected else {
                    throw .runFolder(path: directory.path, reason: "holds a run with another configuration than run \(name) of this sweep; remove it or rename the run")
                }
                if let status = TrainingStatus.read(runDirectory: directory), status.state == .finished {
                    outcomes[name] = .finished(finalReturn: status.finalReturn ?? .nan)
                    continue
                }
                trainer = try Trainer.resume(runDirectory: directory, registry: registry,
                                             environmentOptions: environmentOptions, estimator: custom)
            } else {
                trainer = try Trainer.start(configuration: configuration, runDirectory: directory, registry: registry,
                                            environmentOptions: environmentOptions, estimator: custom)
            }
            onRunStarted(name, trainer)
            let outcome: TrainingOutcome
            do { outcome = try trainer.run(stopRequested: stopRequested) } catch {
                trainer.recordFailure(error)
                throw error
            }
            outcomes[name] = outcome
            if case .interrupted = outcome { break }
        }
        return outcomes
    }
}
