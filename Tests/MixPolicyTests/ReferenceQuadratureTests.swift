import Foundation
import MixAnalysis
import MixTensor
import Testing

/// The exact references the estimator tests rely on, checked against each other: two
/// quadratures of the analytic gradient integrands and central differences of `J`.
@Suite struct ReferenceQuadratureTests {
    @Test func gaussLegendreIsExactForPolynomials() {
        let rule = GaussLegendre.rule(order: 8)
        #expect(abs(rule.weights.reduce(0, +) - 2) < 1e-14)
        // x^14 is integrated exactly by the 8-point rule: 2 / 15.
        let integral = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * pow($1.0, 14) }
        #expect(abs(integral - 2.0 / 15) < 1e-14)
    }

    @Test(arguments: [(1, true), (3, true), (3, false), (5, true), (8, true)])
    func methodsAgree(componentCount: Int, squashed: Bool) {
        for reward in [ReferenceProblems.quadratic, ReferenceProblems.bimodal] {
            let objective = ExactSoftObjective(
                mixture: ReferenceProblems.mixture(componentCount: componentCount, squashed: squashed),
                reward: reward, alpha: 0.2)
            let composite = objective.valueAndGradientComposite()
            let perComponent = objective.valueAndGradientPerComponent()
            let differences = objective.gradientByFiniteDifferences()
            for i in composite.indices {
                #expect(abs(composite[i] - perComponent[i]) < 1e-9, "entry \(i): \(composite[i]) vs \(perComponent[i])")
            }
            for i in differences.indices {
                #expect(abs(composite[i + 1] - differences[i]) < 1e-7, "gradient \(i): \(composite[i + 1]) vs \(differences[i])")
            }
        }
    }
}
