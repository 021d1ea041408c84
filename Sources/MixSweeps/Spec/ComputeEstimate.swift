import Foundation
import MixAgents
import MixEnvs
import MixTensor
import MixCharts

/// How long a sweep's runs take on this machine, measured rather than guessed: for each
/// distinct configuration of a plan (the same environment, networks, policy and
/// estimator; seeds and step counts aside), it times the environment's step, the
/// agent's action and the SAC update on random replay data, then multiplies by the
/// runs' step, update and evaluation counts.
///
/// One thread, as the sweep runs them (`OPENBLAS_NUM_THREADS=1`). Wall time of a run =
/// `steps x (step + act) + updates x update + evaluation steps x (step + act)`, where an
/// evaluation plays `eval_episodes` episodes twice (deterministic and stochastic) of at
/// most the environment's episode limit. Start-up, checkpoints and logging are left out
/// (seconds per run). A loaded machine gives proportionally larger figures.
package struct ComputeEstimate: Sendable {
    /// One distinct configuration and what its runs cost.
    package struct Row: Sendable {
        /// The environment id.
        package var environment: String
        /// Policy, components, estimator and network sizes.
        package var summary: String
        /// Runs of this configuration in the plan.
        package var runs: Int
        /// Environment steps summed over those runs.
        package var steps: Int
        /// Measured seconds per environment step (with its action) and per update.
        package var secondsPerStep: Double
        package var secondsPerUpdate: Double
        /// Estimated core-hours of all of those runs (one core each).
        package var coreHours: Double
    }

    package var rows: [Row]
    /// The sum of ``Row/coreHours``.
    package var coreHours: Double { rows.reduce(0) { $0 + $1.coreHours } }

    /// Measures every distinct configuration of `plan`.
    ///
    /// - Parameters:
    ///   - measureSeconds: the time spent timing updates of one configuration (at least
    ///     three updates after two warm-up updates).
    ///   - progress: called with a line before each configuration is measured.
    package static func measure(_ plan: SweepPlan, options: EnvironmentOptions = EnvironmentOptions(),
                                measureSeconds: Double = 0.5,
                                progress: (String) -> Void = { _ in }) throws -> ComputeEstimate {
        var groups: [String: (configuration: TrainingConfiguration, runs: [TrainingConfiguration])] = [:]
        var order: [String] = []
        for run in plan.runs {
            let key = groupKey(run.configuration)
            if groups[key] == nil { groups[key] = (run.configuration, []); order.append(key) }
            groups[key]?.runs.append(run.configuration)
        }
        var rows: [Row] = []
        for (i, key) in order.enumerated() {
            guard let group = groups[key] else { continue }
            let c = group.configuration.resolvingEstimatorDefaults()
            progress("measuring \(i + 1)/\(order.count): \(c.environment) \(summary(c))")
            let cost = try measureCost(c, options: options, measureSeconds: measureSeconds)
            var seconds = 0.0, steps = 0
            for r in group.runs {
                let updates = max(0, r.steps - r.randomSteps) * r.updatesPerStep
                let evaluations = (r.evalEvery > 0 ? r.steps / r.evalEvery : 0) + (r.evalEvery > 0 && r.steps % r.evalEvery == 0 ? 0 : 1)
                let evaluationSteps = evaluations * r.evalEpisodes * 2 * (cost.episodeLimit ?? 1000)
                seconds += Double(r.steps + evaluationSteps) * cost.step + Double(updates) * cost.update
                steps += r.steps
            }
            rows.append(Row(environment: c.environment, summary: summary(c), runs: group.runs.count, steps: steps,
                            secondsPerStep: cost.step, secondsPerUpdate: cost.update, coreHours: seconds / 3600))
        }
        return ComputeEstimate(rows: rows)
    }

    /// What makes two runs cost the same: everything but the seed, the step and
    /// evaluation schedule, and the output settings.
    static func groupKey(_ c: TrainingConfiguration) -> String {
        var k = c
        k.seed = 0
        k.steps = 0
        k.evalEvery = 0
        k.evalEpisodes = 0
        k.randomSteps = 0
        k.checkpointEvery = 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(k)).map { String(decoding: $0, as: UTF8.self) } ?? "\(k)"
    }

    static func summary(_ c: TrainingConfiguration) -> String {
        let sizes = c.hiddenSizes.map(String.init).joined(separator: "x")
        let policy = c.components == 1 ? "\(c.policy.rawValue)" : "\(c.policy.rawValue) K=\(c.components)"
        var estimator = c.estimator.rawValue
        if c.estimator == .lr || c.estimator == .hybrid, let m = c.samples { estimator += " M=\(m)" }
        return "\(policy) \(estimator), \(sizes), batch \(c.batchSize)"
    }

    /// Seconds per environment step with the agent's action, per update, and the
    /// environment's episode limit.
    static func measureCost(_ c: TrainingConfiguration, options: EnvironmentOptions,
                            measureSeconds: Double) throws -> (step: Double, update: Double, episodeLimit: Int?) {
        var options = options
        options.bridge.environmentImports += c.environmentImports
        var environment = try EnvironmentRegistry.standard.make(id: c.environment, options: options)
        let space = environment.actionSpace, width = environment.observationSpace.dimension
        let agent = try SACAgent(configuration: c, observationSize: width, actionLow: space.low,
                                 actionHigh: space.high, rng: RandomStream(seed: 1))
        var rng = RandomStream(seed: 2)
        let clock = ContinuousClock()

        // Environment steps with the agent's exploring action (200, after 20 unmeasured).
        var observation = try environment.reset(seed: 0)
        var stepTime = Duration.zero
        for i in 0..<220 {
            let start = clock.now
            let action = try agent.act(observation, mode: .explore, using: &rng)
            let result = try environment.step(action)
            observation = result.isLast ? try environment.reset(seed: UInt64(i)) : result.observation
            if i >= 20 { stepTime += clock.now - start }
        }

        // Updates on random replay data (two unmeasured, then until the time is spent).
        var batch = ReplayBatch(batchSize: c.batchSize, observationSize: width, actionSize: space.dimension)
        batch.observations.fillNormal(using: &rng)
        batch.nextObservations.fillNormal(using: &rng)
        batch.actions.fillUniform(lower: -1, upper: 1, using: &rng)
        batch.rewards.fillNormal(using: &rng)
        for _ in 0..<2 { try agent.update(batch: batch) }
        var updates = 0
        let start = clock.now
        while updates < 3 || (clock.now - start) < .seconds(measureSeconds) {
            try agent.update(batch: batch)
            updates += 1
        }
        let updateSeconds = (clock.now - start) / Duration.seconds(1) / Double(updates)
        return (stepTime / Duration.seconds(1) / 200, updateSeconds, environment.maxEpisodeSteps)
    }

    /// The estimate as a Markdown table with a total line.
    package func render() -> String {
        let table = MarkdownTable(
            header: ["environment", "configuration", "runs", "env steps", "ms/step", "ms/update", "core-hours"],
            rows: rows.map { r in
                [r.environment, r.summary, "\(r.runs)", "\(r.steps)", String(format: "%.2f", r.secondsPerStep * 1000),
                 String(format: "%.1f", r.secondsPerUpdate * 1000), String(format: "%.1f", r.coreHours)]
            })
        return table.render() + String(format: "total: %d runs, %.0f core-hours\n", rows.reduce(0) { $0 + $1.runs }, coreHours)
    }
}
