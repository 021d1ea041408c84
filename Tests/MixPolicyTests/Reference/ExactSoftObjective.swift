import Foundation
import MixAnalysis
import MixTensor

/// A 1-D Gaussian mixture over the pre-squash point `u`, optionally squashed to
/// `a = scale * tanh(u) + bias`, written independently of `MixPolicy` (plain `Double`
/// arithmetic, a different but equivalent form of the tanh Jacobian) to serve as the
/// reference of the tests.
struct ReferenceMixture: Sendable {
    var logits: [Double]
    var means: [Double]
    var logStds: [Double]
    /// `(scale, bias)` of the tanh squash, or `nil` for an unsquashed mixture (`a = u`).
    var squash: (scale: Double, bias: Double)?

    var componentCount: Int { logits.count }
    var standardDeviations: [Double] { logStds.map { exp($0) } }

    var weights: [Double] {
        let m = logits.max() ?? 0
        let e = logits.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The parameters as one vector: logits, then means, then log-stds.
    var parameters: [Double] {
        get { logits + means + logStds }
        set {
            let k = componentCount
            logits = Array(newValue[0..<k]); means = Array(newValue[k..<2 * k]); logStds = Array(newValue[2 * k..<3 * k])
        }
    }

    /// The action of a pre-squash point.
    func action(_ u: Double) -> Double {
        guard let squash else { return u }
        return squash.scale * tanh(u) + squash.bias
    }

    /// `log |da/du|`: `log scale + log sech^2 u`, with `log sech^2 u = log 4 - 2|u| - 2 log1p(exp(-2|u|))`.
    func logJacobian(_ u: Double) -> Double {
        guard let squash else { return 0 }
        let x = abs(u)
        return log(squash.scale) + log(4.0) - 2 * x - 2 * log1p(exp(-2 * x))
    }

    /// `log N(u; mu_k, sigma_k)` for every component.
    func componentLogDensities(_ u: Double) -> [Double] {
        (0..<componentCount).map { k in
            let z = (u - means[k]) / exp(logStds[k])
            return -0.5 * z * z - logStds[k] - 0.5 * log(2 * Double.pi)
        }
    }

    /// The log-density of `u` (before the squash), by log-sum-exp.
    func logDensityOfPreSquash(_ u: Double) -> Double {
        let w = weights, c = componentLogDensities(u)
        let terms = (0..<componentCount).map { log(w[$0]) + c[$0] }
        let m = terms.max() ?? -.infinity
        return m + log(terms.reduce(0) { $0 + exp($1 - m) })
    }

    /// The log-density of the action `a(u)`.
    func logDensity(preSquash u: Double) -> Double { logDensityOfPreSquash(u) - logJacobian(u) }

    /// A range of `u` that holds all but ~1e-30 of every component's mass.
    var preSquashSupport: (lower: Double, upper: Double) {
        let s = standardDeviations
        let lo = (0..<componentCount).map { means[$0] - 12 * s[$0] }.min() ?? -1
        let hi = (0..<componentCount).map { means[$0] + 12 * s[$0] }.max() ?? 1
        return (lo, hi)
    }
}

/// The expected soft objective `J = E_pi[Q(a) - alpha log pi(a)]` of a ``ReferenceMixture``
/// and its exact gradient with respect to every logit, mean and log-std, by quadrature.
///
/// The gradient uses the score identity `grad J = int grad p(u) f(u) du` with
/// `f = Q(a(u)) - alpha log pi(a(u))` (the term from `log pi` inside `f` integrates to
/// `alpha int grad p = 0`) and the analytic `grad p`:
/// `dp/dz_k = w_k (N_k - p)`, `dp/dmu_k = w_k N_k (u - mu_k) / sigma_k^2`,
/// `dp/dlog sigma_k = w_k N_k ((u - mu_k)^2 / sigma_k^2 - 1)`.
/// The actor *loss* of the estimators is `-J`, so its reference gradient is `-gradient`.
struct ExactSoftObjective: Sendable {
    var mixture: ReferenceMixture
    var reward: @Sendable (Double) -> Double
    var alpha: Double

    /// The integrand `f(u) = Q(a(u)) - alpha log pi(a(u))`.
    func softValue(_ u: Double) -> Double { reward(mixture.action(u)) - alpha * mixture.logDensity(preSquash: u) }

    /// `[J, dJ/dlogits..., dJ/dmeans..., dJ/dlogStds...]` by a composite 8-point
    /// Gauss-Legendre rule over `u` with panels narrower than `panelWidth` and a tenth
    /// of the narrowest component.
    func valueAndGradientComposite(panelWidth: Double = 0.004) -> [Double] {
        let k = mixture.componentCount, w = mixture.weights, s = mixture.standardDeviations
        let (lo, hi) = mixture.preSquashSupport
        let width = min(panelWidth, 0.1 * (s.min() ?? 1))
        let panels = Int(((hi - lo) / width).rounded(.up))
        return GaussLegendre.integrate(lower: lo, upper: hi, panels: panels, dimension: 1 + 3 * k) { u in
            let f = softValue(u)
            let n = mixture.componentLogDensities(u).map { exp($0) }
            var p = 0.0
            for j in 0..<k { p += w[j] * n[j] }
            var v = [Double](repeating: 0, count: 1 + 3 * k)
            v[0] = p * f
            for j in 0..<k {
                let z = (u - mixture.means[j]) / s[j]
                v[1 + j] = w[j] * (n[j] - p) * f
                v[1 + k + j] = w[j] * n[j] * z / s[j] * f
                v[1 + 2 * k + j] = w[j] * n[j] * (z * z - 1) * f
            }
            return v
        }
    }

    /// The same vector by a second method: per component, in the standardized variable
    /// `x = (u - mu_k) / sigma_k` over [-12, 12], adaptive Gauss-Kronrod, then
    /// `J = sum_k w_k E_k[f]`, `dJ/dz_k = w_k (E_k[f] - J)`, `dJ/dmu_k = w_k E_k[f x] / sigma_k`,
    /// `dJ/dlog sigma_k = w_k E_k[f (x^2 - 1)]`.
    func valueAndGradientPerComponent(tolerance: Double = 1e-13) -> [Double] {
        let k = mixture.componentCount, w = mixture.weights, s = mixture.standardDeviations
        var expectations = [[Double]]()
        for j in 0..<k {
            expectations.append(Quadrature.adaptiveGaussKronrod(lower: -12, upper: 12, initialPanels: 96, tolerance: tolerance, dimension: 3) { x in
                let f = softValue(mixture.means[j] + s[j] * x)
                let phi = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
                return [phi * f, phi * f * x, phi * f * (x * x - 1)]
            })
        }
        var j0 = 0.0
        for j in 0..<k { j0 += w[j] * expectations[j][0] }
        var v = [j0]
        v += (0..<k).map { w[$0] * (expectations[$0][0] - j0) }
        v += (0..<k).map { w[$0] * expectations[$0][1] / s[$0] }
        v += (0..<k).map { w[$0] * expectations[$0][2] }
        return v
    }

    /// `J` alone (composite rule).
    func value() -> Double { valueAndGradientComposite()[0] }

    /// The gradient by Richardson-extrapolated central differences of the quadrature `J`
    /// (a third, derivative-free check of the analytic integrands).
    func gradientByFiniteDifferences(step h: Double = 1e-3) -> [Double] {
        let theta = mixture.parameters
        return theta.indices.map { i in
            func j(_ delta: Double) -> Double {
                var copy = self
                var t = theta; t[i] += delta
                copy.mixture.parameters = t
                return copy.valueAndGradientComposite()[0]
            }
            let d1 = (j(h) - j(-h)) / (2 * h)
            let d2 = (j(h / 2) - j(-h / 2)) / h
            return (4 * d2 - d1) / 3
        }
    }
}

/// The test problems: rewards on actions and a few mixtures.
enum ReferenceProblems {
    /// `Q(a) = 1 - (a - 0.4)^2`.
    static let quadratic: @Sendable (Double) -> Double = { a in 1 - (a - 0.4) * (a - 0.4) }

    /// The bimodal bandit reward: two narrow bumps of height 1.5 at a = -1 and a = +1.
    static let bimodal: @Sendable (Double) -> Double = { a in
        1.5 * exp(-0.5 * ((a + 1) / 0.05) * ((a + 1) / 0.05)) + 1.5 * exp(-0.5 * ((a - 1) / 0.05) * ((a - 1) / 0.05))
    }

    /// A deterministic K-component mixture with spread means and moderate widths
    /// (pre-squash means between -1.2 and 1.2, stds between e^-1.3 and e^-0.4).
    static func mixture(componentCount k: Int, squashed: Bool = true) -> ReferenceMixture {
        let logits = (0..<k).map { 0.6 * sin(1.7 * Double($0) + 0.3) }
        let means = (0..<k).map { k == 1 ? 0.3 : -1.2 + 2.4 * Double($0) / Double(k - 1) + 0.05 * cos(Double($0)) }
        let logStds = (0..<k).map { -0.85 + 0.45 * cos(2.3 * Double($0) + 0.5) }
        return ReferenceMixture(logits: logits, means: means, logStds: logStds,
                                squash: squashed ? (scale: 2, bias: 0) : nil)
    }
}
