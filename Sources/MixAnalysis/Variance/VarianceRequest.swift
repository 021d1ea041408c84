import Foundation

/// What `mixrl variance` measures: a problem, the component counts K, the sample budgets
/// per state, how many independent estimates per row, the seed and the estimators.
package struct VarianceRequest: Sendable, Equatable {
    /// The problem whose actor gradient is estimated.
    package enum Problem: Sendable, Equatable {
        /// A built-in bandit with a chosen initial mixture; the reference is exact (quadrature).
        case bandit(BanditProblem)
        /// A trained run's checkpoint; the reference is a high-sample MRP average.
        case checkpoint(CheckpointOptions)
    }

    /// The problem.
    package var problem: Problem
    /// The component counts K; nil means {2, 5, 8} for a bandit and the policy's own K for
    /// a checkpoint (which is the only K a checkpoint accepts).
    package var componentCounts: [Int]?
    /// The sample budgets per state `M` (see ``VarianceEstimatorKind``): each estimator is
    /// run with `M` samples (MRP: `M` per component) in the equal-sample comparison, and the
    /// single-evaluation estimators again with `K * M` in the equal-compute comparison.
    package var samplesPerState: [Int]
    /// Independent estimates per row, N (at least 2).
    package var estimateCount: Int
    /// The seed; every row draws from its own stream split from it by the row's identity,
    /// so a row's numbers do not depend on which other rows were requested.
    package var seed: UInt64
    /// The estimators; nil means ``VarianceEstimatorKind/defaults``, each where it applies.
    /// Named estimators must apply at every requested K.
    package var estimators: [VarianceEstimatorKind]?
    /// The relaxation temperature of the Gumbel-softmax estimator.
    package var gumbelTemperature: Double
    /// Whether to add the equal-compute rows.
    package var includesEqualCompute: Bool
    /// The most critic rows evaluated in one batched pass (bounds memory). Estimates are
    /// drawn pass by pass, so another value draws other random numbers (from the same
    /// distribution): keep it fixed to reproduce a table exactly.
    package var rowsPerPass: Int

    /// A request with the command's defaults (1 sample per state, 1000 estimates, seed 0,
    /// every estimator where it applies, equal-compute rows included).
    package init(problem: Problem, componentCounts: [Int]? = nil, samplesPerState: [Int] = [1], estimateCount: Int = 1000,
                seed: UInt64 = 0, estimators: [VarianceEstimatorKind]? = nil, gumbelTemperature: Double = 1,
                includesEqualCompute: Bool = true, rowsPerPass: Int = 16_384) {
        self.problem = problem
        self.componentCounts = componentCounts
        self.samplesPerState = samplesPerState
        self.estimateCount = estimateCount
        self.seed = seed
        self.estimators = estimators
        self.gumbelTemperature = gumbelTemperature
        self.includesEqualCompute = includesEqualCompute
        self.rowsPerPass = rowsPerPass
    }

    /// The bandit default for K.
    package static let defaultBanditComponentCounts = [2, 5, 8]
}

/// Which comparison a row belongs to.
package enum VarianceComparison: String, Sendable, Codable, Hashable {
    /// Every estimator with the same number of samples `M` (MRP: `M` per component).
    case equalSamples = "equal-samples"
    /// The single-evaluation estimators with `K * M` samples: as many critic evaluations as MRP.
    case equalCompute = "equal-compute"
}

/// One planned row: an estimator at one K and one budget.
package struct VarianceRowPlan: Sendable, Equatable, Hashable, Codable {
    /// The number of mixture components K.
    package var componentCount: Int
    /// The budget `M` of the comparison this row belongs to.
    package var budget: Int
    /// The estimator.
    package var estimator: VarianceEstimatorKind
    /// The comparison.
    package var comparison: VarianceComparison
    /// The samples the estimator draws: per state, or per component for MRP.
    package var samples: Int
    /// Critic evaluations per estimate (all states of the estimate together).
    package var criticEvaluations: Int

    /// A stable identity for seeding, independent of the other rows.
    var key: String { "K=\(componentCount)|M=\(budget)|\(estimator.rawValue)|\(comparison.rawValue)|\(samples)" }

    /// The estimator's label, with its sample count in an equal-compute row (`LR (10 samples)`).
    package var label: String {
        comparison == .equalSamples ? estimator.label : "\(estimator.label) (\(samples) samples)"
    }
}

/// How far a benchmark has come (for a progress display; the benchmark never prints).
package struct VarianceProgress: Sendable {
    /// Rows (and references) finished.
    package var completed: Int
    /// Rows and references in all.
    package var total: Int
    /// What is being computed now.
    package var activity: String
}
