import Foundation
import MixSweeps

/// The mean evaluation return over seeds at one step, with its confidence interval.
package struct CurvePoint: Sendable, Equatable {
    /// The environment step.
    package var step: Int
    /// Mean over the seeds evaluated at this step.
    package var mean: Double
    /// Lower end of the bootstrap interval of the mean.
    package var lower: Double
    /// Upper end of the bootstrap interval of the mean.
    package var upper: Double
    /// Seeds with an evaluation at this step.
    package var seeds: Int
}

/// The runs of one configuration (all options but the seed), aggregated over seeds.
package struct ConfigurationSummary: Sendable {
    /// The environment id.
    package var environment: String
    /// `gaussian · rp`, `mixture K=5 · mrp`, plus other options that vary (`tau=0.01`).
    package var label: String
    /// The label without the component count (one series of final return against K).
    package var familyLabel: String
    /// `gaussian` or `mixture`.
    package var policy: String
    /// Mixture components K.
    package var components: Int
    /// The gradient estimator.
    package var estimator: String
    /// Runs of the configuration (any state).
    package var runs: Int
    /// Runs whose `status.json` says finished.
    package var finishedRuns: Int
    /// Finished runs with at least one evaluation, one per seed: the seeds the final-return
    /// statistics use.
    package var seeds: Int
    /// Distinct seeds among the runs (finished or not).
    package var distinctSeeds: Int
    /// Runs not finished (running, interrupted, failed or not started), left out of every
    /// statistic of the final return; their evaluations still join the learning curve.
    package var unfinishedRuns: [UnfinishedRun]
    /// Runs left out because another run folder of the same configuration has the same
    /// seed (a copy, not another seed): the first finished one of each seed is used.
    package var duplicateRuns: [String]
    /// Final evaluation return: mean over the finished seeds with a bootstrap interval.
    package var finalReturn: ConfidenceInterval?
    /// Interquartile mean of the final returns; nil with fewer than four seeds, where it
    /// would only repeat the mean (``Statistics/interquartileMean(_:)`` trims nothing).
    package var finalInterquartileMean: Double?
    /// Final stochastic evaluation return (`return_stochastic_mean`): mean over the seeds
    /// that record it, with a bootstrap interval; nil where no run records it.
    package var finalStochasticReturn: ConfidenceInterval?
    /// Mean over seeds of the final mass near each mode, for tasks that declare modes
    /// (empty otherwise, or if the seeds disagree on the number of modes).
    package var finalModeMasses: [Double]
    /// Mean evaluation return over training (normalized area under the learning curve), with interval.
    package var area: ConfidenceInterval?
    /// Online return: each finished run's mean training-episode return (what the agent
    /// earned while learning, exploration included), averaged over seeds, with interval;
    /// nil where no finished run logged an episode.
    package var onlineReturn: ConfidenceInterval?
    /// Final success rate (`success_rate` of the last evaluation, tasks that report
    /// success): mean over the finished seeds, with interval; nil elsewhere.
    package var finalSuccessRate: ConfidenceInterval?
    /// The report's threshold for the environment, if one is set.
    package var threshold: Double?
    /// Median over the seeds that reached `threshold` of the first step where they did.
    package var stepsToThreshold: Double?
    /// Seeds that reached `threshold`.
    package var reachedThreshold: Int
    /// Mean wall-clock seconds per run.
    package var runSeconds: Double?
    /// The learning curve: mean evaluation return over seeds at each evaluation step.
    package var curve: [CurvePoint]
    /// The runs, in plan order (every state, duplicates included).
    package var runResults: [RunResult]
    /// The run ids, in plan order.
    package var runIDs: [String] { runResults.map(\.id) }
}

/// A run left out of the final-return statistics because it has not finished.
package struct UnfinishedRun: Sendable, Equatable {
    /// The run id.
    package var id: String
    /// Its seed.
    package var seed: String
    /// The step it reached (nil: not started).
    package var step: Int?
    /// Its step budget.
    package var totalSteps: Int?
    /// `status.json`'s state (`failed`, `interrupted`), or nil (running, killed, not started).
    package var state: String?
}

/// One option with the same value in every run of an environment.
package struct SharedSetting: Sendable, Equatable {
    /// The option's snake_case key.
    package var key: String
    /// Its value, as JSON text.
    package var value: String
}

/// Every configuration of a sweep, aggregated over seeds.
package struct SweepAggregate: Sendable {
    /// One per configuration, in the order of their first runs.
    package var summaries: [ConfigurationSummary]
    /// Environments in the order of the runs.
    package var environments: [String]
    /// The options the statistics used.
    package var options: ReportOptions
    /// Per environment, the options every run of it shares (steps, network sizes,
    /// estimator options, ...), the most telling first; the seed and null options left out.
    package var sharedSettings: [String: [SharedSetting]]

    /// Keys listed first among the shared settings, in this order.
    static let leadingSettings = ["policy", "components", "estimator", "samples", "baseline", "steps", "random_steps", "hidden_sizes",
                                  "batch_size", "actor_learning_rate", "critic_learning_rate", "temperature_learning_rate",
                                  "updates_per_step", "learn_temperature", "initial_temperature", "eval_every", "eval_episodes", "eval_mode"]

    /// Groups `results` by configuration (all options but `seed`) and aggregates each group.
    package init(results: [RunResult], options: ReportOptions) {
        self.options = options
        var order: [String] = []
        var groups: [String: [RunResult]] = [:]
        for r in results {
            var key = r.configuration
            key["seed"] = nil
            let text = JSONValue.object(key).canonicalText
            if groups[text] == nil { order.append(text) }
            groups[text, default: []].append(r)
        }
        var envs: [String] = []
        for r in results { let e = r.configuration["environment"]?.description ?? "?"; if !envs.contains(e) { envs.append(e) } }
        environments = envs
        var shared: [String: [SharedSetting]] = [:]
        for env in envs {
            let configs = results.map(\.configuration).filter { ($0["environment"]?.description ?? "?") == env }
            guard let first = configs.first else { continue }
            let keys = first.keys.filter { k in
                guard k != "seed", k != "environment", let v = first[k], v != .null, v != .array([]) else { return false }
                return configs.allSatisfy { $0[k] == v }
            }
            let ordered = Self.leadingSettings.filter(keys.contains) + keys.filter { !Self.leadingSettings.contains($0) }.sorted()
            shared[env] = ordered.map { SharedSetting(key: $0, value: first[$0]?.description ?? "") }
        }
        sharedSettings = shared

        // Options that vary between configurations of one environment, beyond the main three.
        let main: Set<String> = ["environment", "policy", "components", "estimator", "samples", "baseline", "seed"]
        var extras: [String: [String]] = [:]
        for env in envs {
            let configs = order.compactMap { groups[$0]?.first?.configuration }.filter { $0["environment"]?.description == env }
            guard let first = configs.first else { continue }
            extras[env] = Set(configs.flatMap(\.keys)).subtracting(main).filter { k in configs.contains { $0[k] != first[k] } }.sorted()
        }

        summaries = order.compactMap { key in
            guard let runs = groups[key], let config = runs.first?.configuration else { return nil }
            let env = config["environment"]?.description ?? "?"
            return Self.summarize(runs, environment: env, extras: extras[env] ?? [], options: options)
        }
    }

    static func summarize(_ runs: [RunResult], environment: String, extras: [String], options: ReportOptions) -> ConfigurationSummary {
        let config = runs[0].configuration
        let policy = config["policy"]?.description ?? "?"
        let components = Int(config["components"]?.doubleValue ?? 1)
        let estimator = config["estimator"]?.description ?? "?"
        let extraText = extras.map { "\($0)=\(config[$0]?.description ?? "")" }.joined(separator: " ")
        // The estimator's options are part of its name in a report: LR without a baseline
        // and LR with one are different estimators. (M follows K by default, so the
        // family label, one series across K, names only the baseline.)
        let samples = Int(config["samples"]?.doubleValue ?? 1)
        let baselineName = config["baseline"]?.description == "leave-one-out" ? "leave-one-out" : "no baseline"
        let (estimatorLabel, estimatorFamily): (String, String) = switch estimator {
        case "lr", "hybrid": ("\(estimator) (M=\(samples), \(baselineName))", "\(estimator) (\(baselineName))")
        case "mrp" where samples != 1: ("mrp (M=\(samples) per component)", "mrp (M=\(samples) per component)")
        default: (estimator, estimator)
        }
        let family = ([policy, estimatorFamily].joined(separator: " · ") + (extraText.isEmpty ? "" : " " + extraText))
        let label = (policy == "gaussian" && components == 1 ? "gaussian" : "\(policy) K=\(components)") + " · " + estimatorLabel
            + (extraText.isEmpty ? "" : " " + extraText)

        // One run per seed: a second folder with the same configuration and seed is a copy.
        var bySeed: [String: RunResult] = [:]
        var seedOrder: [String] = []
        var duplicates: [String] = []
        for r in runs {
            guard let kept = bySeed[r.seedText] else { bySeed[r.seedText] = r; seedOrder.append(r.seedText); continue }
            let better = (r.isFinished && !kept.isFinished)
                || (r.isFinished == kept.isFinished && (r.stepReached ?? -1) > (kept.stepReached ?? -1))
            if better { bySeed[r.seedText] = r; duplicates.append(kept.id) } else { duplicates.append(r.id) }
        }
        let distinct = seedOrder.compactMap { bySeed[$0] }
        let unfinished = distinct.filter { !$0.isFinished }.map {
            UnfinishedRun(id: $0.id, seed: $0.seedText, step: $0.stepReached, totalSteps: $0.totalSteps, state: $0.status?.state.rawValue)
        }
        // The learning curve shows every seed's evaluations; the final-return statistics
        // only finished runs (an unfinished run's last evaluation is not a final return).
        let evaluatedAll = distinct.filter { !$0.evaluations.isEmpty }
        let evaluated = evaluatedAll.filter(\.isFinished)
        let finals = evaluated.compactMap(\.finalReturn).filter(\.isFinite)
        let seed = options.bootstrapSeed
        // The seeded bootstrap interval of the mean, nil without values.
        func interval(_ values: [Double]) -> ConfidenceInterval? {
            values.isEmpty ? nil : Statistics.bootstrapInterval(values, confidence: options.confidence, resamples: options.bootstrapResamples, seed: seed)
        }
        let finalCI = interval(finals)
        let areas = evaluated.map { r in Statistics.normalizedArea(x: r.evaluations.map { Double($0.step) }, y: r.evaluations.map(\.returnMean)) }.filter(\.isFinite)
        let areaCI = interval(areas)
        let stochasticFinals = evaluated.compactMap(\.finalStochasticReturn).filter(\.isFinite)
        let stochasticCI = interval(stochasticFinals)
        let online = evaluated.compactMap(\.trainingEpisodes.meanReturn).filter(\.isFinite)
        let onlineCI = interval(online)
        let successes = evaluated.compactMap(\.finalSuccessRate).filter(\.isFinite)
        let successCI = interval(successes)
        let massRows = evaluated.map(\.finalModeMasses).filter { !$0.isEmpty }
        var finalMasses: [Double] = []
        if let width = massRows.first?.count, massRows.allSatisfy({ $0.count == width }) {
            finalMasses = (0..<width).map { i in Statistics.mean(massRows.map { $0[i] }) }
        }
        let threshold = options.thresholds[environment]
        var reached: [Double] = []
        if let threshold {
            for r in evaluated { if let hit = r.evaluations.first(where: { $0.returnMean >= threshold }) { reached.append(Double(hit.step)) } }
        }
        let times = evaluated.compactMap(\.wallSeconds)

        // Learning curve: at each evaluation step, the seeds evaluated there.
        var bySteps: [Int: [Double]] = [:]
        for r in evaluatedAll { for e in r.evaluations where e.returnMean.isFinite { bySteps[e.step, default: []].append(e.returnMean) } }
        let curveResamples = min(options.bootstrapResamples, 2_000)
        let curve = bySteps.keys.sorted().compactMap { step -> CurvePoint? in
            guard let values = bySteps[step] else { return nil }
            let ci = Statistics.bootstrapInterval(values, confidence: options.confidence, resamples: curveResamples, seed: seed)
            return CurvePoint(step: step, mean: ci.estimate, lower: ci.lower, upper: ci.upper, seeds: values.count)
        }

        return ConfigurationSummary(
            environment: environment, label: label, familyLabel: family, policy: policy, components: components, estimator: estimator,
            runs: runs.count, finishedRuns: runs.filter(\.isFinished).count, seeds: evaluated.count, distinctSeeds: distinct.count,
            unfinishedRuns: unfinished, duplicateRuns: duplicates,
            finalReturn: finalCI, finalInterquartileMean: finals.count < 4 ? nil : Statistics.interquartileMean(finals),
            finalStochasticReturn: stochasticCI, finalModeMasses: finalMasses,
            area: areaCI, onlineReturn: onlineCI, finalSuccessRate: successCI, threshold: threshold,
            stepsToThreshold: reached.isEmpty ? nil : Statistics.quantile(sorted: reached.sorted(), 0.5), reachedThreshold: reached.count,
            runSeconds: times.isEmpty ? nil : Statistics.mean(times), curve: curve, runResults: runs)
    }
}
