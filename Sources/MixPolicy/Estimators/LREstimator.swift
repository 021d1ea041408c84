/// The likelihood-ratio (score-function) estimator (LR):
/// `loss = (1/M) sum_m log pi(a_m) * stopgrad(alpha log pi(a_m) - Q(s, a_m) - b_m)` with
/// `k ~ Cat(w)`, `a_m ~ pi_k` and no gradient path through the samples; the baseline
/// `b_m` is zero or the leave-one-out mean over the other `M - 1` samples of the state.
/// Unbiased (the score has mean zero, and `b_m` is independent of `a_m`).
///
/// Cost: `M` critic evaluations per state, forward only (the critic is never
/// differentiated, so it also works for non-differentiable rewards).
public struct LREstimator: GradientEstimator {
    /// `lr`: any policy, unbiased, `M` critic evaluations per state (forward only).
    public static let registration = EstimatorRegistration(
        name: "lr", label: "LR", summary: "likelihood ratio (score function), with a leave-one-out baseline by default",
        applicability: .any, isUnbiased: true, sampleCount: .perState, takesBaseline: true) { o in
            LREstimator(samples: o.samples, baseline: o.baseline)
        }

    /// Samples per state, M (default 1).
    public var samples: Int
    /// The baseline subtracted from the learning signal.
    public var baseline: Baseline

    /// LR with `samples` samples per state and `baseline`.
    public init(samples: Int = 1, baseline: Baseline = .none) {
        self.samples = samples
        self.baseline = baseline
    }

    /// `LR`, with `(M=..., baseline ...)` when not the defaults.
    public var description: String {
        "LR" + (samples == 1 && baseline == .none ? "" : "(M=\(samples), baseline \(baseline.rawValue))")
    }
    /// `true`.
    public var isUnbiased: Bool { true }
    /// `samples` (M) per state, forward only.
    public func criticEvaluationsPerState(componentCount: Int) -> Int { samples }

    /// Throws for `samples < 1` and for a leave-one-out baseline with fewer than two samples.
    /// Any K is accepted (LR needs no pathwise derivative).
    public func validate(componentCount: Int) throws(EstimatorError) {
        guard samples >= 1 else { throw .invalidSampleCount(estimator: "LR", samples: samples) }
        guard baseline == .none || samples >= 2 else { throw .leaveOneOutNeedsTwoSamples(estimator: "LR", samples: samples) }
    }

    /// Records the surrogate loss described on the type; validates first (see
    /// ``validate(componentCount:)``).
    public func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        try validate(componentCount: distribution.componentCount)
        try requireStates(states, of: distribution)
        let mixture = distribution.mixture, b = distribution.stateCount, m = samples
        let components = mixture.drawComponents(samplesPerState: m, using: &rng)
        let noise = tape.randomNormal(Shape(b * m, distribution.actionDimension), using: &rng)
        let u = tape.stopGradient(mixture.points(components: components, noise: noise))
        let a = distribution.action(preSquash: u)
        let logDensity = distribution.logDensityRows(preSquash: u, samplesPerState: m)
        let q = try criticValues(critic, states: tape.repeatingRows(states, times: m), actions: a, on: tape)
        let perSample = tape.softLoss(logDensity: logDensity, q: q, alpha: alpha)
        let signal = tape.stopGradient(baseline == .leaveOneOut ? tape.subtractingLeaveOneOut(perSample, stateCount: b) : perSample)
        let loss = tape.mean(tape.multiply(logDensity, signal))
        let perState = tape.perStateMean(logDensity, stateCount: b)
        return ActorLoss(loss: loss, logDensity: perState, meanLogDensity: tape.value(of: perState).mean(),
                         actions: a, preSquash: u, q: q,
                         scoreFunctionTerm: ScoreFunctionTerm(logProbability: logDensity, learningSignal: signal))
    }
}
