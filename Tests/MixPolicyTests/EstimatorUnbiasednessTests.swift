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

    /// Largest standard error allowed, relative to the largest exact gradient entry: a bias
    /// of 0.45 of that entry on any coordinate cannot hide.
    static let maximumRelativeStandardError = 0.1

    @Test(arguments: [TestReward.quadratic, TestReward.bimodal])
    func meanGradientMatchesExactGradient(reward: TestReward) throws {
        let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 3), reward: reward)
        let reference = harness.referenceLossGradient()
        let scale = reference.map(abs).max() ?? 1
        for (index, estimator) in Self.estimators.enumerated() {
            let summary = SampleSummary(try harness.gradients(estimator, batch: 1024, repetitions: 200, seed: 100 + UInt64(index)))
            for i in reference.indices {
                let error = abs(summary.mean[i] - reference[i])
                #expect(error < 4.5 * summary.standardError[i],
                        "\(estimator) on \(reward), parameter \(i): mean \(summary.mean[i]) vs exact \(reference[i]) (SE \(summary.standardError[i]))")
            }
            let relative = (summary.standardError.max() ?? 0) / scale
            #expect(relative < Self.maximumRelativeStandardError, "\(estimator) on \(reward): too few samples for power (max SE / max |gradient| = \(relative))")
        }
    }

    /// The test has power: an MRP whose weights are (wrongly) held constant, a plausible
    /// implementation bug that biases only the logits, fails the same criterion by far.
    @Test(arguments: [TestReward.quadratic, TestReward.bimodal])
    func criterionRejectsABiasedEstimator(reward: TestReward) throws {
        let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 3), reward: reward)
        let reference = harness.referenceLossGradient()
        let summary = SampleSummary(try harness.gradients(MRPWithConstantWeights(), batch: 1024, repetitions: 100, seed: 5))
        let z = reference.indices.map { abs(summary.mean[$0] - reference[$0]) / summary.standardError[$0] }
        #expect((z.max() ?? 0) > 20, "largest z-score \(z.max() ?? 0)")
        // The means and log-stds, which the bug does not touch, still pass.
        #expect(z[3...].allSatisfy { $0 < 4.5 })
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
        }
    }

    /// Gumbel-softmax is biased, and the criterion sees it (tau = 1).
    @Test func gumbelSoftmaxIsVisiblyBiased() throws {
        for reward in [TestReward.quadratic, TestReward.bimodal] {
            let harness = EstimatorHarness(mixture: ReferenceProblems.mixture(componentCount: 3), reward: reward)
            let reference = harness.referenceLossGradient()
            let summary = SampleSummary(try harness.gradients(GumbelSoftmaxEstimator(temperature: 1), batch: 512, repetitions: 100, seed: 9))
            let z = reference.indices.map { abs(summary.mean[$0] - reference[$0]) / summary.standardError[$0] }
            #expect((z.max() ?? 0) > 10, "Gumbel-softmax on \(reward): largest z-score \(z.max() ?? 0)")
        }
    }
}

/// MRP with a deliberate bug: `stopgrad(w_k)`, so the logits get only the zero-mean
/// gradient through `log pi`. Built from the public distribution API, like any
/// third-party estimator.
struct MRPWithConstantWeights: GradientEstimator {
    var description: String { "MRP with constant weights (deliberately biased)" }
    var isUnbiased: Bool { false }
    func criticEvaluationsPerState(componentCount: Int) -> Int { componentCount }
    func validate(componentCount: Int) throws(EstimatorError) {}

    func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        let b = distribution.stateCount, k = distribution.componentCount
        let u: Variable, logDensity: Variable
        do {
            u = try distribution.mixture.componentSamples(noise: .randomNormal(Shape(b * k, distribution.actionDimension), using: &rng))
            logDensity = try distribution.logDensity(preSquash: u, samplesPerState: k)
        } catch {
            throw .distribution(estimator: description, error)
        }
        let a = distribution.action(preSquash: u)
        let q = critic(tape.gather(states, rows: (0..<(b * k)).map { Int32($0 / k) }), a)
        let perSample = tape.subtract(tape.scale(logDensity, by: alpha), q)
        let weighted = tape.multiply(tape.stopGradient(distribution.mixture.weights), tape.reshape(perSample, to: Shape(b, k)))
        let perState = tape.stopGradient(tape.sum(weighted, axis: 1))
        return ActorLoss(loss: tape.mean(tape.sum(weighted, axis: 1)), logDensity: perState, meanLogDensity: 0,
                         actions: a, preSquash: u, q: q, scoreFunctionTerm: nil)
    }
}
