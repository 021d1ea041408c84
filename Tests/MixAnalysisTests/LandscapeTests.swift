import Foundation
import MixEnvs
import MixAnalysis
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

extension LandscapeTests {
    /// The analytic Hessian of the quadrature agrees with central differences of the exact
    /// gradient, for a Gaussian and a two-component mixture.
    @Test func analyticHessianMatchesDifferencesOfTheGradient() throws {
        let problem = LandscapeProblem(bandit: .asymmetricBimodal)
        for mixture in [MixtureParameters(logits: [0], means: [0.5], logStds: [-2.8]),
                        MixtureParameters(logits: [0.4, 0], means: [-0.5, 0.6], logStds: [-2.6, -1.2])] {
            let search = StationaryPointSearch(problem: problem, alpha: 0.3, componentCount: mixture.componentCount)
            let theta = mixture.free
            let analytic = search.evaluate(theta).hessian, differences = search.differenceHessian(theta)
            let scale = analytic.flatMap { $0 }.map(abs).max() ?? 1
            for (rowA, rowD) in zip(analytic, differences) {
                for (a, d) in zip(rowA, rowD) {
                    #expect(abs(a - d) < 1e-6 * scale, "analytic \(a) vs differences \(d) (scale \(scale))")
                }
            }
        }
    }

    /// A quadratic reward `-s (a - c)^2` with an unsquashed Gaussian has one stationary
    /// point, a maximum at `mu = c`, `sigma^2 = alpha / (2 s)`, with
    /// `J = -alpha / 2 + alpha / 2 log(2 pi e sigma^2)`; the search finds it from every start.
    @Test func quadraticRewardHasTheClosedFormMaximum() throws {
        let c = 0.3, s = 2.0, alpha = 0.5
        let problem = LandscapeProblem.quadratic(center: c, curvature: s)
        let search = StationaryPointSearch(problem: problem, alpha: alpha, componentCount: 1)
        let points = try search.stationaryPoints(from: LandscapeScan.starts(for: problem, componentCount: 1), window: 3)
        #expect(points.count == 1)
        let p = try #require(points.first)
        let variance = alpha / (2 * s)
        #expect(p.kind == .maximum)
        #expect(abs(p.mixture.means[0] - c) < 1e-8)
        #expect(abs(p.mixture.logStds[0] - 0.5 * log(variance)) < 1e-8)
        #expect(abs(p.value - (-s * variance + 0.5 * alpha * log(2 * Double.pi * exp(1) * variance))) < 1e-10)
        #expect(p.starts == 9)  // every fresh start's ascent ends there
    }

    /// On one bump (unsquashed), below the threshold, a Gaussian centred on the bump has
    /// two stationary widths, the roots of `alpha = h t^2 / (1 + t^2)^(3/2)` (`t = sigma /
    /// width`): the narrow one a maximum, the wide one (`t > sqrt 2`) a saddle (`J` falls
    /// as the mean moves off the bump but rises with `sigma`). Plain Newton finds the saddle
    /// and classifies it; an ascent from just below its width goes down to the maximum
    /// (from above it, `sigma` would grow without bound: unsquashed, `alpha log sigma` is unbounded).
    @Test func wideRootOnABumpIsASaddle() throws {
        let h = 1.5, w = 0.05, c = 0.4, alpha = 0.4
        var lo = 2.0.squareRoot(), hi = 100.0  // h t^2 / (1 + t^2)^(3/2) decreases here
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if h * mid * mid / pow(1 + mid * mid, 1.5) > alpha { lo = mid } else { hi = mid }
        }
        let t = 0.5 * (lo + hi)
        let search = StationaryPointSearch(problem: .unsquashedBump(center: c, height: h, width: w), alpha: alpha, componentCount: 1)
        let end = try search.solve(from: [c + 0.01, log(1.15 * t * w)])
        #expect(end.converged)
        let saddle = try search.classify(end.theta, window: 3)
        #expect(saddle.kind == .saddle)
        #expect(abs(saddle.mixture.means[0] - c) < 1e-8)
        #expect(abs(saddle.mixture.logStds[0] - log(t * w)) < 1e-7)
        #expect(saddle.eigenvalues.first ?? 0 < 0 && saddle.eigenvalues.last ?? 0 > 0)
        let up = try search.ascend(from: [c + 0.01, log(0.85 * t * w)])
        let maximum = try search.classify(up.theta, window: 3)
        #expect(up.converged && maximum.kind == .maximum && maximum.value > saddle.value)
        #expect(exp(maximum.mixture.logStds[0]) < 2.0.squareRoot() * w)
    }

    /// The Gaussian's on-mode maximum on one bump (unsquashed) ends at exactly
    /// alpha = 2 h / 3^(3/2); the scan's bisection brackets it.
    @Test func bumpThresholdMatchesTheClosedForm() throws {
        let height = 1.5
        let problem = LandscapeProblem.unsquashedBump(center: 0.4, height: height, width: 0.05)
        let request = LandscapeRequest(problems: [problem], componentCounts: [1], alphaMin: 0.3, alphaMax: 0.9, alphaCount: 3, bisectionSteps: 14)
        let result = try LandscapeScan(request).run()
        let bound = try #require(result.branch("bump", componentCount: 1)?.lastMaximum[CoveragePattern([0])])
        let exact = 2 * height / pow(3, 1.5)
        let upper = try #require(bound.firstMissing)
        #expect(bound.lastFound <= exact + 1e-6 && exact <= upper + 1e-6, "bracket [\(bound.lastFound), \(upper)] vs \(exact)")
        #expect(upper - bound.lastFound < 1e-4)
    }

    /// Bad requests are refused with the option named and what it accepts.
    @Test func badRequestsNameTheOption() throws {
        func rejection(_ r: LandscapeRequest) -> String? {
            do { try r.validate(); return nil } catch { return error.description }
        }
        #expect(rejection(LandscapeRequest(alphaMin: 2, alphaMax: 1))?.contains("--alpha-min: the range is reversed") == true)
        #expect(rejection(LandscapeRequest(componentCounts: [0]))?.hasPrefix("--components: K must be between 1 and 4") == true)
        #expect(rejection(LandscapeRequest(alphaMin: -1))?.hasPrefix("--alpha-min") == true)
        #expect(rejection(LandscapeRequest(coverageThreshold: 1.5))?.hasPrefix("--coverage") == true)
        #expect(rejection(LandscapeRequest(alphaCount: 1))?.hasPrefix("--alpha-count") == true)
        #expect(rejection(LandscapeRequest()) == nil)
        #expect(throws: LandscapeError.unknownBandit("symetric-bimodal", known: BanditName.allCases.map(\.rawValue), suggestion: "symmetric-bimodal")) {
            try LandscapeProblem.banditName(parsing: "symetric-bimodal")
        }
        #expect(try LandscapeProblem.banditName(parsing: "AsymmetricBimodalBandit-v0") == .asymmetricBimodal)
    }
}
