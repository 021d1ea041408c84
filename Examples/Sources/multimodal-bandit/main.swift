// MixRL tutorial: train a mixture policy on your own environment, with your own
// gradient estimator, and read the results back.
//
//   swift run -c release --package-path Examples multimodal-bandit
//
// The walk-through, in order:
//   1. ThreePeaks.swift     a custom `Environment` (a bandit with three reward peaks).
//   2. AntitheticMRP.swift  a custom `GradientEstimator`.
//   3. this file            register the environment, train a K = 3 mixture twice (the
//                           built-in MRP estimator, then the custom one), read the metric
//                           files back, load the trained agent and act with it, and see
//                           the typed errors the library throws for two common mistakes.
//
// Every line of output is `key=value` fields after a leading tag, so that scripts (and
// scripts/examples-test.sh) can check it.

import Foundation
import MixRL

// MARK: - Configuration

/// One configuration for both runs. `TrainingConfiguration` holds everything that
/// determines a run; its defaults are SAC's (1M steps, 256-unit networks), far more than
/// a one-step bandit needs.
func banditConfiguration(seed: UInt64) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.environment = ThreePeaks.name   // the name we register below
    c.policy = .mixture
    c.components = 3                  // one component per peak, if the policy wants them
    c.estimator = .mrp                // built-in marginalized reparameterization
    c.seed = seed                     // same seed, same run, bit for bit
    c.steps = 3_000
    c.randomSteps = 500               // uniform random actions first: they find the peaks
    c.batchSize = 128
    c.hiddenSizes = [64, 64]
    c.actorLearningRate = 1e-3
    c.criticLearningRate = 1e-3
    c.temperatureLearningRate = 1e-3
    c.initialTemperature = 0.1        // rewards are at most 1: start with a modest entropy bonus
    c.evalEvery = 500
    c.evalEpisodes = 5
    c.checkpointEvery = 1_000
    return c
}

/// A registry that knows `ThreePeaks-v0` besides the built-in environments. The trainer
/// makes environments by name through it; every copy reports to `counter`.
func registry(counting counter: StepCounter) -> EnvironmentRegistry {
    var registry = EnvironmentRegistry.standard
    registry.register(ThreePeaks.name, summary: "one-step bandit, three peaks of heights 0.8, 0.6, 1.0") { _ in
        ThreePeaks(counter: counter)
    }
    return registry
}

// MARK: - One training run

struct RunSummary {
    var name: String
    var directory: URL
    var finalReturn: Double
    var evaluations: [(step: Int, returnMean: Double)]
    /// The temperature alpha by step.
    var alpha: [Int: Double]
}

/// Trains one run into `directory` and reports what the environment saw.
/// `estimator` nil means the configuration's built-in estimator.
func train(_ name: String, configuration: TrainingConfiguration, estimator: (any GradientEstimator)?,
           in directory: URL) throws -> RunSummary {
    let counter = StepCounter()
    let trainer = try Trainer.start(configuration: configuration, runDirectory: directory,
                                    registry: registry(counting: counter), estimator: estimator)
    let started = Date()
    let outcome = try trainer.run()
    guard case .finished(let finalReturn) = outcome else {
        throw ExampleFailure("run \(name) did not finish with an evaluation: \(outcome)")
    }
    let seconds = Date().timeIntervalSince(started)
    let seen = counter.current
    // `trainer.agent.estimator` is the estimator actually used: ours, or the built-in one.
    print("run name=\(name) estimator=\"\(trainer.agent.estimator)\" "
          + "final_return=\(fmt(finalReturn, 4)) seconds=\(fmt(seconds, 1))")
    print("custom-environment run=\(name) instances=\(seen.instances) steps=\(seen.steps) resets=\(seen.resets)")

    // The run folder holds config.json, metrics.csv/jsonl, eval.csv, TensorBoard events
    // and checkpoints; `TrainingLog` reads the metrics back.
    let log = try TrainingLog.read(runDirectory: directory)
    // Update statistics are logged every 1000 steps: the temperature alpha, for example.
    let alpha = Dictionary(log.series(name: "alpha").map { ($0.step, $0.value) }, uniquingKeysWith: { $1 })
    return RunSummary(name: name, directory: directory, finalReturn: finalReturn,
                      evaluations: log.evaluations.map { ($0.step, $0.returnMean) }, alpha: alpha)
}

// MARK: - Looking at the trained policy

/// Loads the agent saved in `directory` and shows where its actions land: the
/// deterministic (evaluation) action, and where 1000 sampled actions fall relative to
/// the peaks.
func inspectPolicy(_ run: RunSummary) throws {
    let agent = try SACAgent.load(runDirectory: run.directory)

    // Evaluate on a fresh environment: the returns of 3 episodes.
    var environment = ThreePeaks(counter: StepCounter())
    let returns = try agent.evaluate(on: &environment, episodes: 3, seed: 1)
    print("loaded-agent run=\(run.name) eval_returns=\(returns.map { fmt($0) }.joined(separator: ","))")

    // The deterministic action: the mean of the most weighted component.
    var rng = RandomStream(seed: 2)
    let greedy = try agent.act([0], mode: .evaluate(.mostLikely), using: &rng)
    print("greedy-action run=\(run.name) action=\(fmt(greedy[0])) reward=\(fmt(ThreePeaks.reward(greedy[0])))")

    // 1000 sampled actions (as during training), in one batched call: one observation
    // per row. With seeds 1-8 about 90% land near the best peak and 10% near the
    // runner-up: the mixture keeps a second mode (the 0.6 peak is not worth keeping at
    // the temperature SAC settles on).
    let samples = try agent.act(batch: Array(repeating: [0.0], count: 1_000), mode: .explore, using: &rng).map { $0[0] }
    for (i, peak) in ThreePeaks.peaks.enumerated() {
        let near = samples.filter { abs($0 - peak.center) <= 2 * peak.width }
        let location = near.isEmpty ? "none" : fmt(near.reduce(0, +) / Double(near.count))
        print("peak run=\(run.name) index=\(i) center=\(fmt(peak.center)) height=\(fmt(peak.height)) "
              + "fraction=\(fmt(Double(near.count) / Double(samples.count))) mean_action=\(location)")
    }
}

// MARK: - Typed errors

/// Mistake 1: evaluating an agent on an environment whose observations have another size.
func demonstrateObservationMismatch(_ run: RunSummary) throws {
    let agent = try SACAgent.load(runDirectory: run.directory)
    var wider = ThreePeaks(counter: StepCounter(), observationSize: 2)
    do {
        _ = try agent.evaluate(on: &wider, episodes: 1, seed: 0)
        throw ExampleFailure("evaluating on a 2-dimensional observation did not throw")
    } catch let error as TrainingError {
        guard case .observationSize = error else { throw ExampleFailure("unexpected error: \(error)") }
        print("typed-error kind=observation-size message=\"\(error)\"")
    }
}

/// Mistake 2: a mixture-only estimator with a Gaussian policy. `Trainer.start` asks the
/// estimator to `validate` the policy before it touches the environment.
func demonstrateEstimatorMismatch(in directory: URL) throws {
    var c = banditConfiguration(seed: 0)
    c.policy = .gaussian
    c.components = 1
    c.estimator = .rp
    let counter = StepCounter(), calls = CallCounter()
    do {
        _ = try Trainer.start(configuration: c, runDirectory: directory, registry: registry(counting: counter),
                              estimator: AntitheticMRPEstimator(calls: calls))
        throw ExampleFailure("a mixture-only estimator with a Gaussian policy did not throw")
    } catch let error as TrainingError {
        guard case .estimator(let reason) = error else { throw ExampleFailure("unexpected error: \(error)") }
        let folderCreated = FileManager.default.fileExists(atPath: directory.path)
        print("typed-error kind=estimator reason=\"\(reason)\" steps=\(counter.current.steps) calls=\(calls.value) "
              + "folder_created=\(folderCreated)")
    }
}

// MARK: - Main

struct ExampleFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
func pad(_ x: Any, _ width: Int) -> String {
    let s = "\(x)"
    return String(repeating: " ", count: max(0, width - s.count)) + s
}

func main() throws {
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("mixrl-examples-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: root) }
    let c = banditConfiguration(seed: 1)
    print("config steps=\(c.steps) random_steps=\(c.randomSteps) updates_per_step=\(c.updatesPerStep) "
          + "policy_delay=\(c.policyDelay) eval_every=\(c.evalEvery) eval_episodes=\(c.evalEpisodes) "
          + "components=\(c.components) seed=\(c.seed)")

    // Run 1: the built-in MRP estimator, as the configuration says.
    let mrp = try train("mrp", configuration: c, estimator: nil, in: root.appendingPathComponent("mrp"))

    // Run 2: the same configuration with our estimator injected. `c.estimator` is then
    // ignored, and the run's config.json records `"custom_estimator": "antithetic MRP"`
    // (`Trainer.resume` needs the same estimator passed again).
    let calls = CallCounter()
    let antithetic = AntitheticMRPEstimator(calls: calls)
    let custom = try train("antithetic", configuration: c, estimator: antithetic,
                           in: root.appendingPathComponent("antithetic"))
    print("custom-estimator calls=\(calls.value) critic_evaluations_per_state=\(antithetic.criticEvaluationsPerState(componentCount: c.components))")

    // The evaluation curves, read back from the run folders.
    print("")
    print("  step   return(mrp)   return(antithetic)   alpha(mrp)   alpha(antithetic)")
    for (a, b) in zip(mrp.evaluations, custom.evaluations) {
        func alpha(_ run: RunSummary) -> String { run.alpha[a.step].map { fmt($0, 4) } ?? "-" }
        print("\(pad(a.step, 6))   \(pad(fmt(a.returnMean), 11))   \(pad(fmt(b.returnMean), 18))   "
              + "\(pad(alpha(mrp), 10))   \(pad(alpha(custom), 17))")
    }
    print("")

    for run in [mrp, custom] { try inspectPolicy(run) }
    try demonstrateObservationMismatch(mrp)
    try demonstrateEstimatorMismatch(in: root.appendingPathComponent("gaussian"))
    print("done")
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("multimodal-bandit: error: \(error)\n".utf8))
    exit(1)
}
