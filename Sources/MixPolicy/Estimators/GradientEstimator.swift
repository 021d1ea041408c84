/// A differentiable critic on the tape: `(states [n, s], actions [n, d]) -> Q [n, 1]`.
/// For the actor step the critic's parameters are bound frozen
/// (`tape.bind(p, frozen: true)` / `mlp(x, on: tape, frozen: true)`): gradients pass
/// through to the actions but the critic's own gradients are neither needed nor touched.
public typealias CriticFunction = (_ states: Variable, _ actions: Variable) -> Variable

/// An estimator of the actor gradient of SAC's objective: a recipe for a surrogate loss
/// whose gradient, by backpropagation, estimates
/// `grad_theta E_{s} E_{a ~ pi(.|s)} [alpha log pi(a|s) - Q(s, a)]` (see
/// docs/estimators.md for each derivation).
///
/// Estimators are small values, interchangeable behind this protocol; adding one is one
/// new file with a conforming type.
public protocol GradientEstimator: Sendable, CustomStringConvertible {
    /// Whether the surrogate's gradient is an unbiased estimate of the true gradient.
    var isUnbiased: Bool { get }

    /// The critic evaluations per state of one loss (what the estimator costs).
    func criticEvaluationsPerState(componentCount: Int) -> Int

    /// Throws if the estimator cannot train a policy with `componentCount` components
    /// (or if its own options are inconsistent).
    func validate(componentCount: Int) throws(EstimatorError)

    /// Records the surrogate loss for a batch of `B` states on `tape`.
    ///
    /// - Parameters:
    ///   - distribution: the policy's action distribution for `states`.
    ///   - states: the `[B, s]` states the distribution was computed from (repeated as
    ///     needed for the critic).
    ///   - critic: `Q(s, a)` on the tape, parameters held fixed.
    ///   - alpha: the entropy temperature (a constant here).
    ///   - tape: the tape to record on (the distribution and the critic are on it).
    ///   - rng: the source of every sample the estimator draws.
    func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar>
}

extension GradientEstimator {
    /// Throws ``EstimatorError/shapeMismatch(estimator:input:expected:got:)`` unless
    /// `states` is `[B, s]` with one row per state of `distribution`. The built-in
    /// estimators call it first; an estimator of your own can too.
    public func requireStates<Scalar>(_ states: Variable, of distribution: SquashedGaussianMixture<Scalar>) throws(EstimatorError) {
        let shape = distribution.tape.shape(of: states)
        guard shape.rank == 2, shape[0] == distribution.stateCount else {
            throw .shapeMismatch(estimator: description, input: "states",
                                 expected: "[\(distribution.stateCount), s] (one row per state of the distribution)", got: shape)
        }
    }

    /// `critic(states, actions)`, checked to hold one value per action row (`[rows, 1]`):
    /// a critic that returns fewer rows would otherwise be broadcast silently over the
    /// batch. Throws ``EstimatorError/shapeMismatch(estimator:input:expected:got:)``.
    public func criticValues<Scalar>(_ critic: CriticFunction, states: Variable, actions: Variable,
                                     on tape: Tape<Scalar>) throws(EstimatorError) -> Variable {
        let q = critic(states, actions)
        let rows = tape.shape(of: actions)[0]
        guard tape.shape(of: q) == Shape(rows, 1) else {
            throw .shapeMismatch(estimator: description, input: "critic's values",
                                 expected: "[\(rows), 1] (one per action row)", got: tape.shape(of: q))
        }
        return q
    }

    /// Records `policy`'s distribution for `states` and then the surrogate loss; see
    /// ``actorLoss(distribution:states:critic:alpha:on:using:)``.
    public func actorLoss<Policy: MixturePolicy>(
        policy: Policy, states: Variable, critic: CriticFunction,
        alpha: Policy.Scalar, on tape: Tape<Policy.Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Policy.Scalar> {
        try actorLoss(distribution: policy.distribution(states: states, on: tape), states: states,
                      critic: critic, alpha: alpha, on: tape, using: &rng)
    }
}

/// The surrogate loss of one actor step and the statistics SAC logs. All values live on
/// the tape until its next reset.
public struct ActorLoss<Scalar: TensorScalar> {
    /// The rank-0 loss to minimize: the mean over states of the per-state surrogate.
    public var loss: Variable
    /// The per-state estimate of `E[log pi(a|s)]`, `[B, 1]`, with no gradient: the
    /// sample mean of the log-densities (for MRP, `sum_k w_k log pi(a_k)`). The temperature
    /// loss takes it as `stopgrad(log pi + target)`.
    public var logDensity: Variable
    /// The batch mean of ``logDensity``.
    public var meanLogDensity: Scalar
    /// The actions at which the critic was evaluated, `[rows, d]`, and their pre-squash
    /// points (rows grouped by state).
    public var actions: Variable
    /// The pre-squash points of ``actions``.
    public var preSquash: Variable
    /// The critic's values at ``actions``, `[rows, 1]`.
    public var q: Variable
    /// The score-function part of the surrogate, for estimators that have one (LR, hybrid):
    /// ``loss`` contains `mean_rows(logProbability * learningSignal)`, where
    /// `learningSignal` is a stop-gradient value. `nil` for purely pathwise estimators.
    public var scoreFunctionTerm: ScoreFunctionTerm?

    /// The entropy estimate, `-meanLogDensity`.
    public var entropyEstimate: Scalar { -meanLogDensity }

    /// A loss and its statistics (for estimators written outside this module).
    public init(loss: Variable, logDensity: Variable, meanLogDensity: Scalar, actions: Variable,
                preSquash: Variable, q: Variable, scoreFunctionTerm: ScoreFunctionTerm?) {
        self.loss = loss
        self.logDensity = logDensity
        self.meanLogDensity = meanLogDensity
        self.actions = actions
        self.preSquash = preSquash
        self.q = q
        self.scoreFunctionTerm = scoreFunctionTerm
    }
}

/// The score-function term `mean_rows(logProbability * stopgrad(learningSignal))` of a surrogate.
public struct ScoreFunctionTerm: Sendable {
    /// The differentiated log-probability (`log pi(a)` for LR, `log w_k` for hybrid), `[rows, 1]`.
    public var logProbability: Variable
    /// The stop-gradient coefficient (`alpha log pi(a) - Q(a)` minus the baseline), `[rows, 1]`.
    public var learningSignal: Variable

    /// The term `mean_rows(logProbability * learningSignal)`.
    public init(logProbability: Variable, learningSignal: Variable) {
        self.logProbability = logProbability
        self.learningSignal = learningSignal
    }
}

/// The baseline subtracted from the learning signal of a score-function term.
public enum Baseline: String, Sendable, Hashable, CaseIterable, Codable {
    /// No baseline.
    case none
    /// For each sample, the mean signal of the other samples of the same state (needs at
    /// least two samples per state; independent of the sample, so unbiased).
    case leaveOneOut = "leave-one-out"
}

/// Why an estimator cannot build a loss for a given policy or configuration.
public enum EstimatorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The estimator reparameterizes one Gaussian and cannot differentiate a mixture's
    /// component choice (RP with K > 1).
    case requiresGaussian(estimator: String, componentCount: Int)
    /// The estimator is defined only for a mixture (K >= 2).
    case requiresMixture(estimator: String, componentCount: Int)
    /// A leave-one-out baseline needs at least two samples per state.
    case leaveOneOutNeedsTwoSamples(estimator: String, samples: Int)
    /// A sample count below one.
    case invalidSampleCount(estimator: String, samples: Int)
    /// A relaxation temperature that is not positive and finite.
    case invalidTemperature(estimator: String, temperature: Double)
    /// An input of the wrong shape: the states (one row per state of the distribution) or
    /// the critic's values (one per action row, `[rows, 1]`).
    case shapeMismatch(estimator: String, input: String, expected: String, got: Shape)
    /// A distribution call inside the estimator rejected its arguments (for estimators
    /// written outside this module: `catch { throw .distribution(estimator: description, error) }`).
    case distribution(estimator: String, DistributionError)
    /// Any other reason, for estimators written outside this module (and for a loaded
    /// agent asked to train without the custom estimator it was trained with).
    case failed(estimator: String, reason: String)

    /// The estimator, the problem and what to use instead, as one sentence for a user.
    public var description: String {
        switch self {
        case let .requiresGaussian(e, k):
            "\(e) reparameterizes a single Gaussian and cannot differentiate a mixture's component choice (K = \(k)); use MRP, LR, hybrid or Gumbel-softmax"
        case let .requiresMixture(e, k):
            "\(e) needs a mixture with at least two components, got K = \(k) (for K = 1 use RP)"
        case let .leaveOneOutNeedsTwoSamples(e, m):
            "\(e) with a leave-one-out baseline needs at least 2 samples per state, got \(m)"
        case let .invalidSampleCount(e, m):
            "\(e) needs at least 1 sample, got \(m)"
        case let .invalidTemperature(e, t):
            "\(e) needs a positive, finite relaxation temperature, got \(t)"
        case let .shapeMismatch(e, input, expected, got):
            "\(e): the \(input) must be \(expected), got \(got)"
        case let .distribution(e, error):
            "\(e): \(error)"
        case let .failed(e, reason):
            "\(e): \(reason)"
        }
    }
}

// MARK: Shared steps

extension Tape {
    /// Per-state means of `values` `[B*R, 1]` (rows grouped by state, `R` rows per state)
    /// as `[B, 1]`, with no gradient: the form of ``ActorLoss/logDensity``.
    ///
    /// Cost: one reshape and one mean over `B*R` values (none when `R == 1`).
    public func perStateMean(_ values: Variable, stateCount: Int) -> Variable {
        let r = shape(of: values)[0] / stateCount
        let rows = r == 1 ? values : mean(reshape(values, to: Shape(stateCount, r)), axis: 1)
        return stopGradient(rows)
    }

    /// `alpha * logDensity - q`, the per-sample soft actor loss of SAC (minimized), with
    /// gradients through both terms. Shapes `[rows, 1]`.
    public func softLoss(logDensity: Variable, q: Variable, alpha: Scalar) -> Variable {
        subtract(scale(logDensity, by: alpha), q)
    }

    /// `signal - baseline` with the leave-one-out baseline of `R` samples per state:
    /// `b_m = (S - l_m) / (R - 1)`, `S` the state's sum, so the result is
    /// `(R l_m - S) / (R - 1)`. Rows grouped by state; `[B*R, 1]`. Needs `R >= 2`.
    ///
    /// The baseline of each sample is independent of that sample, so a score-function
    /// term that uses it stays unbiased while its variance drops. Pass a stop-gradient
    /// signal (see ``ScoreFunctionTerm``).
    public func subtractingLeaveOneOut(_ signal: Variable, stateCount: Int) -> Variable {
        let r = shape(of: signal)[0] / stateCount
        let grid = reshape(signal, to: Shape(stateCount, r))
        let total = sum(grid, axis: 1)
        let centred = subtract(scale(grid, by: Scalar(r)), total)
        return reshape(scale(centred, by: 1 / Scalar(r - 1)), to: Shape(stateCount * r, 1))
    }

    /// The scalar value of a one-element variable.
    func scalarValue(_ v: Variable) -> Scalar { value(of: v).scalar }
}
