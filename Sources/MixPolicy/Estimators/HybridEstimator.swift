/// The hybrid estimator: reparameterization inside the sampled component, likelihood
/// ratio for the weights,
/// `loss = (1/M) sum_m [ log w_km * stopgrad(l(a_m) - b_m) + l(a_m) ]`,
/// `l(a) = alpha log pi(a) - Q(s, a)`, `k_m ~ Cat(w)`, `a_m` reparameterized from
/// component `k_m`. Unbiased. Baseline as for ``LREstimator``.
///
/// Cost: `M` critic evaluations per state (default 1), with a backward pass through the
/// critic. Needs a mixture (at K = 1 it is RP): throws
/// ``EstimatorError/requiresMixture(estimator:componentCount:)``.
public struct HybridEstimator: GradientEstimator {
    /// `hybrid`: mixtures, unbiased, `M` critic evaluations per state.
    public static let registration = EstimatorRegistration(
        name: "hybrid", label: "hybrid", summary: "reparameterization inside the sampled component, likelihood ratio for the weights",
        applicability: .mixture, isUnbiased: true, sampleCount: .perState, takesBaseline: true) { o in
            HybridEstimator(samples: o.samples, baseline: o.baseline)
        }

    /// Samples per state, M (default 1).
    public var samples: Int
    /// The baseline subtracted from the weights' learning signal.
    public var baseline: Baseline

    /// Hybrid with `samples` samples per state and `baseline`.
    public init(samples: Int = 1, baseline: Baseline = .none) {
        self.samples = samples
        self.baseline = baseline
    }

    /// `hybrid`, with `(M=..., baseline ...)` when not the defaults.
    public var description: String {
        "hybrid" + (samples == 1 && baseline == .none ? "" : "(M=\(samples), baseline \(baseline.rawValue))")
    }
    /// `true`.
    public var isUnbiased: Bool { true }
    /// `samples` (M) per state.
    public func criticEvaluationsPerState(componentCount: Int) -> Int { samples }

    /// Throws for K < 2 (at K = 1 hybrid is RP), for `samples < 1`, and for a leave-one-out
    /// baseline with fewer than two samples.
    public func validate(componentCount: Int) throws(EstimatorError) {
        guard componentCount >= 2 else { throw .requiresMixture(estimator: "hybrid", componentCount: componentCount) }
        guard samples >= 1 else { throw .invalidSampleCount(estimator: "hybrid", samples: samples) }
        guard baseline == .none || samples >= 2 else { throw .leaveOneOutNeedsTwoSamples(estimator: "hybrid", samples: samples) }
    }

    /// Records the surrogate loss described on the type; validates first (see
    /// ``validate(componentCount:)``).
    public func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        try validate(componentCount: distribution.componentCount)
        try requireStates(states, of: distribution)
        let mixture = distribution.mixture, b = distribution.stateCount, k = distribution.componentCount, m = samples
        let components = mixture.drawComponents(samplesPerState: m, using: &rng)
        let noise = tape.randomNormal(Shape(b * m, distribution.actionDimension), using: &rng)
        let u = mixture.points(components: components, noise: noise)
        let a = distribution.action(preSquash: u)
        let logDensity = distribution.logDensityRows(preSquash: u, samplesPerState: m)
        let q = try criticValues(critic, states: tape.repeatingRows(states, times: m), actions: a, on: tape)
        let perSample = tape.softLoss(logDensity: logDensity, q: q, alpha: alpha)
        let signal = tape.stopGradient(baseline == .leaveOneOut ? tape.subtractingLeaveOneOut(perSample, stateCount: b) : perSample)
        let logWeight = components.withUnsafeBufferPointer { chosen in
            tape.gather(tape.reshape(mixture.logWeights, to: Shape(b * k, 1)), rowCount: chosen.count) { row in
                Int32((row / m) * k) + chosen[row]
            }
        }
        let loss = tape.add(tape.mean(tape.multiply(logWeight, signal)), tape.mean(perSample))
        let perState = tape.perStateMean(logDensity, stateCount: b)
        return ActorLoss(loss: loss, logDensity: perState, meanLogDensity: tape.value(of: perState).mean(),
                         actions: a, preSquash: u, q: q,
                         scoreFunctionTerm: ScoreFunctionTerm(logProbability: logWeight, learningSignal: signal))
    }
}
