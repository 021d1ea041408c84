import Foundation
import MixGraph
import MixPolicy

/// A random stream shared by reference, for critics that draw noise of their own (the
/// stochastic bandit's mode per pull) behind the fixed ``CriticFunction`` signature.
final class RandomSource {
    var stream: RandomStream
    init(_ stream: RandomStream) { self.stream = stream }
}

/// What the estimators see for one component count: `B` states with the distribution
/// parameters the policy gives them (logits `[B, K]`, means and log-stds `[B, K*d]`),
/// the squash, the temperature, and a critic. The gradient is taken with respect to these
/// distribution parameters (for a network policy: its head outputs), so every estimator is
/// measured on the same quantity; the chain rule to network weights is one fixed linear
/// map per state, the same for all estimators.
struct EstimationProblem<Scalar: TensorScalar> {
    var states: Tensor<Scalar>
    var logits: Tensor<Scalar>
    var means: Tensor<Scalar>
    var logStds: Tensor<Scalar>
    var squash: TanhSquash<Scalar>?
    var alpha: Double
    /// Builds `Q(s, a)` on a tape (parameters frozen); `random` serves critics that draw noise.
    var makeCritic: (Tape<Scalar>, RandomSource) -> CriticFunction

    var stateCount: Int { logits.shape[0] }
    var componentCount: Int { logits.shape[1] }
    var actionDimension: Int { means.shape[1] / componentCount }

    /// The parameter groups and their ranges in an estimate vector: logits of every state
    /// (left out at K = 1, where their gradient is identically zero), then means, then
    /// log-stds, each state-major.
    var layout: [(group: ParameterGroup, range: Range<Int>)] {
        let b = stateCount, k = componentCount, d = actionDimension
        let logitCount = k > 1 ? b * k : 0, width = b * k * d
        var out: [(ParameterGroup, Range<Int>)] = []
        if logitCount > 0 { out.append((.logits, 0..<logitCount)) }
        out.append((.means, logitCount..<(logitCount + width)))
        out.append((.logStds, (logitCount + width)..<(logitCount + 2 * width)))
        out.append((.all, 0..<(logitCount + 2 * width)))
        return out
    }

    /// The length of an estimate vector.
    var dimension: Int { (componentCount > 1 ? stateCount * componentCount : 0) + 2 * stateCount * componentCount * actionDimension }
}

/// Repeated independent gradient estimates of one estimator on one problem.
struct GradientSample {
    /// `count` vectors in the layout of ``EstimationProblem/layout``.
    var estimates: [[Double]]
    /// Wall-clock seconds for all of them (after an untimed warm-up pass).
    var seconds: Double
}

/// Draws gradient estimates. One estimate is the gradient of the batch-mean surrogate over
/// the problem's `B` states with respect to their distribution parameters, exactly what the
/// actor step of SAC backpropagates into the policy's heads. Many estimates are computed in
/// one pass by stacking independent copies of the states (their rows never interact: every
/// estimator draws its samples and baselines per state), so the cost per estimate is that of
/// a batched actor step, not of the tape's per-call overhead.
enum GradientSampler {
    static func sample<Scalar: TensorScalar>(
        _ problem: EstimationProblem<Scalar>, estimator: any GradientEstimator, replication: Int,
        criticRowsPerState: Int, count: Int, rowsPerPass: Int, rng: RandomStream
    ) throws(EstimatorError) -> GradientSample {
        let b = problem.stateCount, k = problem.componentCount, d = problem.actionDimension
        let tape = Tape<Scalar>()
        var rng = rng.split(1)
        let critic = problem.makeCritic(tape, RandomSource(rng.split(2)))
        let perEstimate = max(1, b * replication * max(criticRowsPerState, 1))
        let passSize = max(1, min(count, rowsPerPass / perEstimate))
        let dimension = problem.dimension, logitOffset = k > 1 ? b * k : 0, width = b * k * d
        var estimates: [[Double]] = []
        estimates.reserveCapacity(count)
        var tiled: (copies: Int, states: Tensor<Scalar>, logits: Tensor<Scalar>, means: Tensor<Scalar>, logStds: Tensor<Scalar>)?
        func tile(_ copies: Int) -> (copies: Int, states: Tensor<Scalar>, logits: Tensor<Scalar>, means: Tensor<Scalar>, logStds: Tensor<Scalar>) {
            // Row (c * B + s) * replication + m is state s of copy c.
            var rows: [Int] = []
            rows.reserveCapacity(copies * b * replication)
            for _ in 0..<copies { for s in 0..<b { for _ in 0..<replication { rows.append(s) } } }
            return (copies, problem.states.gathering(rows: rows), problem.logits.gathering(rows: rows),
                    problem.means.gathering(rows: rows), problem.logStds.gathering(rows: rows))
        }
        /// One batched pass on `t`; returns the gradients of the stacked logits, means and log-stds.
        func pass(_ t: (copies: Int, states: Tensor<Scalar>, logits: Tensor<Scalar>, means: Tensor<Scalar>, logStds: Tensor<Scalar>),
                  critic: CriticFunction, rng: inout RandomStream) throws(EstimatorError) -> ([Scalar], [Scalar], [Scalar]) {
            tape.reset()
            let logits = tape.input(t.logits, requiresGradient: k > 1)
            let means = tape.input(t.means, requiresGradient: true)
            let logStds = tape.input(t.logStds, requiresGradient: true)
            let distribution = SquashedGaussianMixture(
                unchecked: GaussianMixture(uncheckedMeans: means, logStds: logStds, logits: logits, on: tape), squash: problem.squash)
            let result = try estimator.actorLoss(distribution: distribution, states: tape.input(t.states), critic: critic,
                                                 alpha: Scalar(problem.alpha), on: tape, using: &rng)
            tape.backward(from: result.loss)
            return (k > 1 ? tape.gradient(of: logits).scalars : [], tape.gradient(of: means).scalars, tape.gradient(of: logStds).scalars)
        }

        // An untimed warm-up pass of the first pass's size, on streams of its own (the
        // estimates do not depend on it), so that the tape's first allocations and cold
        // caches do not count as cost.
        tiled = tile(min(passSize, count))
        if let t = tiled {
            var warmUp = rng.split(3)
            _ = try pass(t, critic: problem.makeCritic(tape, RandomSource(rng.split(4))), rng: &warmUp)
        }
        let clock = ContinuousClock(), start = clock.now

        while estimates.count < count {
            let copies = min(passSize, count - estimates.count)
            if tiled?.copies != copies { tiled = tile(copies) }
            guard let t = tiled else { break }
            let (gradLogits, gradMeans, gradLogStds) = try pass(t, critic: critic, rng: &rng)
            // d loss / d row = grad l_row / (copies * B * replication); an estimate's block for
            // state s is (1 / (B * replication)) sum_m grad l_(s,m) = copies * sum_m d loss / d row.
            let factor = Double(copies)
            for c in 0..<copies {
                var v = [Double](repeating: 0, count: dimension)
                for s in 0..<b {
                    for m in 0..<replication {
                        let row = (c * b + s) * replication + m
                        if k > 1 {
                            for j in 0..<k { v[s * k + j] += factor * Double(gradLogits[row * k + j]) }
                        }
                        for j in 0..<(k * d) {
                            v[logitOffset + s * k * d + j] += factor * Double(gradMeans[row * k * d + j])
                            v[logitOffset + width + s * k * d + j] += factor * Double(gradLogStds[row * k * d + j])
                        }
                    }
                }
                estimates.append(v)
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return GradientSample(estimates: estimates, seconds: seconds)
    }
}
