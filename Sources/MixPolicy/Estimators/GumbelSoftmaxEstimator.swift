/// The Gumbel-softmax (concrete) relaxation of the component choice — a **biased**
/// estimator, kept for comparison. With Gumbel noise `g_k = -log(-log U_k)` and one
/// `eps` per state, `y = softmax((logits + g) / tau)` and
/// `u = sum_k y_k (mu_k + sigma_k eps)`, `a = scale * tanh(u) + bias`,
/// `loss = alpha log pi(a) - Q(s, a)` (the mixture density at the relaxed point).
/// As `tau -> 0` the relaxed point tends to an exact sample (the Gumbel-max trick), but
/// for `tau > 0` its law is not `pi`, so the gradient is that of a different objective;
/// smaller `tau` trades bias for variance (`dy/dlogits` grows like `1/tau`).
///
/// Cost: one critic evaluation per state, with a backward pass through the critic.
/// Needs a mixture: throws ``EstimatorError/requiresMixture(estimator:componentCount:)`` at K = 1.
public struct GumbelSoftmaxEstimator: GradientEstimator {
    /// `gumbel`: mixtures, biased, one critic evaluation per state.
    public static let registration = EstimatorRegistration(
        name: "gumbel", label: "Gumbel", summary: "Gumbel-softmax relaxation of the component choice (biased; for comparison)",
        applicability: .mixture, isUnbiased: false, sampleCount: .single, takesBaseline: false) { o in
            GumbelSoftmaxEstimator(temperature: o.gumbelTemperature)
        }

    /// The relaxation temperature tau (> 0).
    public var temperature: Double

    /// The relaxed estimator at temperature `temperature`.
    public init(temperature: Double = 1) { self.temperature = temperature }

    /// `Gumbel-softmax(tau=<temperature>)`.
    public var description: String { "Gumbel-softmax(tau=\(temperature))" }
    /// `false`: for `tau > 0` the relaxed sample does not follow the policy.
    public var isUnbiased: Bool { false }
    /// One per state.
    public func criticEvaluationsPerState(componentCount: Int) -> Int { 1 }

    /// Throws for K < 2 (nothing to relax) and for a temperature that is not positive and finite.
    public func validate(componentCount: Int) throws(EstimatorError) {
        guard componentCount >= 2 else { throw .requiresMixture(estimator: "Gumbel-softmax", componentCount: componentCount) }
        guard temperature > 0 && temperature.isFinite else { throw .invalidTemperature(estimator: "Gumbel-softmax", temperature: temperature) }
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
        let b = distribution.stateCount, k = distribution.componentCount, d = distribution.actionDimension
        let gumbel = tape.constant(shape: Shape(b, k)) { noise in
            noise.withUnsafeMutablePointer { p in
                for i in 0..<(b * k) {
                    // U in (0, 1) exclusive at both ends, so -log(-log U) is finite.
                    let uniform = (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53
                    p[i] = Scalar(-Double.log(-Double.log(uniform)))
                }
            }
        }
        let relaxed = tape.softmax(tape.scale(tape.add(mixture.logits, gumbel), by: Scalar(1 / temperature)), axis: 1)
        // One eps per state, shared by the K component points of that state (rows b*K + k).
        let eps = tape.constant(shape: Shape(b * k, d)) { noise in
            noise.withUnsafeMutablePointer { p in
                for state in 0..<b {
                    let first = p + state * k * d
                    for j in 0..<d { first[j] = Scalar(rng.normal()) }
                    for c in 1..<k { (first + c * d).update(from: first, count: d) }
                }
            }
        }
        let points = mixture.componentPoints(noise: eps)
        let blended = tape.multiply(points, tape.reshape(relaxed, to: Shape(b * k, 1)))
        let u = tape.reshape(tape.sum(tape.reshape(blended, to: Shape(b, k, d)), axis: 1), to: Shape(b, d))
        let a = distribution.action(preSquash: u)
        let logDensity = distribution.logDensityRows(preSquash: u)
        let q = try criticValues(critic, states: states, actions: a, on: tape)
        let loss = tape.mean(tape.softLoss(logDensity: logDensity, q: q, alpha: alpha))
        let perState = tape.stopGradient(logDensity)
        return ActorLoss(loss: loss, logDensity: perState, meanLogDensity: tape.value(of: perState).mean(),
                         actions: a, preSquash: u, q: q, scoreFunctionTerm: nil)
    }
}
