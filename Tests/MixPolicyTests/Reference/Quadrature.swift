import Foundation

/// Adaptive Gauss-Kronrod (7-15) bisection in `Double`, for the exact references of the
/// estimator tests: the second, independent family against which the composite
/// Gauss-Legendre rule (`GaussLegendre` in MixAnalysis, which the variance
/// benchmark integrates with) is checked.
enum Quadrature {
    // Gauss-Kronrod 7-15 on [-1, 1] (nodes for x >= 0; Piessens et al., QUADPACK).
    static let kronrodNodes: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.000000000000000000000000000000000,
    ]
    static let kronrodWeights: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    /// Gauss weights of the embedded 7-point rule, at Kronrod nodes 1, 3, 5, 7.
    static let gaussWeights: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
    ]

    /// `int_lower^upper f` by adaptive Gauss-Kronrod 7-15: the interval starts cut into
    /// `initialPanels` (so that narrow features are not missed) and any panel whose
    /// Kronrod and Gauss estimates differ by more than `tolerance` (max norm) is bisected.
    static func adaptiveGaussKronrod(
        lower: Double, upper: Double, initialPanels: Int = 32, tolerance: Double = 1e-13,
        maxDepth: Int = 40, dimension: Int, _ f: (Double) -> [Double]
    ) -> [Double] {
        var total = [Double](repeating: 0, count: dimension)
        func panel(_ a: Double, _ b: Double, depth: Int) {
            let mid = 0.5 * (a + b), half = 0.5 * (b - a)
            var kronrod = [Double](repeating: 0, count: dimension), gauss = kronrod
            for i in 0..<8 {
                let xs = i == 7 ? [mid] : [mid - half * kronrodNodes[i], mid + half * kronrodNodes[i]]
                for x in xs {
                    let v = f(x)
                    for j in 0..<dimension {
                        kronrod[j] += half * kronrodWeights[i] * v[j]
                        if i % 2 == 1 { gauss[j] += half * gaussWeights[i / 2] * v[j] }
                    }
                }
            }
            var error = 0.0
            for j in 0..<dimension { error = max(error, abs(kronrod[j] - gauss[j])) }
            if error > tolerance * max(1, (b - a)) && depth < maxDepth {
                panel(a, mid, depth: depth + 1)
                panel(mid, b, depth: depth + 1)
            } else {
                for j in 0..<dimension { total[j] += kronrod[j] }
            }
        }
        let h = (upper - lower) / Double(initialPanels)
        for p in 0..<initialPanels { panel(lower + Double(p) * h, lower + Double(p + 1) * h, depth: 0) }
        return total
    }
}
