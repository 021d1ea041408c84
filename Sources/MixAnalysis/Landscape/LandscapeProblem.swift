import Foundation
import MixEnvs
import MixTensor

/// A one-step problem whose entropy-regularized objective `J = E_pi[r(a)] + alpha H(pi)`
/// the landscape explores: a reward over a scalar action and the map from the pre-squash
/// point `u` to the action (`a = scale tanh(u) + bias`, or `a = u` unsquashed).
///
/// `J` and its gradient come from ``ExactSoftObjective`` (the variance benchmark's exact
/// quadrature; `H` is the entropy of the action, tanh Jacobian included), with its panels
/// refined around each reward bump so that the coarse panels elsewhere stay cheap.
package struct LandscapeProblem: Sendable {
    /// The name in reports (`symmetric-bimodal`).
    package var name: String
    /// The (expected) reward of an action.
    package var reward: @Sendable (Double) -> Double
    /// The reward's bumps: where the quadrature is refined and which modes a policy covers.
    package var modes: [BanditReward.Mode]
    /// Whether actions are `scale tanh(u) + bias` (true) or `u` itself.
    package var isSquashed: Bool
    /// Half-width of the action interval (squashed problems).
    package var scale: Double
    /// Centre of the action interval (squashed problems).
    package var bias: Double
    /// The widest quadrature panel in `u` away from the bumps, and the panel width inside a
    /// bump's refinement (`center ± 10 width`) as a fraction of its width in `u`. The
    /// defaults agree with the variance benchmark's uniform fine layout to about 1e-11 (see
    /// the landscape tests) at a fraction of its cost: the integrand's only features
    /// narrower than 0.2 in `u` are the bumps and the components, and an 8-point panel a
    /// quarter of a bump's width (a tenth of a component's) wide integrates them to rounding.
    package var coarsePanelWidth = 0.2, bumpPanelFraction = 0.25

    /// A problem with the given reward; `modes` lists its bumps (may be empty).
    package init(name: String, modes: [BanditReward.Mode], isSquashed: Bool = true, scale: Double = 2, bias: Double = 0,
                reward: @escaping @Sendable (Double) -> Double) {
        self.name = name
        self.modes = modes
        self.isSquashed = isSquashed
        self.scale = scale
        self.bias = bias
        self.reward = reward
    }

    /// A built-in bandit of `MixEnvs` (actions `2 tanh(u)` in [-2, 2], its expected reward).
    package init(bandit: BanditName) {
        let surface = bandit.reward
        self.init(name: bandit.rawValue, modes: surface.modes, scale: BanditProblem.actionScale, bias: BanditProblem.actionBias,
                  reward: { surface.expectedReward($0) })
    }

    /// `r(a) = -curvature (a - center)^2` with an unsquashed policy (`a = u`): the case
    /// solvable by hand. A Gaussian's `J = -curvature (sigma^2 + (mu - center)^2) + alpha
    /// (log sigma + const)` has exactly one stationary point, a maximum at `mu = center`,
    /// `sigma^2 = alpha / (2 curvature)`.
    package static func quadratic(center: Double, curvature: Double) -> LandscapeProblem {
        LandscapeProblem(name: "quadratic", modes: [], isSquashed: false) { a in -curvature * (a - center) * (a - center) }
    }

    /// The bandit named `name` (benchmark name or environment id), with a did-you-mean
    /// suggestion when it is unknown.
    package static func banditName(parsing name: String) throws(LandscapeError) -> BanditName {
        do { return try BanditName(parsing: name) }
        catch {
            let known = BanditName.allCases.map(\.rawValue)
            throw .unknownBandit(name, known: known,
                                 suggestion: Suggestion.closest(to: name, in: known + BanditName.allCases.map(\.environmentID)))
        }
    }

    /// One bump `height exp(-(a - center)^2 / (2 width^2))` with an unsquashed policy
    /// (`a = u`): a threshold solvable by hand. On the bump, a Gaussian's
    /// `J(sigma) = height width / sqrt(width^2 + sigma^2) + alpha log sigma + const` is
    /// stationary where `alpha = height t^2 / (1 + t^2)^(3/2)`, `t = sigma / width`, whose
    /// right side peaks at `t^2 = 2`: the on-mode maximum exists exactly for
    /// `alpha < 2 height / 3^(3/2) ≈ 0.3849 height` (above it `J` grows without bound in `sigma`).
    package static func unsquashedBump(center: Double, height: Double, width: Double) -> LandscapeProblem {
        let mode = BanditReward.Mode(center: center, height: height, width: width)
        return LandscapeProblem(name: "bump", modes: [mode], isSquashed: false) { mode.value(at: $0) }
    }

    /// The largest reward (the highest bump; 0 without bumps).
    package var maximumReward: Double { modes.map(\.height).max() ?? 0 }

    /// The pre-squash point of action `a` (clamped just inside the action interval).
    func preSquash(_ a: Double) -> Double {
        guard isSquashed else { return a }
        return atanh(min(max((a - bias) / scale, -1 + 1e-15), 1 - 1e-15))
    }

    /// The action of the pre-squash point `u`.
    func action(_ u: Double) -> Double { isSquashed ? scale * tanh(u) + bias : u }

    /// The quadrature refinements: the pre-image of each bump's `center ± 10 width`, with
    /// panels of `bumpPanelFraction` times the bump's narrowest width in `u` (the width in
    /// `a` divided by the largest `da/du` on the interval, reached nearest `a = bias`).
    var refinements: [ExactSoftObjective.Refinement] {
        modes.map { mode in
            let lo = mode.center - 10 * mode.width, hi = mode.center + 10 * mode.width
            let slope: Double
            if isSquashed {
                let t = (lo <= bias && bias <= hi) ? 0 : min(abs(lo - bias), abs(hi - bias)) / scale
                slope = scale * max(1 - t * t, 1e-12)
            } else {
                slope = 1
            }
            return ExactSoftObjective.Refinement(lower: preSquash(lo), upper: preSquash(hi),
                                                 panelWidth: bumpPanelFraction * mode.width / slope)
        }
    }

    /// The exact objective of `mixture` at temperature `alpha`.
    package func objective(_ mixture: MixtureParameters, alpha: Double) -> ExactSoftObjective {
        var objective = ExactSoftObjective(logits: mixture.logits, means: mixture.means, logStds: mixture.logStds, scale: scale,
                                           bias: bias, alpha: alpha, panelWidth: coarsePanelWidth, reward: reward)
        objective.isSquashed = isSquashed
        objective.refinements = refinements
        return objective
    }

    /// The probability that the action lies within `window` bump widths of each mode's
    /// centre, exactly (normal CDFs of the pre-images of the window's ends).
    package func modeMasses(_ mixture: MixtureParameters, window: Double) -> [Double] {
        let w = mixture.weights
        return modes.map { mode in
            let lo = preSquash(mode.center - window * mode.width), hi = preSquash(mode.center + window * mode.width)
            var mass = 0.0
            for k in w.indices {
                let s = exp(mixture.logStds[k])
                mass += w[k] * (Self.normalCDF((hi - mixture.means[k]) / s) - Self.normalCDF((lo - mixture.means[k]) / s))
            }
            return mass
        }
    }

    /// The mean and standard deviation of the action, by the same quadrature as `J`.
    package func actionMoments(_ mixture: MixtureParameters) -> (mean: Double, std: Double) {
        let objective = objective(mixture, alpha: 0)
        let w = mixture.weights, s = mixture.logStds.map { exp($0) }
        let m = GaussLegendre.integrate(pieces: objective.panelLayout(), dimension: 2) { u in
            var p = 0.0
            for k in w.indices {
                let z = (u - mixture.means[k]) / s[k]
                p += w[k] * exp(-0.5 * z * z) / (s[k] * (2 * Double.pi).squareRoot())
            }
            let a = action(u)
            return [p * a, p * a * a]
        }
        return (m[0], max(m[1] - m[0] * m[0], 0).squareRoot())
    }

    /// `P(Z <= z)` for a standard normal `Z` (erfc keeps the lower tail accurate).
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
}

/// The parameters of a K-component mixture of Gaussians over the pre-squash point.
package struct MixtureParameters: Sendable, Equatable, Codable {
    /// Component logits (K entries; only differences matter).
    package var logits: [Double]
    /// Component means of `u`.
    package var means: [Double]
    /// Component log-standard-deviations of `u`.
    package var logStds: [Double]

    /// A mixture with the given lists (K entries each).
    package init(logits: [Double], means: [Double], logStds: [Double]) {
        require(!means.isEmpty && logits.count == means.count && logStds.count == means.count,
                     "MixAnalysis: a mixture needs as many logits, means and log-stds")
        self.logits = logits
        self.means = means
        self.logStds = logStds
    }

    /// The number of components K.
    package var componentCount: Int { means.count }

    /// `softmax(logits)`.
    package var weights: [Double] {
        let m = logits.max() ?? 0
        let e = logits.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The free parameters: the first K-1 logits minus the last (softmax is invariant to a
    /// common shift, which would otherwise be a flat direction of every Hessian), then the
    /// means, then the log-stds; 3K-1 numbers.
    package var free: [Double] {
        let last = logits.last ?? 0
        return logits.dropLast().map { $0 - last } + means + logStds
    }

    /// The mixture of K components with free parameters `theta` (see ``free``).
    package init(componentCount k: Int, free theta: [Double]) {
        require(theta.count == 3 * k - 1, "MixAnalysis: K = \(k) has \(3 * k - 1) free parameters, got \(theta.count)")
        self.init(logits: Array(theta[0..<(k - 1)]) + [0], means: Array(theta[(k - 1)..<(2 * k - 1)]),
                  logStds: Array(theta[(2 * k - 1)...]))
    }

    /// The same mixture with components sorted by mean (then log-std), logits shifted so
    /// the last is 0: one representative of the K! relabellings.
    package var canonical: MixtureParameters {
        let order = means.indices.sorted { (means[$0], logStds[$0]) < (means[$1], logStds[$1]) }
        let last = logits[order[order.count - 1]]
        return MixtureParameters(logits: order.map { logits[$0] - last }, means: order.map { means[$0] },
                                 logStds: order.map { logStds[$0] })
    }
}
