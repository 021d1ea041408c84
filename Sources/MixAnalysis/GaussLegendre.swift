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
        integrate(pieces: [Piece(lower: lower, upper: upper, panels: panels)], order: order, dimension: dimension, f)
    }

    /// An interval cut into `panels` equal panels.
    package struct Piece: Sendable, Equatable {
        /// Where the piece starts.
        package var lower: Double
        /// Where it ends.
        package var upper: Double
        /// How many equal panels it is cut into (at least one is used).
        package var panels: Int

        /// A piece of `panels` equal panels from `lower` to `upper`.
        package init(lower: Double, upper: Double, panels: Int) {
            self.lower = lower
            self.upper = upper
            self.panels = panels
        }
    }

    /// The sum over `pieces` of their integrals by the composite `order`-point rule: the same
    /// rule with panels of different widths, so that a narrow feature (a reward bump) gets
    /// fine panels without paying for them over the whole range.
    /// Cost: `order` calls of `f` per panel.
    package static func integrate(pieces: [Piece], order: Int = 8, dimension: Int, _ f: (Double) -> [Double]) -> [Double] {
        integrate(pieces: pieces, order: order, dimension: dimension) { x, weight, total in
            let v = f(x)
            for i in 0..<dimension { total[i] += weight * v[i] }
        }
    }

    /// As ``integrate(pieces:order:dimension:_:)``, but `accumulate(x, weight, &total)`
    /// adds `weight * f(x)` into `total` itself, so that an integrand with many components
    /// allocates nothing per node (the landscape's Newton iterations evaluate it millions of times).
    package static func integrate(pieces: [Piece], order: Int = 8, dimension: Int,
                                 accumulate: (Double, Double, inout [Double]) -> Void) -> [Double] {
        let rule = rule(order: order)
        var total = [Double](repeating: 0, count: dimension)
        for piece in pieces {
            let panels = max(piece.panels, 1)
            let h = (piece.upper - piece.lower) / Double(panels)
            for p in 0..<panels {
                let mid = piece.lower + (Double(p) + 0.5) * h
                for (x, w) in zip(rule.nodes, rule.weights) {
                    accumulate(mid + 0.5 * h * x, 0.5 * h * w, &total)
                }
            }
        }
        return total
    }
}
