import MixGraph
import MixTensor

/// Exact probabilities of boxes under a tanh-squashed diagonal Gaussian mixture.
///
/// The action is `a = scale * tanh(u) + bias` with `u ~ sum_k w_k N(mu_k, diag sigma_k^2)`.
/// Each component is a product of independent dimensions and tanh is increasing, so the
/// probability of the box `[low, high]` is, with `t(x) = atanh((x - bias) / scale)`,
///
///     sum_k w_k prod_d [Phi((t(high_d) - mu_kd) / sigma_kd) - Phi((t(low_d) - mu_kd) / sigma_kd)]
///
/// after cutting the box to the squash's range `[bias - scale, bias + scale]` (where `t` is
/// `±inf`). No sampling; cost O(K d).
package enum SquashedMixtureMass {
    /// The probability of the box `[low, high]` (one entry per action dimension) under
    /// the mixture with `weights` (K, summing to 1), `means` and `standardDeviations`
    /// (K rows of d), squashed by `scale`/`bias` (d entries each; `nil` for no squash).
    package static func probability(weights: [Double], means: [[Double]], standardDeviations: [[Double]],
                                    scale: [Double]?, bias: [Double]?, low: [Double], high: [Double]) -> Double {
        let d = low.count
        // The box in pre-squash coordinates.
        var lowU: [Double] = [], highU: [Double] = []
        for i in 0..<d {
            var lo = low[i], hi = high[i]
            if let scale, let bias, i < scale.count, i < bias.count {
                lo = max(lo, bias[i] - scale[i]); hi = min(hi, bias[i] + scale[i])
                guard lo < hi else { return 0 }
                lowU.append(Double.atanh(min(max((lo - bias[i]) / scale[i], -1), 1)))
                highU.append(Double.atanh(min(max((hi - bias[i]) / scale[i], -1), 1)))
            } else {
                guard lo < hi else { return 0 }
                lowU.append(lo); highU.append(hi)
            }
        }
        var total = 0.0
        for (k, w) in weights.enumerated() where w > 0 && k < means.count && k < standardDeviations.count {
            var p = w
            for i in 0..<d {
                let mu = means[k][i], sigma = standardDeviations[k][i]
                p *= normalProbability(from: (lowU[i] - mu) / sigma, to: (highU[i] - mu) / sigma)
            }
            total += p
        }
        return min(max(total, 0), 1)
    }

    /// `Phi(b) - Phi(a)` for `a <= b` (either may be infinite), from the tail on the side
    /// of the interval so that no digits cancel far out in a tail.
    package static func normalProbability(from a: Double, to b: Double) -> Double {
        guard a < b else { return 0 }
        let r = 0.5.squareRoot()
        if a >= 0 { return 0.5 * (Double.erfc(a * r) - Double.erfc(b * r)) }
        if b <= 0 { return 0.5 * (Double.erfc(-b * r) - Double.erfc(-a * r)) }
        return 1 - 0.5 * Double.erfc(-a * r) - 0.5 * Double.erfc(b * r)
    }
}

extension SquashedGaussianMixture {
    /// The exact probability that the action of state `state` (a row of the batch) falls in
    /// the box `[low, high]` (see ``SquashedMixtureMass``). Reads the tape's values; no
    /// gradient, no random numbers.
    package func probability(ofBoxFrom low: [Double], to high: [Double], state: Int) -> Double {
        let k = componentCount, d = actionDimension
        require(state >= 0 && state < stateCount && low.count == d && high.count == d,
                     "MixPolicy: a box of \(low.count)/\(high.count) bounds for state \(state) of \(stateCount), action dimension \(d)")
        let weights = tape.value(of: mixture.weights).scalars, means = tape.value(of: mixture.means).scalars
        let logStds = tape.value(of: mixture.logStds).scalars
        let row = state * k * d
        let mu = (0..<k).map { j in (0..<d).map { Double(means[row + j * d + $0]) } }
        let sigma = (0..<k).map { j in (0..<d).map { Double.exp(Double(logStds[row + j * d + $0])) } }
        return SquashedMixtureMass.probability(
            weights: (0..<k).map { Double(weights[state * k + $0]) }, means: mu, standardDeviations: sigma,
            scale: squash.map { $0.scale.scalars.map { Double($0) } }, bias: squash.map { $0.bias.scalars.map { Double($0) } },
            low: low, high: high)
    }
}
