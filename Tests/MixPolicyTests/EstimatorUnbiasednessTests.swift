import Foundation
import MixPolicy
import Testing

/// The mean gradient of every unbiased estimator equals the exact gradient of the actor
/// loss, for every logit, mean and log-std, on a quadratic critic and on the bimodal
/// bandit (K = 3 squashed components, scale 2). Seeded; the tolerance is 4.5 standard
/// errors of the mean per coordinate, and the standard errors are required to be small
/// against the gradient so that the test would see a real bias.
@Suite struct EstimatorUnbiasednessTests {
    static let estimators: [any GradientEstimator] = [
        MRPEstimator(),
        MRPEstimator(samplesPerComponent: 2),
        LREstimator(),
        LREstimator(samples: 4, baseline: .leaveOneOut),
        HybridEstimator(),
        HybridEstimator(samples: 4, baseline: .leaveOneOut),
    ]

    @Test(arguments: [TestReward.quadratic, TestReward.bimodal])
    func meanGradientMatchesExactGradient(reward: TestReward) throws {
        let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 3), reward: reward)
        let reference = harness.referenceLossGradient()
        let scale = reference.map(abs).max() ?? 1
        for (index, estimator) in Self.estimators.enumerated() {
            let samples = try harness.gradients(estimator, batch: 512, repetitions: 200, seed: 100 + UInt64(index))
            let summary = SampleSummary(samples)
            for i in reference.indices {
                let error = abs(summary.mean[i] - reference[i])
                #expect(error < 4.5 * summary.standardError[i],
                        "\(estimator) on \(reward), parameter \(i): mean \(summary.mean[i]) vs exact \(reference[i]) (SE \(summary.standardError[i]))")
            }
            print("\(estimator) \(reward): max SE / max |grad| = \((summary.standardError.max() ?? 0) / scale)")
            print("  ref  ", reference.map { String(format: "%.4f", $0) }.joined(separator: " "))
            print("  mean ", summary.mean.map { String(format: "%.4f", $0) }.joined(separator: " "))
            print("  SE   ", summary.standardError.map { String(format: "%.4f", $0) }.joined(separator: " "))
        }
    }

    @Test func rpMatchesExactGradientForAGaussian() throws {
        for reward in [TestReward.quadratic, TestReward.bimodal] {
            let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 1), reward: reward)
            let reference = harness.referenceLossGradient()
            let summary = SampleSummary(try harness.gradients(RPEstimator(), batch: 512, repetitions: 200, seed: 7))
            // The logit of a one-component mixture has no effect: its gradient is exactly zero.
            #expect(summary.mean[0] == 0 && abs(reference[0]) < 1e-12)
            for i in 1..<reference.count {
                #expect(abs(summary.mean[i] - reference[i]) < 4.5 * summary.standardError[i],
                        "RP on \(reward), parameter \(i): \(summary.mean[i]) vs \(reference[i]) (SE \(summary.standardError[i]))")
            }
            print("RP \(reward): ref \(reference) mean \(summary.mean) SE \(summary.standardError)")
        }
    }

    @Test func gumbelSoftmaxIsVisiblyBiased() throws {
        for reward in [TestReward.quadratic, TestReward.bimodal] {
            let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 3), reward: reward)
            let reference = harness.referenceLossGradient()
            let summary = SampleSummary(try harness.gradients(GumbelSoftmaxEstimator(temperature: 1), batch: 512, repetitions: 100, seed: 9))
            let z = reference.indices.map { abs(summary.mean[$0] - reference[$0]) / summary.standardError[$0] }
            print("Gumbel \(reward): z-scores \(z.map { String(format: "%.1f", $0) })")
        }
    }
}
