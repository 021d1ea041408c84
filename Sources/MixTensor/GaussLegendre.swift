import Foundation

/// Composite Gauss-Legendre quadrature in `Double`, for the exact reference gradients of
/// the variance benchmark's bandit problems and of the `MixPolicy` tests (one rule for both).
///
/// Why this rule: the integrands are smooth but have narrow features (reward bumps of
/// width 0.05, components of width ~0.3), so equal panels narrower than every feature,
/// each with an 8-point Gauss-Legendre rule (exact for polynomials of degree 15), reach
/// machine precision without any adaptivity that could miss a feature.
package enum GaussLegendre {
    /// Nodes and weights of the `n`-point rule on [-1, 1], by Newton's iteration on the
    /// Legendre recurrence (converges to machine precision). Cost: O(n^2) per node.
    package static func rule(order n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        for i in 0..<(n + 1) / 2 {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                // Legendre recurrence: afterwards p1 = P_n(x) and p0 = P_{n-1}(x).
                var p0 = 1.0, p1 = x
                if n >= 2 {
                    for j in 2...n {
                        let p2 = ((2 * Double(j) - 1) * x * p1 - (Double(j) - 1) * p0) / Double(j)
                        p0 = p1; p1 = p2
                    }
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes[i] = -x; nodes[n - 1 - i] = x
            let w = 2 / ((1 - x * x) * derivative * derivative)
            weights[i] = w; weights[n - 1 - i] = w
        }
        return (nodes, weights)
    }

    /// `int_lower^upper f` for a vector-valued `f` (every result of length `dimension`),
    /// with `panels` equal panels of the `order`-point rule. Cost: `panels * order` calls of `f`.
    package static func integrate(lower: Double, upper: Double, panels: Int, order: Int = 8, dimension: Int,
                                 _ f: (Double) -> [Double]) -> [Double] {
        let rule = rule(order: order)
        let h = (upper - lower) / Double(max(panels, 1))
        var total = [Double](repeating: 0, count: dimension)
        for p in 0..<max(panels, 1) {
            let mid = lower + (Double(p) + 0.5) * h
            for (x, w) in zip(rule.nodes, rule.weights) {
                let v = f(mid + 0.5 * h * x)
                for i in 0..<dimension { total[i] += 0.5 * h * w * v[i] }
            }
        }
        return total
    }
}
