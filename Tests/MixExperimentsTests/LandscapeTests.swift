import Foundation
import MixEnvs
import MixExperiments
import Testing

/// `mixrl landscape`'s mathematics: stationary points of `J = E[r(a)] + alpha H(pi)`.
@Suite struct LandscapeTests {
    /// The landscape's refined panel layout gives the same `J` and gradient as the variance
    /// benchmark's uniform fine layout, on narrow and wide policies, on and off the modes.
    @Test func refinedQuadratureAgreesWithTheFineLayout() throws {
        let problem = LandscapeProblem(bandit: .asymmetricBimodal)
        let cases: [MixtureParameters] = [
            MixtureParameters(logits: [0], means: [0.55], logStds: [-3.2]),
            MixtureParameters(logits: [0], means: [0], logStds: [0.4]),
            MixtureParameters(logits: [0.3, 0], means: [-0.6, 0.5], logStds: [-2.5, -1]),
            MixtureParameters(logits: [-1, 0], means: [-1.5, 1.2], logStds: [0.8, -3.5]),
        ]
        for mixture in cases {
            let coarse = problem.objective(mixture, alpha: 0.4).valueAndGradient()
            var fine = try BanditProblem(bandit: .asymmetricBimodal, initialMixture: .explicit(logits: mixture.logits, means: mixture.means, logStds: mixture.logStds),
                                         alpha: 0.4).exactReference(componentCount: mixture.componentCount)
            fine.panelWidth = 0.001
            let reference = fine.valueAndGradient()
            #expect(abs(coarse.value - reference.value) < 1e-11, "\(mixture): J \(coarse.value) vs \(reference.value)")
            for (a, b) in zip(coarse.gradient, reference.gradient) {
                #expect(abs(a - b) < 1e-10, "\(mixture): gradient \(coarse.gradient) vs \(reference.gradient)")
            }
        }
    }
}
