import Foundation
import MixPolicy
import Testing

@Suite struct EntropyTests {
    /// The Gaussian entropy is exact: `sum_d log sigma_d + d/2 (1 + log 2 pi)`.
    @Test func gaussianEntropyIsExact() throws {
        let tape = Tape<Double>()
        let logStds = Tensor<Double>(rows: [[-1, 0.5, 0], [2, -5, 0.1]])
        let gaussian = try DiagonalGaussian(means: tape.input(.zeros(Shape(2, 3))), logStds: tape.input(logStds), on: tape)
        let h = tape.value(of: gaussian.entropy()).scalars
        #expect(abs(h[0] - (-0.5 + 1.5 * (1 + log(2 * Double.pi)))) < 1e-14)
        #expect(abs(h[1] - (-2.9 + 1.5 * (1 + log(2 * Double.pi)))) < 1e-14)
    }

    /// The sampled entropy estimates of the squashed mixture (K = 3) and of the squashed
    /// Gaussian (K = 1) are unbiased: their means match `-E[log pi]` by quadrature.
    @Test(arguments: [1, 3])
    func sampledEntropyMatchesQuadrature(componentCount: Int) {
        let mixture = ReferenceProblems.mixture(componentCount: componentCount)
        let exact = ExactSoftObjective(mixture: mixture, reward: { _ in 0 }, alpha: 1).value()
        let p = policy(mixture, as: Double.self)
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 17)
        var estimates: [[Double]] = []
        for _ in 0..<50 {
            tape.reset()
            let distribution = p.distribution(states: tape.input(.zeros(Shape(1000, 1))), on: tape)
            let h: Variable
            if componentCount == 1, let gaussian = distribution.singleComponent {
                h = gaussian.entropyEstimate(using: &rng)
            } else {
                h = distribution.entropyEstimate(using: &rng)
            }
            estimates.append([tape.value(of: h).mean()])
        }
        let summary = SampleSummary(estimates)
        #expect(abs(summary.mean[0] - exact) < 4.5 * summary.standardError[0],
                "K = \(componentCount): estimate \(summary.mean[0]) (SE \(summary.standardError[0])) vs exact \(exact)")
    }
}
