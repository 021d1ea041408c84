/// The reparameterization estimator (RP) of SAC, for a Gaussian policy (K = 1):
/// `loss = alpha log pi(a) - Q(s, a)` with `a = scale * tanh(mu + sigma * eps) + bias`,
/// one sample per state. Unbiased; one critic evaluation per state, with a backward pass
/// through the critic. Throws ``EstimatorError/requiresGaussian(estimator:componentCount:)``
/// for a mixture, whose component choice it cannot differentiate.
public struct RPEstimator: GradientEstimator {
    /// `rp`: Gaussian policies, unbiased, one critic evaluation per state.
    public static let registration = EstimatorRegistration(
        name: "rp", label: "RP", summary: "reparameterization through one sample (Gaussian policies)",
        applicability: .gaussian, isUnbiased: true, sampleCount: .single, takesBaseline: false) { _ in RPEstimator() }

    /// The RP estimator (one sample per state).
    public init() {}

    /// `RP`.
    public var description: String { "RP" }
    /// `true`.
    public var isUnbiased: Bool { true }
    /// One per state.
    public func criticEvaluationsPerState(componentCount: Int) -> Int { 1 }

    /// Throws for K > 1: RP cannot differentiate the component choice of a mixture.
    public func validate(componentCount: Int) throws(EstimatorError) {
        guard componentCount == 1 else { throw .requiresGaussian(estimator: description, componentCount: componentCount) }
    }

    /// Records the surrogate loss described on the type; validates first (see
    /// ``validate(componentCount:)``).
    public func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        try validate(componentCount: distribution.componentCount)
        try requireStates(states, of: distribution)
        let b = distribution.stateCount
        let noise = tape.randomNormal(Shape(b, distribution.actionDimension), using: &rng)
        let u = distribution.mixture.componentPoints(noise: noise)
        let a = distribution.action(preSquash: u)
        let logDensity = distribution.logDensityRows(preSquash: u)
        let q = try criticValues(critic, states: states, actions: a, on: tape)
        let loss = tape.mean(tape.softLoss(logDensity: logDensity, q: q, alpha: alpha))
        let perState = tape.stopGradient(logDensity)
        return ActorLoss(loss: loss, logDensity: perState, meanLogDensity: tape.value(of: perState).mean(),
                         actions: a, preSquash: u, q: q, scoreFunctionTerm: nil)
    }
}
