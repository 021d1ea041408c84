// Step 2: your own gradient estimator.
//
// A `GradientEstimator` records, on the autodiff tape, a surrogate loss whose gradient
// estimates the gradient of SAC's actor objective
//     E_s E_{a ~ pi(.|s)} [alpha log pi(a|s) - Q(s, a)].
// SAC calls `actorLoss` once per actor update and backpropagates through the result.
//
// This one is "antithetic MRP". The built-in MRP estimator sums the component index out
// exactly and reparameterizes one sample per component:
//     loss = sum_k w_k [alpha log pi(a_k) - Q(s, a_k)],   a_k = tanh-squash(mu_k + sigma_k * eps_k).
// Here each component gets two samples whose noises are opposite, eps and -eps, and the
// pair's mean replaces the single sample. Each sample is still distributed as pi_k, so the
// estimate stays unbiased; for a loss that is roughly symmetric around mu_k the two
// errors cancel, which lowers the variance. Cost: 2K critic evaluations per state.

import MixRL
import Synchronization

struct AntitheticMRPEstimator: GradientEstimator {
    /// Counts `actorLoss` calls, so the example can show the trainer really used it.
    let calls: CallCounter

    var description: String { "antithetic MRP" }
    var isUnbiased: Bool { true }
    func criticEvaluationsPerState(componentCount: Int) -> Int { 2 * componentCount }

    /// Called by the trainer before any work. Antithetic pairs would work for K = 1 too,
    /// but this estimator is about mixtures, and rejecting K = 1 shows how an estimator
    /// refuses a policy it cannot train with a typed `EstimatorError`.
    func validate(componentCount: Int) throws(EstimatorError) {
        guard componentCount >= 2 else {
            throw .requiresMixture(estimator: description, componentCount: componentCount)
        }
    }

    func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        try validate(componentCount: distribution.componentCount)
        try requireStates(states, of: distribution)
        calls.increment()
        let mixture = distribution.mixture
        let b = distribution.stateCount, k = distribution.componentCount, d = distribution.actionDimension

        // Noise for every (state, component) pair, [B*K, d]. Put eps and -eps side by side
        // ([B*K, 2d]) and reshape to [B*K*2, d]: rows 2i and 2i+1 are eps_i and -eps_i,
        // the row order `componentSamples(noise:samplesPerComponent: 2)` expects
        // (row ((b*K) + k)*2 + m).
        // The distribution's calls throw a `DistributionError` for shapes that do not fit;
        // `criticValues` checks that the critic gives one value per action row.
        let eps = tape.randomNormal(Shape(b * k, d), using: &rng)
        let noise = tape.reshape(tape.concatenate(eps, tape.negate(eps), axis: 1), to: Shape(b * k * 2, d))
        let u: Variable, logDensity: Variable
        do {
            u = try mixture.componentSamples(noise: noise, samplesPerComponent: 2)           // pre-squash, differentiable
            logDensity = try distribution.logDensity(preSquash: u, samplesPerState: 2 * k)   // log pi(a), [B*2K, 1]
        } catch {
            throw .distribution(estimator: description, error)
        }
        let a = distribution.action(preSquash: u)                                                        // in the action box
        let q = try criticValues(critic, states: tape.repeatingRows(states, times: 2 * k), actions: a, on: tape)  // Q(s, a), [B*2K, 1]
        let perSample = tape.subtract(tape.scale(logDensity, by: alpha), q)

        // sum_k w_k * (mean of the component's two samples), one value per state: [B, 1].
        func weightedByComponent(_ values: Variable, weights: Variable) -> Variable {
            let pairMeans = tape.mean(tape.reshape(values, to: Shape(b * k, 2)), axis: 1)
            return tape.sum(tape.multiply(weights, tape.reshape(pairMeans, to: Shape(b, k))), axis: 1)
        }
        // The gradient reaches the weights through w_k, the means and stds through a.
        let loss = tape.mean(weightedByComponent(perSample, weights: mixture.weights))
        // SAC's temperature update needs the entropy estimate, without a gradient.
        let logDensityPerState = weightedByComponent(tape.stopGradient(logDensity),
                                                     weights: tape.stopGradient(mixture.weights))
        return ActorLoss(loss: loss, logDensity: logDensityPerState,
                         meanLogDensity: tape.value(of: logDensityPerState).mean(),
                         actions: a, preSquash: u, q: q, scoreFunctionTerm: nil)
    }
}

/// A thread-safe call counter (`Sendable`, as estimators must be).
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
