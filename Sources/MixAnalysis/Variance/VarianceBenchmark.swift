import Foundation
import MixEnvs
import MixTensor

/// The gradient-variance benchmark: checks a ``VarianceRequest`` completely (and reads
/// its checkpoint) when made, then, for every planned row, draws N independent seeded
/// gradient estimates and summarizes them per parameter group against the reference.
///
/// ```swift
/// let benchmark = try VarianceBenchmark(VarianceRequest(problem: .bandit(BanditProblem(bandit: .symmetricBimodal))))
/// let report = try benchmark.run()
/// print(report.markdown())
/// ```
///
/// Bandits run in `Double`; a checkpoint's networks run in `Float` (its training type),
/// with every statistic accumulated in `Double`.
package final class VarianceBenchmark {
    /// The request, as given.
    package let request: VarianceRequest
    /// The component counts that will run.
    package let componentCounts: [Int]
    /// The sample budgets, ascending and without repeats.
    package let budgets: [Int]
    /// Every row, in the order they run and are reported.
    package let plan: [VarianceRowPlan]
    /// Rows left out and why (a leave-one-out baseline with a single sample).
    package let notes: [String]
    /// The states per estimate (1 for a bandit).
    package let stateCount: Int
    let checkpoint: CheckpointProblem?

    /// Checks `request` and plans its rows. Throws for anything that cannot run (N < 2,
    /// empty lists, an estimator that does not apply at a requested K, an initial mixture
    /// or a checkpoint that does not have the requested shape), before any sampling.
    package init(_ request: VarianceRequest, registry: EnvironmentRegistry = .standard) throws(VarianceError) {
        self.request = request
        guard request.estimateCount >= 2 else { throw .tooFewEstimates(request.estimateCount) }
        guard !request.samplesPerState.isEmpty, request.samplesPerState.allSatisfy({ $0 >= 1 }) else {
            throw .invalidValue(option: "--samples", message: "needs at least one budget, each at least 1, got \(request.samplesPerState)")
        }
        if let ks = request.componentCounts, ks.isEmpty || !ks.allSatisfy({ $0 >= 1 }) {
            throw .invalidValue(option: "--components", message: "needs at least one K, each at least 1, got \(ks)")
        }
        guard request.gumbelTemperature > 0 && request.gumbelTemperature.isFinite else {
            throw .invalidValue(option: "--gumbel-temperature", message: "must be positive and finite, got \(request.gumbelTemperature)")
        }
        guard request.rowsPerPass >= 1 else {
            throw .invalidValue(option: "--rows-per-pass", message: "must be at least 1, got \(request.rowsPerPass)")
        }
        budgets = Array(Set(request.samplesPerState)).sorted()

        switch request.problem {
        case .bandit(let bandit):
            guard bandit.alpha >= 0 && bandit.alpha.isFinite else {
                throw .invalidValue(option: "--alpha", message: "must be a non-negative number, got \(bandit.alpha)")
            }
            componentCounts = Array(Set(request.componentCounts ?? VarianceRequest.defaultBanditComponentCounts)).sorted()
            for k in componentCounts { _ = try bandit.initialMixture.parameters(componentCount: k) }
            stateCount = 1
            checkpoint = nil
        case .checkpoint(let options):
            guard options.stateCount >= 1 else {
                throw .invalidValue(option: "--states", message: "must be at least 1, got \(options.stateCount)")
            }
            guard options.referenceSamplesPerComponent >= 1 else {
                throw .invalidValue(option: "--reference-samples", message: "must be at least 1, got \(options.referenceSamplesPerComponent)")
            }
            guard options.referenceEstimates >= 2 else {
                throw .invalidValue(option: "--reference-estimates", message: "must be at least 2, got \(options.referenceEstimates)")
            }
            if let alpha = options.alpha, !(alpha >= 0 && alpha.isFinite) {
                throw .invalidValue(option: "--alpha", message: "must be a non-negative number, got \(alpha)")
            }
            let loaded = try CheckpointProblem(location: options.location, registry: registry)
            let k = loaded.componentCount
            if let requested = request.componentCounts, Set(requested) != [k] {
                throw .policyShapeMismatch("the checkpoint's policy has K = \(k) components (\(loaded.configuration.policy.rawValue), \(loaded.actionDimension)-dimensional actions), but K = \(requested.map(String.init).joined(separator: ",")) was requested; omit --components or pass \(k)")
            }
            componentCounts = [k]
            stateCount = min(options.stateCount, loaded.replayObservations.shape[0])
            checkpoint = loaded
        }

        (plan, notes) = try Self.makePlan(request: request, componentCounts: componentCounts, budgets: budgets, stateCount: stateCount)
    }

    /// The rows: per K, per budget, the equal-sample rows in estimator order, then the
    /// equal-compute rows.
    static func makePlan(request: VarianceRequest, componentCounts: [Int], budgets: [Int],
                         stateCount: Int) throws(VarianceError) -> ([VarianceRowPlan], [String]) {
        let named = request.estimators.map { list in list.enumerated().filter { list.firstIndex(of: $0.element) == $0.offset }.map(\.element) }
        let kinds = named ?? VarianceEstimatorKind.defaults
        let maxBudget = budgets.last ?? 1
        if named != nil {
            for kind in kinds {
                for k in componentCounts {
                    if let reason = kind.inapplicability(componentCount: k) {
                        throw .estimatorNotApplicable(estimator: kind.rawValue, componentCount: k, reason: reason)
                    }
                    if kind.usesLeaveOneOut && maxBudget < 2 && (k == 1 || !request.includesEqualCompute) {
                        throw .estimatorNotApplicable(
                            estimator: kind.rawValue, componentCount: k,
                            reason: "a leave-one-out baseline needs at least 2 samples per state, and every budget in --samples is 1"
                                + (k == 1 ? " (at K = 1 there is no equal-compute row with more samples)" : " and the equal-compute rows are off"))
                    }
                }
            }
        }
        var rows: [VarianceRowPlan] = [], skipped: [VarianceEstimatorKind: [Int]] = [:]
        for k in componentCounts {
            for m in budgets {
                for kind in kinds where kind.inapplicability(componentCount: k) == nil {
                    if kind.usesLeaveOneOut && m < 2 {
                        if !(skipped[kind]?.contains(k) ?? false) { skipped[kind, default: []].append(k) }
                        continue
                    }
                    rows.append(VarianceRowPlan(componentCount: k, budget: m, estimator: kind, comparison: .equalSamples, samples: m,
                                                criticEvaluations: stateCount * kind.criticEvaluationsPerState(samples: m, componentCount: k)))
                }
                guard request.includesEqualCompute && k > 1 else { continue }
                for kind in kinds where kind.hasEqualComputeRow && kind.inapplicability(componentCount: k) == nil {
                    rows.append(VarianceRowPlan(componentCount: k, budget: m, estimator: kind, comparison: .equalCompute, samples: k * m,
                                                criticEvaluations: stateCount * k * m))
                }
            }
        }
        let notes = kinds.compactMap { kind -> String? in
            guard let ks = skipped[kind] else { return nil }
            let matched = request.includesEqualCompute ? ks.filter { $0 > 1 } : []
            let unmatched = ks.filter { !matched.contains($0) }
            var parts: [String] = []
            if !unmatched.isEmpty { parts.append("no row at M = 1 for K = " + unmatched.map(String.init).joined(separator: ", ")) }
            if !matched.isEmpty {
                parts.append("only its equal-compute rows (K·M samples) at M = 1 for K = " + matched.map(String.init).joined(separator: ", "))
            }
            return "\(kind.label) with 1 sample per state is undefined (leave-one-out needs 2): " + parts.joined(separator: "; ") + "."
        }
        return (rows, notes)
    }

    /// A stable 64-bit index for `text` (FNV-1a), to split the seed's stream per row.
    static func streamIndex(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Runs every planned row; `progress` is called before each row and each reference.
    /// Cost: per row, N estimates of `criticEvaluations` critic rows each (with a backward
    /// pass through the critic for the pathwise estimators), in batched passes.
    package func run(progress: (VarianceProgress) -> Void = { _ in }) throws(VarianceError) -> VarianceReport {
        let root = RandomStream(seed: request.seed)
        let total = plan.count + componentCounts.count
        var done = 0
        var cells: [VarianceCell] = [], references: [VarianceReference] = []
        for k in componentCounts {
            progress(VarianceProgress(completed: done, total: total, activity: "reference at K = \(k)"))
            let reference: VarianceReference
            let rowsAtK = plan.filter { $0.componentCount == k }
            switch (request.problem, checkpoint) {
            case let (.checkpoint(options), checkpoint?):
                let alpha = options.alpha ?? checkpoint.learnedTemperature
                let problem = checkpoint.estimationProblem(stateCount: stateCount, alpha: alpha, rng: root.split(Self.streamIndex("states")))
                reference = try sampledReference(problem, options: options, root: root)
                done += 1
                cells += try runRows(rowsAtK, problem: problem, reference: reference, root: root, done: &done, total: total, progress: progress)
            case let (.bandit(bandit), _):
                let problem = try bandit.estimationProblem(componentCount: k)
                let exact = try bandit.exactReference(componentCount: k).lossGradient()
                let gradient = k > 1 ? exact : Array(exact.dropFirst())  // no logit at K = 1
                reference = VarianceReference(componentCount: k, method: "exact quadrature", gradient: gradient, varianceOfMean: nil)
                done += 1
                cells += try runRows(rowsAtK, problem: problem, reference: reference, root: root, done: &done, total: total, progress: progress)
            case (.checkpoint(let options), nil):
                // init loads the checkpoint for every checkpoint request; kept total for the compiler.
                throw .checkpointUnreadable(path: options.location.path, reason: "not loaded")
            }
            references.append(reference)
        }
        return VarianceReport(title: title, problemDescription: problemDescription, stateCount: stateCount,
                              estimateCount: request.estimateCount, seed: request.seed, references: references,
                              rows: cells, notes: notes)
    }

    /// The high-sample MRP average of a checkpoint problem.
    func sampledReference(_ problem: EstimationProblem<Float>, options: CheckpointOptions, root: RandomStream) throws(VarianceError) -> VarianceReference {
        let m = options.referenceSamplesPerComponent, k = problem.componentCount
        let kind = VarianceEstimatorKind.mrp
        let (estimator, replication) = kind.make(samples: m, gumbelTemperature: request.gumbelTemperature)
        let sample: GradientSample
        do {
            sample = try GradientSampler.sample(problem, estimator: estimator, replication: replication,
                                                criticRowsPerState: k * m, count: options.referenceEstimates,
                                                rowsPerPass: request.rowsPerPass, rng: root.split(Self.streamIndex("reference|K=\(k)")))
        } catch {
            throw .estimatorNotApplicable(estimator: "mrp", componentCount: k, reason: error.description)
        }
        let (mean, varianceOfMean) = GroupStatistics.meanAndVarianceOfMean(sample.estimates)
        return VarianceReference(componentCount: k, method: "MRP average, \(m) samples per component, \(options.referenceEstimates) estimates",
                                 gradient: mean, varianceOfMean: varianceOfMean)
    }

    func runRows<Scalar>(_ rows: [VarianceRowPlan], problem: EstimationProblem<Scalar>, reference: VarianceReference,
                         root: RandomStream, done: inout Int, total: Int,
                         progress: (VarianceProgress) -> Void) throws(VarianceError) -> [VarianceCell] {
        var cells: [VarianceCell] = []
        for row in rows {
            progress(VarianceProgress(completed: done, total: total,
                                      activity: "K = \(row.componentCount), \(row.label), M = \(row.budget) (\(row.comparison.rawValue))"))
            let (estimator, replication) = row.estimator.make(samples: row.samples, gumbelTemperature: request.gumbelTemperature)
            let sample: GradientSample
            do {
                sample = try GradientSampler.sample(
                    problem, estimator: estimator, replication: replication,
                    criticRowsPerState: row.estimator.criticEvaluationsPerState(samples: row.samples, componentCount: row.componentCount) / replication,
                    count: request.estimateCount, rowsPerPass: request.rowsPerPass, rng: root.split(Self.streamIndex(row.key)))
            } catch {
                // Planning checked applicability; an estimator's own validation disagreeing is a bug worth naming.
                throw .estimatorNotApplicable(estimator: row.estimator.rawValue, componentCount: row.componentCount, reason: error.description)
            }
            var groups: [GroupStatistics] = []
            for (group, range) in problem.layout {
                groups.append(try GroupStatistics.compute(group: group, estimates: sample.estimates, range: range,
                                                          reference: reference.gradient, referenceVariance: reference.varianceOfMean))
            }
            cells.append(VarianceCell(plan: row, estimateCount: sample.estimates.count,
                                      secondsPerEstimate: sample.seconds / Double(max(sample.estimates.count, 1)), groups: groups))
            done += 1
        }
        return cells
    }

    var title: String {
        switch request.problem {
        case .bandit(let b): "Gradient variance: \(b.bandit.rawValue) bandit"
        case .checkpoint: "Gradient variance: checkpoint of \(checkpoint?.configuration.environment ?? "a run")"
        }
    }

    var problemDescription: String {
        switch request.problem {
        case .bandit(let b):
            let mixture: String
            switch b.initialMixture {
            case .spread: mixture = "the spread initial mixture"
            case .explicit: mixture = "the given initial mixture"
            }
            return "\(b.bandit.rawValue) bandit (\(b.bandit.environmentID)), \(mixture) squashed to [-2, 2], alpha = \(format(b.alpha)); "
                + "reference: exact gradient by quadrature"
                + (b.bandit.reward.drawsOneModePerPull ? " of the expected reward (the estimators see single pulls)" : "")
        case .checkpoint(let o):
            guard let c = checkpoint else { return "checkpoint" }
            let alpha = o.alpha ?? c.learnedTemperature
            return "\(c.path): \(c.configuration.environment), \(c.configuration.policy.rawValue) policy with K = \(c.componentCount), "
                + "trained with \(c.configuration.estimator.rawValue); \(stateCount) replay states per estimate, alpha = \(format(alpha)), "
                + "critic min(Q1, Q2); reference: MRP with \(o.referenceSamplesPerComponent) samples per component, averaged over \(o.referenceEstimates) estimates"
        }
    }

    func format(_ x: Double) -> String { String(format: "%.4g", x) }
}
