/// The built-in gradient estimators by name: the one list that the training configuration
/// (its `estimator` key), SAC, the variance benchmark and docs/estimators.md read.
///
/// A built-in estimator is one file (its ``GradientEstimator`` type with a static
/// ``EstimatorRegistration``) plus one line in ``builtIn``. Estimators of your own do not
/// need to be registered: pass them to the trainer directly.
public enum EstimatorRegistry {
    /// Every built-in estimator, in the order the command line and the documentation list them.
    public static let builtIn: [EstimatorRegistration] = [
        RPEstimator.registration,
        MRPEstimator.registration,
        LREstimator.registration,
        HybridEstimator.registration,
        GumbelSoftmaxEstimator.registration,
    ]

    /// The built-in estimator called `name` (exactly, as in a configuration), or nil.
    public static func named(_ name: String) -> EstimatorRegistration? {
        builtIn.first { $0.name == name }
    }

    /// The registered names, in order (`rp`, `mrp`, `lr`, `hybrid`, `gumbel`).
    public static var names: [String] { builtIn.map(\.name) }
}

/// One built-in estimator: its name, how to make it, what it trains, its bias and its cost.
public struct EstimatorRegistration: Sendable {
    /// Which policies an estimator trains.
    public enum Applicability: String, Sendable, Hashable, CaseIterable {
        /// Only a Gaussian policy (K = 1).
        case gaussian
        /// Only a mixture with at least two components.
        case mixture
        /// Gaussian policies and mixtures alike.
        case any

        /// Whether a policy with `componentCount` components (from a `policy` that is a
        /// mixture or not) can be trained.
        public func admits(componentCount k: Int, isMixture: Bool) -> Bool {
            switch self {
            case .gaussian: k == 1
            case .mixture: isMixture && k >= 2
            case .any: true
            }
        }

        /// How the documentation table says it: `Gaussian (K = 1)`, `mixture (K >= 2)`, `any K`.
        public var phrase: String {
            switch self {
            case .gaussian: "Gaussian (K = 1)"
            case .mixture: "mixture (K >= 2)"
            case .any: "any K"
            }
        }
    }

    /// What the sample count `M` of an estimator counts.
    public enum SampleCount: String, Sendable, Hashable, CaseIterable {
        /// One sample per state; no `M` (RP, Gumbel-softmax).
        case single
        /// `M` samples per state (LR, hybrid).
        case perState
        /// `M` samples per component, `K * M` per state (MRP).
        case perComponent
    }

    /// The options a built-in estimator is made with.
    public struct Options: Sendable, Equatable {
        /// Samples `M` (per state or per component, see ``SampleCount``; ignored by estimators that take one).
        public var samples: Int
        /// The baseline of the likelihood-ratio estimators (ignored by the others).
        public var baseline: Baseline
        /// The relaxation temperature of Gumbel-softmax (ignored by the others).
        public var gumbelTemperature: Double

        /// Options for ``EstimatorRegistration/make(_:)``.
        public init(samples: Int = 1, baseline: Baseline = .none, gumbelTemperature: Double = 1) {
            self.samples = samples
            self.baseline = baseline
            self.gumbelTemperature = gumbelTemperature
        }
    }

    /// The name in configurations, sweep specs and on the command line (`mrp`).
    public let name: String
    /// The name in tables and plots (`MRP`).
    public let label: String
    /// One line saying what it does.
    public let summary: String
    /// Which policies it trains.
    public let applicability: Applicability
    /// Whether its gradient is an unbiased estimate of the true gradient.
    public let isUnbiased: Bool
    /// What its sample count counts.
    public let sampleCount: SampleCount
    /// Whether it takes a baseline (``Baseline/leaveOneOut`` needs `M >= 2`).
    public let takesBaseline: Bool
    private let factory: @Sendable (Options) -> any GradientEstimator

    /// A registration; `make` builds the estimator from its options.
    public init(name: String, label: String, summary: String, applicability: Applicability, isUnbiased: Bool,
                sampleCount: SampleCount, takesBaseline: Bool, make: @escaping @Sendable (Options) -> any GradientEstimator) {
        self.name = name
        self.label = label
        self.summary = summary
        self.applicability = applicability
        self.isUnbiased = isUnbiased
        self.sampleCount = sampleCount
        self.takesBaseline = takesBaseline
        factory = make
    }

    /// The estimator with `options` (not yet validated: see ``GradientEstimator/validate(componentCount:)``).
    public func make(_ options: Options) -> any GradientEstimator { factory(options) }

    /// Critic evaluations per state with `componentCount` components and `samples` M:
    /// 1, M, or K * M (``SampleCount``).
    public func criticEvaluationsPerState(componentCount k: Int, samples m: Int) -> Int {
        switch sampleCount {
        case .single: 1
        case .perState: m
        case .perComponent: k * m
        }
    }

    /// The cost as the documentation table writes it: `1`, `M`, `K * M`.
    public var costFormula: String {
        switch sampleCount {
        case .single: "1"
        case .perState: "M"
        case .perComponent: "K * M"
        }
    }

    /// MixRL's fair default for `M` with `componentCount` components: `max(K, 2)` per state
    /// for the estimators that sample per state (as many critic evaluations as MRP, and
    /// enough for a leave-one-out baseline), else 1.
    public func defaultSamples(componentCount k: Int) -> Int {
        sampleCount == .perState ? max(k, 2) : 1
    }

    /// MixRL's default baseline: leave-one-out for the estimators that take one, else none.
    public var defaultBaseline: Baseline { takesBaseline ? .leaveOneOut : .none }
}
