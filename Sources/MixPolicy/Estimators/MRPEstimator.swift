/// The marginalized reparameterization estimator (MRP): the component index is summed
/// out exactly instead of sampled,
/// `loss = sum_k w_k (1/M) sum_m [alpha log pi(a_km) - Q(s, a_km)]`, each `a_km`
/// reparameterized from component `k`. The gradient reaches the logits through `w_k`
/// (exactly: the Rao-Blackwellization of the score-function weight term, so no baseline
/// is needed), the means and log-stds through the `a_km`, and every parameter through
/// `log pi`. Unbiased.
///
/// Cost: `K * M` critic evaluations per state, all stacked into one `(B*K*M) x d` critic
/// batch (rows `((b*K) + k)*M + m`), so each critic layer is a single gemm; plus a backward
/// pass through the critic. At K = 1 it is RP.
public struct MRPEstimator: GradientEstimator {
    /// `mrp`: mixtures, unbiased, `K * M` critic evaluations per state.
    public static let registration = EstimatorRegistration(
        name: "mrp", label: "MRP", summary: "marginalized reparameterization: one reparameterized sample per component, weighted exactly",
        applicability: .mixture, isUnbiased: true, sampleCount: .perComponent, takesBaseline: false) { o in
            MRPEstimator(samplesPerComponent: o.samples)
        }

    /// Reparameterized samples per component, M (default 1).
    public var samplesPerComponent: Int

    /// MRP with `samplesPerComponent` samples per component.
    public init(samplesPerComponent: Int = 1) { self.samplesPerComponent = samplesPerComponent }

    /// `MRP`, or `MRP(M=...)` with several samples per component.
    public var description: String { samplesPerComponent == 1 ? "MRP" : "MRP(M=\(samplesPerComponent))" }
    /// `true`.
    public var isUnbiased: Bool { true }
    /// `K * M`: every component, `M` samples each.
    public func criticEvaluationsPerState(componentCount: Int) -> Int { componentCount * samplesPerComponent }

    /// Throws for `samplesPerComponent < 1`; any K (at K = 1 MRP is RP).
    public func validate(componentCount: Int) throws(EstimatorError) {
        guard samplesPerComponent >= 1 else { throw .invalidSampleCount(estimator: description, samples: samplesPerComponent) }
    }

    /// Records the surrogate loss described on the type; validates first (see
    /// ``validate(componentCount:)``).
    public func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        try validate(componentCount: distribution.componentCount)
        try requireStates(states, of: distribution)
        let mixture = distribution.mixture
        let b = distribution.stateCount, k = distribution.componentCount, m = samplesPerComponent
        let noise = tape.randomNormal(Shape(b * k * m, distribution.actionDimension), using: &rng)
        let u = mixture.componentPoints(noise: noise, samplesPerComponent: m)
        let a = distribution.action(preSquash: u)
        let logDensity = distribution.logDensityRows(preSquash: u, samplesPerState: k * m)
        let q = try criticValues(critic, states: tape.repeatingRows(states, times: k * m), actions: a, on: tape)
        let perSample = tape.softLoss(logDensity: logDensity, q: q, alpha: alpha)

        // sum_k w_k * (mean over the M samples of component k)
        func weighted(_ values: Variable, weights: Variable) -> Variable {
            let perComponent = m == 1 ? values : tape.mean(tape.reshape(values, to: Shape(b * k, m)), axis: 1)
            return tape.sum(tape.multiply(weights, tape.reshape(perComponent, to: Shape(b, k))), axis: 1)
        }
        let loss = tape.mean(weighted(perSample, weights: mixture.weights))
        let perState = weighted(tape.stopGradient(logDensity), weights: tape.stopGradient(mixture.weights))
        return ActorLoss(loss: loss, logDensity: perState, meanLogDensity: tape.value(of: perState).mean(),
                         actions: a, preSquash: u, q: q, scoreFunctionTerm: nil)
    }
}
