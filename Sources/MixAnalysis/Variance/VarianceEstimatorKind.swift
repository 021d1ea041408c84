import Foundation
import MixPolicy

/// The gradient estimators the variance benchmark compares, by their command-line names:
/// every estimator of ``EstimatorRegistry``, and for those that take a baseline a second
/// variant with the leave-one-out baseline (`lr-loo`, `hybrid-loo`).
///
/// Each maps to one ``GradientEstimator`` of `MixPolicy` for a given sample budget `M`:
/// LR and hybrid draw `M` samples per state, MRP draws `M` per component (so it evaluates
/// the critic `K * M` times), and RP and Gumbel-softmax, which have no sample count of
/// their own, average `M` independent single-sample estimates per state.
package struct VarianceEstimatorKind: RawRepresentable, CaseIterable, Sendable, Codable, Hashable {
    /// The registered estimator.
    package let registration: EstimatorRegistration
    /// Its baseline (``Baseline/none`` for estimators that take none).
    package let baseline: Baseline

    private init(_ registration: EstimatorRegistration, baseline: Baseline = .none) {
        self.registration = registration
        self.baseline = baseline
    }

    /// The name: the registered one, with `-loo` for the leave-one-out variant.
    package var rawValue: String { registration.name + (baseline == .leaveOneOut ? "-loo" : "") }

    /// The estimator called `rawValue`, or nil.
    package init?(rawValue: String) {
        guard let kind = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = kind
    }

    package static func == (a: Self, b: Self) -> Bool { a.rawValue == b.rawValue }
    package func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// Every registered estimator in the registry's order, each followed by its
    /// leave-one-out variant when it takes a baseline.
    package static var allCases: [VarianceEstimatorKind] {
        EstimatorRegistry.builtIn.flatMap { r in
            r.takesBaseline ? [VarianceEstimatorKind(r), VarianceEstimatorKind(r, baseline: .leaveOneOut)] : [VarianceEstimatorKind(r)]
        }
    }

    /// Reparameterization (a Gaussian policy, K = 1 only).
    package static let rp = VarianceEstimatorKind(RPEstimator.registration)
    /// Marginalized reparameterization.
    package static let mrp = VarianceEstimatorKind(MRPEstimator.registration)
    /// Likelihood ratio without a baseline.
    package static let lr = VarianceEstimatorKind(LREstimator.registration)
    /// Likelihood ratio with the leave-one-out baseline (needs at least 2 samples).
    package static let lrLeaveOneOut = VarianceEstimatorKind(LREstimator.registration, baseline: .leaveOneOut)
    /// Hybrid: RP inside the sampled component, LR for the weights, no baseline.
    package static let hybrid = VarianceEstimatorKind(HybridEstimator.registration)
    /// Hybrid with the leave-one-out baseline (needs at least 2 samples).
    package static let hybridLeaveOneOut = VarianceEstimatorKind(HybridEstimator.registration, baseline: .leaveOneOut)
    /// The Gumbel-softmax relaxation (biased).
    package static let gumbel = VarianceEstimatorKind(GumbelSoftmaxEstimator.registration)

    /// What runs when no estimators are named: every registered estimator without a
    /// baseline, plus LR with its leave-one-out baseline (LR's usual form), each at the K
    /// where it applies (RP only at K = 1; hybrid and Gumbel only at K >= 2).
    package static var defaults: [VarianceEstimatorKind] {
        allCases.filter { $0.baseline == .none || $0 == .lrLeaveOneOut }
    }

    /// The estimator named `name` (its raw value, case-insensitive).
    package init(parsing name: String) throws(VarianceError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let kind = VarianceEstimatorKind(rawValue: trimmed) else {
            throw .unknownEstimator(name, known: VarianceEstimatorKind.allCases.map(\.rawValue))
        }
        self = kind
    }

    /// Encoded as its name.
    package init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = VarianceEstimatorKind(rawValue: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown estimator '\(name)'"))
        }
        self = kind
    }

    /// Encodes the name.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The name used in tables and plots (`LR+LOO`).
    package var label: String { registration.label + (baseline == .leaveOneOut ? "+LOO" : "") }

    /// Whether the estimator is unbiased (all but Gumbel-softmax).
    package var isUnbiased: Bool { registration.isUnbiased }

    /// Whether the estimator subtracts a leave-one-out baseline.
    package var usesLeaveOneOut: Bool { baseline == .leaveOneOut }

    /// Whether the estimator gets an equal-compute row: the ones that pay one critic
    /// evaluation per sample, which are given `K * M` samples when MRP evaluates `K * M`
    /// actions. (RP runs only at K = 1, where the two comparisons coincide.)
    package var hasEqualComputeRow: Bool {
        registration.sampleCount != .perComponent && registration.applicability != .gaussian
    }

    /// Why the estimator cannot run at all with `componentCount` components (whatever the
    /// budget), or nil: the estimator's own ``GradientEstimator/validate(componentCount:)``
    /// (MRP runs at K = 1, where it is RP, although training pairs it with mixtures).
    package func inapplicability(componentCount k: Int) -> String? {
        let (estimator, _) = make(samples: 2, gumbelTemperature: 1)
        do { try estimator.validate(componentCount: k) } catch { return error.description }
        return nil
    }

    /// The `MixPolicy` estimator for a budget of `samples` per state, and how many times
    /// each state is repeated so that estimators without a sample count average
    /// `samples` independent estimates.
    func make(samples: Int, gumbelTemperature: Double) -> (estimator: any GradientEstimator, replication: Int) {
        let estimator = registration.make(.init(samples: samples, baseline: baseline, gumbelTemperature: gumbelTemperature))
        return (estimator, registration.sampleCount == .single ? samples : 1)
    }

    /// Critic evaluations per state for a budget of `samples` with `componentCount` components
    /// (an estimator without a sample count is replicated `samples` times).
    func criticEvaluationsPerState(samples: Int, componentCount k: Int) -> Int {
        registration.sampleCount == .single ? samples : registration.criticEvaluationsPerState(componentCount: k, samples: samples)
    }
}
