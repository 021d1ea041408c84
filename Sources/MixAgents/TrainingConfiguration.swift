import MixPolicy

/// Which family of action distribution the actor uses.
public enum PolicyKind: String, Codable, Sendable, CaseIterable {
    /// The tanh-squashed diagonal Gaussian of SAC (a mixture with one component).
    case gaussian
    /// A tanh-squashed mixture of `componentCount` diagonal Gaussians.
    case mixture
}

/// Which built-in gradient estimator trains the actor, by its name in
/// ``/MixPolicy/EstimatorRegistry`` (see docs/estimators.md): `rp`, `mrp`, `lr`, `hybrid`, `gumbel`.
/// Decoding or parsing a name the registry does not know fails.
public struct EstimatorKind: RawRepresentable, Codable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The registered name.
    public let rawValue: String

    /// The estimator registered as `rawValue`, or nil.
    public init?(rawValue: String) {
        guard EstimatorRegistry.named(rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    private init(registered name: String) { rawValue = name }

    /// Every registered estimator, in the registry's order.
    public static var allCases: [EstimatorKind] { EstimatorRegistry.builtIn.map { EstimatorKind(registered: $0.name) } }

    /// Reparameterization through one sample (Gaussian policies).
    public static let rp = EstimatorKind(registered: RPEstimator.registration.name)
    /// Marginalized reparameterization: one reparameterized sample per component, weighted exactly.
    public static let mrp = EstimatorKind(registered: MRPEstimator.registration.name)
    /// Likelihood ratio (score function).
    public static let lr = EstimatorKind(registered: LREstimator.registration.name)
    /// Reparameterization inside the sampled component, likelihood ratio for the weights.
    public static let hybrid = EstimatorKind(registered: HybridEstimator.registration.name)
    /// Gumbel-softmax relaxation of the component choice (biased).
    public static let gumbel = EstimatorKind(registered: GumbelSoftmaxEstimator.registration.name)

    /// The registry's entry: how to make it, what it trains, its bias and cost.
    public var registration: EstimatorRegistration {
        // Every value was checked against the registry when it was made.
        EstimatorRegistry.named(rawValue) ?? RPEstimator.registration
    }

    /// The name.
    public var description: String { rawValue }
}

/// How evaluation episodes choose actions.
public enum EvaluationMode: String, Codable, Sendable, CaseIterable {
    /// The mean of the component with the largest weight.
    case mostLikely = "most-likely"
    /// The mean of a component sampled by weight.
    case sampledComponent = "sampled-component"
    /// The mean of the component whose mean action has the highest Q.
    case highestQ = "highest-q"
    /// A sample from the policy.
    case stochastic
}

/// Everything that determines a training run. Encoded as JSON (snake_case keys) into
/// each run's `config.json`; sweeps produce it, `mixrl train --config` reads it.
///
/// Every option, its default and its per-environment presets are listed in
/// docs/configuration.md (defaults of the SAC paper and its common implementations);
/// ``preset(for:)`` applies the presets. Keys missing from a `config.json` take their
/// defaults; unknown keys and values of the wrong type are errors naming the key.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// Environment identifier (`Pendulum-v1`, `gym:HalfCheetah-v5`, `dmc:cheetah-run`, ...).
    public var environment: String = "Pendulum-v1"
    /// Python modules the bridge worker imports before making the environment.
    public var environmentImports: [String] = []
    /// The action distribution's family.
    public var policy: PolicyKind = .gaussian
    /// Mixture components K (1 for a Gaussian policy).
    public var components: Int = 1
    /// The built-in gradient estimator of the actor (ignored when ``customEstimator`` is set).
    public var estimator: EstimatorKind = .rp
    /// Samples per component (MRP) or per state (LR, hybrid): M. `nil` means the
    /// estimator's fair default, ``resolvedSamples``: 1 for RP, MRP and Gumbel; for LR and
    /// hybrid max(K, 2), so that they spend as many critic evaluations per state as MRP
    /// (K) and a leave-one-out baseline exists.
    public var samples: Int? = nil
    /// The baseline of the likelihood-ratio estimators (`lr`, `hybrid`). `nil` means
    /// ``resolvedBaseline``: leave-one-out for LR and hybrid (without a baseline the score
    /// is multiplied by Q's offset across states and the gradient is mostly noise), none
    /// for the others. LR without a baseline is there when asked for by name (`none`).
    public var baseline: Baseline? = nil
    /// Gumbel-softmax temperature (only for the gumbel estimator).
    public var gumbelTemperature: Double = 1.0
    /// The run's seed: networks, actions, replay sampling, episode seeds and estimator
    /// noise all derive from it, so equal configurations give bit-identical runs.
    public var seed: UInt64 = 0
    /// Environment steps in the run.
    public var steps: Int = 1_000_000
    /// Uniformly random actions for the first steps.
    public var randomSteps: Int = 5_000
    /// Gradient updates per environment step (update-to-data ratio).
    public var updatesPerStep: Int = 1
    /// Actor and temperature are updated every `policyDelay` critic updates.
    public var policyDelay: Int = 1
    /// Transitions per SAC update.
    public var batchSize: Int = 256
    /// Transitions the replay buffer keeps (the oldest are overwritten).
    public var replayCapacity: Int = 1_000_000
    /// Widths of the hidden ReLU layers of the actor and of each critic.
    public var hiddenSizes: [Int] = [256, 256]
    /// Adam learning rate of the actor.
    public var actorLearningRate: Double = 3e-4
    /// Adam learning rate of the twin critics.
    public var criticLearningRate: Double = 3e-4
    /// Adam learning rate of `log alpha`.
    public var temperatureLearningRate: Double = 3e-4
    /// Discount factor of the soft Bellman target.
    public var gamma: Double = 0.99
    /// Polyak averaging rate of the target critics.
    public var tau: Double = 0.005
    /// Learn the temperature towards `targetEntropy`; if false, keep `initialTemperature`.
    public var learnTemperature: Bool = true
    /// The entropy temperature alpha at the start (kept fixed when ``learnTemperature`` is false).
    public var initialTemperature: Double = 1.0
    /// Target entropy; nil means `-d` (d the action dimension).
    public var targetEntropy: Double? = nil
    /// Use the marginalized (sum over components) critic target for mixtures.
    public var marginalizedTarget: Bool = false
    /// Lower bound of the policy's log-std (soft-clamped, see `LogStdBound`).
    public var logStdMin: Double = -5
    /// Upper bound of the policy's log-std.
    public var logStdMax: Double = 2
    /// Clip gradients by global norm (nil: no clipping).
    public var gradientClipNorm: Double? = nil
    /// Evaluate every N environment steps (0: only at the end).
    public var evalEvery: Int = 5_000
    /// Episodes per evaluation.
    public var evalEpisodes: Int = 10
    /// How evaluation episodes choose actions.
    public var evalMode: EvaluationMode = .mostLikely
    /// Checkpoint every N environment steps (and at exit).
    public var checkpointEvery: Int = 10_000
    /// The description of a custom estimator passed to ``Trainer/start(configuration:runDirectory:registry:environmentOptions:estimator:)``
    /// (set by the trainer, `nil` for the built-in ones). When set, ``estimator``,
    /// ``samples``, ``baseline`` and ``gumbelTemperature`` are not used, and resuming
    /// the run needs an estimator with the same description.
    public var customEstimator: String? = nil
    /// Log the means of the update statistics (`alpha`, `critic_loss`, `entropy`, ...)
    /// every N environment steps; nil means the default cadence, every 100 steps
    /// (``resolvedLogEvery``). (Optional so that configurations written before it existed
    /// keep their sweep run ids.)
    public var logEvery: Int? = nil

    /// The defaults of docs/configuration.md (a Gaussian SAC on Pendulum-v1 with RP).
    public init() {}

    /// ``samples`` if set, else the estimator's fair default (see ``samples``).
    public var resolvedSamples: Int {
        if let samples { return samples }
        return estimator.registration.defaultSamples(componentCount: components)
    }

    /// ``baseline`` if set, else leave-one-out for LR and hybrid and none for the others.
    public var resolvedBaseline: Baseline {
        if let baseline { return baseline }
        return estimator.registration.defaultBaseline
    }

    /// The configuration with ``samples`` and ``baseline`` made explicit, as a run records
    /// it in `config.json` (so a later change of the defaults cannot change its meaning).
    public func resolvingEstimatorDefaults() -> TrainingConfiguration {
        var c = self
        if customEstimator == nil {
            c.samples = resolvedSamples
            c.baseline = resolvedBaseline
        }
        return c
    }

    /// The defaults with the overrides known to work for `environment`
    /// (Pendulum-v1 learns in 20k steps with learning rate 1e-3; the bandits in 3k pulls
    /// with 64x64 networks and learning rate 3e-3). The presets are listed in
    /// docs/configuration.md.
    public static func preset(for environment: String) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.environment = environment
        guard let family = EnvironmentFamily.of(environment) else { return c }
        for option in TrainingOptions.all {
            if let preset = option.presets.first(where: { $0.family == family }) { option.set(preset.value, in: &c) }
        }
        return c
    }
}

// MARK: - Validation (shared by `mixrl train` and sweeps, so both reject the same things)

/// One reason a configuration cannot run, naming the option by its JSON key
/// (`components`, `estimator`; the `mixrl train` flag is the same name with dashes).
public struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snake_case key of the offending option.
    public var key: String
    /// What is wrong and what would be accepted.
    public var message: String

    /// A problem with the option `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// `key: message`.
    public var description: String { "\(key): \(message)" }
}

extension TrainingConfiguration {
    /// Every rule the configuration breaks, in a fixed order; empty when it can run.
    /// First each option's own range (docs/configuration.md), then the combinations: a
    /// Gaussian policy has one component; MRP, hybrid and Gumbel need a mixture with at
    /// least two components; RP cannot sample a mixture's component.
    public var problems: [ConfigurationProblem] {
        var p = TrainingOptions.all.compactMap { $0.problem(in: self) }
        func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) {
            if !ok { p.append(ConfigurationProblem(key: key, message: message())) }
        }
        check(policy != .gaussian || components == 1, "components",
              "a gaussian policy has exactly one component, found \(components) (use policy mixture for K > 1)")
        if customEstimator != nil {
            check(!(customEstimator ?? "").isEmpty, "custom_estimator", "must name the custom estimator, found an empty string")
        } else {
            let registration = estimator.registration
            let fitting = EstimatorRegistry.builtIn.filter { $0.applicability.admits(componentCount: components, isMixture: policy == .mixture) }
                .map(\.name).joined(separator: ", ")
            switch registration.applicability {
            case .mixture:
                check(registration.applicability.admits(componentCount: components, isMixture: policy == .mixture), "estimator",
                      "\(estimator.rawValue) needs policy mixture with components >= 2, found policy \(policy.rawValue) with components \(components)")
            case .gaussian:
                check(registration.applicability.admits(componentCount: components, isMixture: policy == .mixture), "estimator",
                      "\(estimator.rawValue) reparameterizes a single Gaussian and cannot sample a mixture's component (components \(components)); use \(fitting)")
            case .any:
                break
            }
        }
        let samples = resolvedSamples, baseline = resolvedBaseline
        check(customEstimator != nil || baseline == .none || (estimator.registration.takesBaseline && samples >= 2), "baseline",
              self.baseline == nil
                ? "leave-one-out (the default baseline of \(estimator.rawValue)) needs samples >= 2, found samples \(samples); set baseline none to train without a baseline"
                : "leave-one-out needs estimator lr or hybrid with samples >= 2, found estimator \(estimator.rawValue) with samples \(samples)")
        return p
    }

    /// Throws the first of ``problems``, if any.
    public func validate() throws(ConfigurationProblem) {
        if let first = problems.first { throw first }
    }
}
