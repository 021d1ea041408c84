import Foundation
import MixPolicy

/// The gradient estimators the variance benchmark compares, by their command-line names.
///
/// Each maps to one ``GradientEstimator`` of `MixPolicy` for a given sample budget `M`:
/// LR and hybrid draw `M` samples per state, MRP draws `M` per component (so it evaluates
/// the critic `K * M` times), and RP and Gumbel-softmax, which have no sample count of
/// their own, average `M` independent single-sample estimates per state.
package enum VarianceEstimatorKind: String, CaseIterable, Sendable, Codable, Hashable {
    /// Reparameterization (a Gaussian policy, K = 1 only).
    case rp
    /// Marginalized reparameterization.
    case mrp
    /// Likelihood ratio without a baseline.
    case lr
    /// Likelihood ratio with the leave-one-out baseline (needs at least 2 samples).
    case lrLeaveOneOut = "lr-loo"
    /// Hybrid: RP inside the sampled component, LR for the weights, no baseline.
    case hybrid
    /// Hybrid with the leave-one-out baseline (needs at least 2 samples).
    case hybridLeaveOneOut = "hybrid-loo"
    /// The Gumbel-softmax relaxation (biased).
    case gumbel

    /// What runs when no estimators are named: every estimator of the issue, each at the
    /// K where it applies (RP only at K = 1; hybrid and Gumbel only at K >= 2).
    package static let defaults: [VarianceEstimatorKind] = [.rp, .mrp, .lr, .lrLeaveOneOut, .hybrid, .gumbel]

    /// The estimator named `name` (its raw value, case-insensitive).
    package init(parsing name: String) throws(VarianceError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let kind = VarianceEstimatorKind(rawValue: trimmed) else {
            throw .unknownEstimator(name, known: VarianceEstimatorKind.allCases.map(\.rawValue))
        }
        self = kind
    }

    /// The name used in tables and plots.
    package var label: String {
        switch self {
        case .rp: "RP"
        case .mrp: "MRP"
        case .lr: "LR"
        case .lrLeaveOneOut: "LR+LOO"
        case .hybrid: "hybrid"
        case .hybridLeaveOneOut: "hybrid+LOO"
        case .gumbel: "Gumbel"
        }
    }

    /// Whether the estimator is unbiased (all but Gumbel-softmax).
    package var isUnbiased: Bool { self != .gumbel }

    /// Whether the estimator subtracts a leave-one-out baseline.
    package var usesLeaveOneOut: Bool { self == .lrLeaveOneOut || self == .hybridLeaveOneOut }

    /// Whether the estimator gets an equal-compute row: the ones that pay one critic
    /// evaluation per sample, which are given `K * M` samples when MRP evaluates `K * M`
    /// actions. (RP runs only at K = 1, where the two comparisons coincide.)
    package var hasEqualComputeRow: Bool {
        switch self {
        case .lr, .lrLeaveOneOut, .hybrid, .hybridLeaveOneOut, .gumbel: true
        case .rp, .mrp: false
        }
    }

    /// Why the estimator cannot run at all with `componentCount` components (whatever the
    /// budget), or nil.
    package func inapplicability(componentCount k: Int) -> String? {
        switch self {
        case .rp where k != 1:
            "RP reparameterizes a single Gaussian and cannot differentiate a mixture's component choice; use mrp, lr, hybrid or gumbel"
        case .hybrid where k < 2, .hybridLeaveOneOut where k < 2, .gumbel where k < 2:
            "it needs a mixture with at least two components (at K = 1 use rp or mrp)"
        default:
            nil
        }
    }

    /// The `MixPolicy` estimator for a budget of `samples` per state, and how many times
    /// each state is repeated so that estimators without a sample count average
    /// `samples` independent estimates.
    func make(samples: Int, gumbelTemperature: Double) -> (estimator: any GradientEstimator, replication: Int) {
        switch self {
        case .rp: (RPEstimator(), samples)
        case .mrp: (MRPEstimator(samplesPerComponent: samples), 1)
        case .lr: (LREstimator(samples: samples, baseline: .none), 1)
        case .lrLeaveOneOut: (LREstimator(samples: samples, baseline: .leaveOneOut), 1)
        case .hybrid: (HybridEstimator(samples: samples, baseline: .none), 1)
        case .hybridLeaveOneOut: (HybridEstimator(samples: samples, baseline: .leaveOneOut), 1)
        case .gumbel: (GumbelSoftmaxEstimator(temperature: gumbelTemperature), samples)
        }
    }

    /// Critic evaluations per state for a budget of `samples` with `componentCount` components.
    func criticEvaluationsPerState(samples: Int, componentCount k: Int) -> Int {
        self == .mrp ? k * samples : samples
    }
}
