import Foundation
import MixTensor

/// The soft objective `J = E_pi[Q(a) - alpha log pi(a)]` of a one-dimensional Gaussian
/// mixture squashed to `a = scale * tanh(u) + bias`, and its exact gradient with respect to
/// every logit, mean and log-std, by quadrature over the pre-squash point `u`. Written in
/// plain `Double` arithmetic, independently of `MixPolicy`, so that it can serve as the
/// reference of the estimators.
///
/// The gradient uses the score identity `grad J = int grad p(u) f(u) du` with
/// `f = Q(a(u)) - alpha log pi(a(u))` (the term from `log pi` inside `f` integrates to
/// `alpha int grad p = 0`) and the analytic `grad p`:
/// `dp/dz_k = w_k (N_k - p)`, `dp/dmu_k = w_k N_k (u - mu_k) / sigma_k^2`,
/// `dp/dlog sigma_k = w_k N_k ((u - mu_k)^2 / sigma_k^2 - 1)`.
/// The actor *loss* of the estimators is `-J`; ``lossGradient()`` is its gradient.
package struct ExactSoftObjective: Sendable {
    /// Component logits `z` (K entries).
    package var logits: [Double]
    /// Component means of `u` (K entries).
    package var means: [Double]
    /// Component log-standard-deviations of `u` (K entries).
    package var logStds: [Double]
    /// Half-width of the action interval.
    package var scale: Double
    /// Centre of the action interval.
    package var bias: Double
    /// The (expected) reward of an action, `Q(a)`.
    package var reward: @Sendable (Double) -> Double
    /// The entropy temperature.
    package var alpha: Double
    /// The widest panel of the quadrature in `u`; it must resolve the narrowest feature of
    /// `Q(a(u))` (a tenth of a reward bump's width in `u` is ample) unless ``refinements``
    /// resolve those features, in which case it need only resolve the rest of the integrand.
    package var panelWidth: Double
    /// Intervals of `u` that need narrower panels than ``panelWidth`` (around each reward
    /// bump); empty means one panel width everywhere (the variance benchmark's layout).
    package var refinements: [Refinement] = []
    /// If false, the action is `u` itself (no tanh, no Jacobian): a policy whose stationary
    /// points have closed forms, for tests. ``scale`` and ``bias`` are then ignored.
    package var isSquashed = true

    /// An interval of `u` whose panels may be at most `panelWidth` wide.
    package struct Refinement: Sendable, Equatable {
        /// Where the interval starts.
        package var lower: Double
        /// Where it ends.
        package var upper: Double
        /// The widest panel allowed inside.
        package var panelWidth: Double

        /// An interval from `lower` to `upper` with panels at most `panelWidth` wide.
        package init(lower: Double, upper: Double, panelWidth: Double) {
            self.lower = lower
            self.upper = upper
            self.panelWidth = panelWidth
        }
    }

    /// The objective of a K-component mixture; the three lists must have K entries.
    package init(logits: [Double], means: [Double], logStds: [Double], scale: Double = 2, bias: Double = 0,
                alpha: Double, panelWidth: Double = 0.004, reward: @escaping @Sendable (Double) -> Double) {
        require(!logits.isEmpty && means.count == logits.count && logStds.count == logits.count,
                     "MixAnalysis: \(logits.count) logits need as many means and log-stds, got \(means.count) and \(logStds.count)")
        self.logits = logits
        self.means = means
        self.logStds = logStds
        self.scale = scale
        self.bias = bias
        self.alpha = alpha
        self.panelWidth = panelWidth
        self.reward = reward
    }

    /// The number of components K.
    package var componentCount: Int { logits.count }

    /// The mixture weights `softmax(z)`.
    package var weights: [Double] {
        let m = logits.max() ?? 0
        let e = logits.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// `log |da/du| = log scale + log sech^2 u`, with
    /// `log sech^2 u = log 4 - 2|u| - 2 log1p(exp(-2|u|))` (no cancellation for large `|u|`).
    func logJacobian(_ u: Double) -> Double {
        guard isSquashed else { return 0 }
        let x = abs(u)
        return log(scale) + log(4.0) - 2 * x - 2 * log1p(exp(-2 * x))
    }

    /// `log pi(a(u))`: the mixture's log-density of `u` by log-sum-exp, minus the log-Jacobian.
    func logDensity(preSquash u: Double, weights w: [Double]) -> Double {
        var terms = [Double](repeating: 0, count: componentCount)
        for k in 0..<componentCount {
            let z = (u - means[k]) / exp(logStds[k])
            terms[k] = log(w[k]) - 0.5 * z * z - logStds[k] - 0.5 * log(2 * Double.pi)
        }
        let m = terms.max() ?? -.infinity
        return m + log(terms.reduce(0) { $0 + exp($1 - m) }) - logJacobian(u)
    }

    /// The action of the pre-squash point `u`.
    func action(_ u: Double) -> Double { isSquashed ? scale * tanh(u) + bias : u }

    /// The panels of the quadrature at the current parameters: `u` within 12 standard
    /// deviations of every component (the Gaussian tail beyond is below 1e-31), panels at
    /// most ``panelWidth`` and a tenth of the narrowest standard deviation wide; with
    /// ``refinements``, at most a tenth of a component's standard deviation only within 12
    /// of them, and at most a refinement's width inside it. Fixing the layout (``valueAndGradient(layout:)``)
    /// makes `J` an exactly smooth function of the parameters, for finite differences.
    package func panelLayout() -> [GaussLegendre.Piece] {
        let k = componentCount, s = logStds.map { exp($0) }
        let lower = (0..<k).map { means[$0] - 12 * s[$0] }.min() ?? -1
        let upper = (0..<k).map { means[$0] + 12 * s[$0] }.max() ?? 1
        let width = min(panelWidth, 0.1 * (s.min() ?? 1))
        guard !refinements.isEmpty else {
            return [GaussLegendre.Piece(lower: lower, upper: upper, panels: Int(((upper - lower) / width).rounded(.up)))]
        }
        // With refinements, each component gets its own: panels of a tenth of its standard
        // deviation within 12 of them, so that a narrow component costs ~240 panels rather
        // than refining the whole range.
        let all = refinements + (0..<k).map { Refinement(lower: means[$0] - 12 * s[$0], upper: means[$0] + 12 * s[$0], panelWidth: 0.1 * s[$0]) }
        let cuts = Set([lower, upper] + all.flatMap { [$0.lower, $0.upper] }.filter { $0 > lower && $0 < upper }).sorted()
        return zip(cuts, cuts.dropFirst()).map { a, b in
            let mid = 0.5 * (a + b)
            let local = all.filter { $0.lower <= mid && mid <= $0.upper }.map(\.panelWidth).min() ?? panelWidth
            return GaussLegendre.Piece(lower: a, upper: b, panels: Int(((b - a) / min(panelWidth, local)).rounded(.up)))
        }
    }

    /// `J` and `dJ/d(logits, means, logStds)` (3K entries, in that order) on the panels
    /// `layout` (default ``panelLayout()``). Cost: a few thousand panels of 8 nodes, O(K)
    /// per node.
    package func valueAndGradient(layout: [GaussLegendre.Piece]? = nil) -> (value: Double, gradient: [Double]) {
        let k = componentCount, w = weights, s = logStds.map { exp($0) }
        let logW = w.map { log($0) }, halfLog2Pi = 0.5 * log(2 * Double.pi), root2Pi = (2 * Double.pi).squareRoot()
        // Per-node scratch, allocated once: the integrand runs at every quadrature node.
        var n = [Double](repeating: 0, count: k)
        let v = GaussLegendre.integrate(pieces: layout ?? panelLayout(), dimension: 1 + 3 * k) { u, weight, total in
            // log pi(a(u)) as in logDensity(preSquash:weights:), without its array.
            var m = -Double.infinity
            for j in 0..<k {
                let z = (u - means[j]) / exp(logStds[j])
                m = max(m, logW[j] - 0.5 * z * z - logStds[j] - halfLog2Pi)
            }
            var sum = 0.0
            for j in 0..<k {
                let z = (u - means[j]) / exp(logStds[j])
                sum += exp(logW[j] - 0.5 * z * z - logStds[j] - halfLog2Pi - m)
            }
            let f = reward(action(u)) - alpha * (m + log(sum) - logJacobian(u))
            var p = 0.0
            for j in 0..<k {
                let z = (u - means[j]) / s[j]
                n[j] = exp(-0.5 * z * z) / (s[j] * root2Pi)
                p += w[j] * n[j]
            }
            total[0] += weight * (p * f)
            for j in 0..<k {
                let z = (u - means[j]) / s[j]
                total[1 + j] += weight * (w[j] * (n[j] - p) * f)
                total[1 + k + j] += weight * (w[j] * n[j] * z / s[j] * f)
                total[1 + 2 * k + j] += weight * (w[j] * n[j] * (z * z - 1) * f)
            }
        }
        return (v[0], Array(v.dropFirst()))
    }

    /// The gradient of the actor loss `-J` with respect to (logits, means, logStds).
    package func lossGradient() -> [Double] { valueAndGradient().gradient.map { -$0 } }
}
