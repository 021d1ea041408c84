import Foundation
import MixPolicy
import MixTensor
import Testing

/// The exact probability of a box under a squashed mixture (what evaluations report as
/// `mode_mass_i`), against a numerical integral of the squashed density and against
/// mixtures whose mass is known by construction.
@Suite struct ModeMassTests {
    /// The density of `a = scale * tanh(u) + bias` in one dimension for
    /// `u ~ sum_k w_k N(mu_k, sigma_k^2)`: `p_u(atanh(t)) / (scale (1 - t^2))`, `t = (a - bias) / scale`.
    static func squashedDensity(_ a: Double, weights: [Double], means: [Double], stds: [Double], scale: Double, bias: Double) -> Double {
        let t = (a - bias) / scale
        guard abs(t) < 1 else { return 0 }
        let u = atanh(t)
        var p = 0.0
        for k in weights.indices {
            let z = (u - means[k]) / stds[k]
            p += weights[k] * exp(-0.5 * z * z) / (stds[k] * (2 * Double.pi).squareRoot())
        }
        return p / (scale * (1 - t * t))
    }

    /// Composite Simpson's rule with `n` (even) intervals.
    static func simpson(_ f: (Double) -> Double, from a: Double, to b: Double, intervals n: Int = 400_000) -> Double {
        let h = (b - a) / Double(n)
        var total = f(a) + f(b)
        for i in 1..<n { total += f(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
        return total * h / 3
    }

    @Test func massMatchesANumericalIntegralOfTheSquashedDensity() {
        let weights = [0.5, 0.3, 0.2], means = [-0.6, 0.4, 1.3], stds = [0.35, 0.6, 0.25]
        let scale = 2.0, bias = 0.0
        // Inside, across the middle, touching a bound, and reaching past it (cut to [-2, 2]).
        for (lo, hi) in [(-1.15, -0.85), (-0.5, 0.7), (0.85, 1.15), (1.5, 2.0), (-3.0, -1.2), (-2.0, 2.0)] {
            let exact = SquashedMixtureMass.probability(weights: weights, means: means.map { [$0] }, standardDeviations: stds.map { [$0] },
                                                        scale: [scale], bias: [bias], low: [lo], high: [hi])
            let a = max(lo, -scale), b = min(hi, scale)
            let numeric = Self.simpson({ Self.squashedDensity($0, weights: weights, means: means, stds: stds, scale: scale, bias: bias) },
                                       from: a, to: b)
            #expect(abs(exact - numeric) < 1e-6, "[\(lo), \(hi)]: exact \(exact), integral \(numeric)")
        }
        // The whole box holds all the mass; an empty or outside box none.
        let all = SquashedMixtureMass.probability(weights: weights, means: means.map { [$0] }, standardDeviations: stds.map { [$0] },
                                                  scale: [scale], bias: [bias], low: [-5], high: [5])
        #expect(abs(all - 1) < 1e-12)
        #expect(SquashedMixtureMass.probability(weights: weights, means: means.map { [$0] }, standardDeviations: stds.map { [$0] },
                                                scale: [scale], bias: [bias], low: [2.5], high: [3]) == 0)
    }

    @Test func aNarrowComponentOnAModeContributesItsWeight() {
        // Component 0 sits on a = 1 (u = atanh(1/2)) with a tiny sigma; component 1 near
        // a = -1, component 2 far out at a ≈ 1.99: mass near +1 is w_0, near -1 is w_1.
        let weights = [0.246, 0.5, 0.254]
        let means = [[atanh(0.5)], [atanh(-0.52)], [3.0]], stds = [[1e-4], [0.01], [0.01]]
        func mass(_ center: Double) -> Double {
            SquashedMixtureMass.probability(weights: weights, means: means, standardDeviations: stds,
                                            scale: [2], bias: [0], low: [center - 0.15], high: [center + 0.15])
        }
        #expect(abs(mass(1) - 0.246) < 1e-12)
        #expect(abs(mass(-1) - 0.5) < 1e-12)
        #expect(mass(0) < 1e-12)
    }

    @Test func boxesInTwoDimensionsMultiplyPerComponent() {
        // Independent dimensions within each component: the probability of a box is the
        // weighted sum of products of per-dimension probabilities.
        let weights = [0.7, 0.3], means = [[0.1, -0.2], [-0.5, 0.8]], stds = [[0.4, 0.3], [0.2, 0.5]]
        let scale = [1.0, 3.0], bias = [0.0, 1.0], low = [-0.3, 0.0], high = [0.4, 2.5]
        var expected = 0.0
        for k in 0..<2 {
            var p = weights[k]
            for d in 0..<2 {
                p *= SquashedMixtureMass.probability(weights: [1], means: [[means[k][d]]], standardDeviations: [[stds[k][d]]],
                                                     scale: [scale[d]], bias: [bias[d]], low: [low[d]], high: [high[d]])
            }
            expected += p
        }
        let joint = SquashedMixtureMass.probability(weights: weights, means: means, standardDeviations: stds,
                                                    scale: scale, bias: bias, low: low, high: high)
        #expect(abs(joint - expected) < 1e-14)
    }

    @Test func normalIntervalsKeepTheirDigitsInTheTails() {
        #expect(abs(SquashedMixtureMass.normalProbability(from: -.infinity, to: .infinity) - 1) < 1e-15)
        #expect(abs(SquashedMixtureMass.normalProbability(from: -1.96, to: 1.96) - 0.9500042097035591) < 1e-12)
        // P(8 < Z < 9) ≈ 6.22e-16, lost entirely by 1 - Phi.
        let tail = SquashedMixtureMass.normalProbability(from: 8, to: 9)
        #expect(abs(tail - 6.2198e-16) / 6.2198e-16 < 1e-3, "\(tail)")
        #expect(SquashedMixtureMass.normalProbability(from: 1, to: 1) == 0)
    }

    @Test func theDistributionOnATapeReadsItsOwnRow() throws {
        // Two states; the mass is read from the second state's parameters.
        let tape = Tape<Double>()
        let means = tape.input(Tensor(shape: Shape(2, 2), scalars: [0.0, 0.0, atanh(0.5), atanh(-0.5)]))
        let logStds = tape.input(Tensor(shape: Shape(2, 2), scalars: [0.0, 0.0, log(1e-4), log(1e-4)]))
        let logits = tape.input(Tensor(shape: Shape(2, 2), scalars: [0.0, 0.0, log(0.3), log(0.7)]))
        let distribution = try SquashedGaussianMixture(mixture: GaussianMixture(means: means, logStds: logStds, logits: logits, on: tape),
                                                   squash: try TanhSquash(lower: [-2.0], upper: [2.0]))
        #expect(abs(distribution.probability(ofBoxFrom: [0.85], to: [1.15], state: 1) - 0.3) < 1e-12)
        #expect(abs(distribution.probability(ofBoxFrom: [-1.15], to: [-0.85], state: 1) - 0.7) < 1e-12)
        // State 0: both components standard normal in u, symmetric about 0.
        let left = distribution.probability(ofBoxFrom: [-2], to: [0], state: 0)
        #expect(abs(left - 0.5) < 1e-12)
    }
}
