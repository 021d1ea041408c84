import Foundation
import MixTensor

extension ExactSoftObjective {
    /// `J`, its gradient and its Hessian with respect to (logits, means, logStds) (3K
    /// entries; the Hessian row-major, 3K x 3K), by the same quadrature as
    /// ``valueAndGradient(layout:)``, in one pass.
    ///
    /// From `J = int p f du` with `f = r(a(u)) - alpha log pi(a(u))` and `grad f = -alpha grad p / p`:
    /// `grad J = int grad p f du` (the score identity) and
    /// `hess J = int hess p f du - alpha int grad p grad p^T / p du`, with, for
    /// `p = sum_j w_j N_j`, `x_j = (u - mu_j) / sigma_j`, `w = softmax(z)`:
    /// - `d2p/dz_i dz_j = w_j (delta_ij - w_i)(N_j - p) - w_i w_j (N_i - p)`,
    /// - `d2p/dz_i dmu_j = w_j (delta_ij - w_i) N_j x_j / sigma_j`,
    ///   `d2p/dz_i drho_j = w_j (delta_ij - w_i) N_j (x_j^2 - 1)` (`rho = log sigma`),
    /// - `d2p/dmu_j^2 = w_j N_j (x_j^2 - 1) / sigma_j^2`, `d2p/dmu_j drho_j = w_j N_j x_j (x_j^2 - 3) / sigma_j`,
    ///   `d2p/drho_j^2 = w_j N_j ((x_j^2 - 1)^2 - 2 x_j^2)`, and 0 between the means and
    ///   log-stds of different components.
    /// The landscape's Newton iterations need this at every step; one pass costs about
    /// two gradients where central differences would cost 6K. The tests check it against
    /// differences of the gradient.
    package func valueGradientAndHessian(layout: [GaussLegendre.Piece]? = nil) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let k = componentCount, n = 3 * k, w = weights, s = logStds.map { exp($0) }
        let root2Pi = (2 * Double.pi).squareRoot()
        var density = [Double](repeating: 0, count: k), dp = [Double](repeating: 0, count: n)
        var d2 = [Double](repeating: 0, count: n * n)
        let total = GaussLegendre.integrate(pieces: layout ?? panelLayout(), dimension: 1 + n + n * n) { u, weight, acc in
            var p = 0.0
            for j in 0..<k {
                let x = (u - means[j]) / s[j]
                density[j] = exp(-0.5 * x * x) / (s[j] * root2Pi)
                p += w[j] * density[j]
            }
            guard p > 0 else { return }
            let f = reward(action(u)) - alpha * (log(p) - logJacobian(u))
            for j in 0..<k {
                let x = (u - means[j]) / s[j], wn = w[j] * density[j]
                dp[j] = w[j] * (density[j] - p)
                dp[k + j] = wn * x / s[j]
                dp[2 * k + j] = wn * (x * x - 1)
            }
            for i in 0..<n * n { d2[i] = 0 }
            for i in 0..<k {
                for j in 0..<k {
                    let delta = i == j ? 1.0 : 0.0
                    let x = (u - means[j]) / s[j], wn = w[j] * density[j]
                    d2[i * n + j] = w[j] * (delta - w[i]) * (density[j] - p) - w[i] * w[j] * (density[i] - p)
                    let zm = (delta - w[i]) * wn * x / s[j], zs = (delta - w[i]) * wn * (x * x - 1)
                    d2[i * n + k + j] = zm; d2[(k + j) * n + i] = zm
                    d2[i * n + 2 * k + j] = zs; d2[(2 * k + j) * n + i] = zs
                }
                let x = (u - means[i]) / s[i], wn = w[i] * density[i]
                d2[(k + i) * n + k + i] = wn * (x * x - 1) / (s[i] * s[i])
                let ms = wn * x * (x * x - 3) / s[i]
                d2[(k + i) * n + 2 * k + i] = ms; d2[(2 * k + i) * n + k + i] = ms
                d2[(2 * k + i) * n + 2 * k + i] = wn * ((x * x - 1) * (x * x - 1) - 2 * x * x)
            }
            acc[0] += weight * (p * f)
            for i in 0..<n { acc[1 + i] += weight * (dp[i] * f) }
            let c = alpha / p
            for i in 0..<n {
                for j in 0..<n { acc[1 + n + i * n + j] += weight * (d2[i * n + j] * f - c * dp[i] * dp[j]) }
            }
        }
        return (total[0], Array(total[1...n]), Array(total[(1 + n)...]))
    }
}
