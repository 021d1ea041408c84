import Foundation
import MixPolicy

/// A reward on 1-D actions, both as a plain function (for the quadrature reference) and
/// as a critic on the tape (for the estimators).
struct TestReward: Sendable, CustomStringConvertible {
    var name: String
    var function: @Sendable (Double) -> Double
    /// Builds `Q(a)` for actions `[n, 1]` on a tape (ignores the states).
    var critic: @Sendable (Variable, Tape<Double>) -> Variable

    var description: String { name }

    static let quadratic = TestReward(name: "quadratic", function: ReferenceProblems.quadratic) { a, tape in
        tape.shift(tape.negate(tape.square(tape.shift(a, by: -0.4))), by: 1)
    }

    static let bimodal = TestReward(name: "bimodal", function: ReferenceProblems.bimodal) { a, tape in
        func bump(_ centre: Double) -> Variable {
            let z = tape.affine(a, scale: 1 / 0.05, shift: -centre / 0.05)
            return tape.scale(tape.exp(tape.scale(tape.square(z), by: -0.5)), by: 1.5)
        }
        return tape.add(bump(-1), bump(1))
    }
}

/// Runs an estimator many times on a state-independent policy built from a reference
/// mixture, through the same code path as SAC, and collects the gradients.
struct EstimatorHarness {
    var mixture: ReferenceMixture
    var reward: TestReward
    var alpha: Double = 0.2

    func makePolicy() -> StateIndependentMixturePolicy<Double> {
        // Reference mixtures are valid by construction (K logits, K means and log-stds, positive scales).
        try! StateIndependentMixturePolicy(logits: mixture.logits, means: mixture.means, logStds: mixture.logStds,
                                           squash: mixture.squash.map { try TanhSquash(scale: [$0.scale], bias: [$0.bias]) })
    }

    /// The exact gradient of the actor loss `-J` (logits, means, log-stds).
    func referenceLossGradient() -> [Double] {
        let v = ExactSoftObjective(mixture: mixture, reward: reward.function, alpha: alpha).valueAndGradientComposite()
        return v.dropFirst().map { -$0 }
    }

    /// `repetitions` gradients of the batch-mean surrogate over `batch` identical states.
    func gradients(_ estimator: some GradientEstimator, batch: Int, repetitions: Int, seed: UInt64) throws -> [[Double]] {
        let policy = makePolicy()
        let tape = Tape<Double>()
        var rng = RandomStream(seed: seed)
        let states = Tensor<Double>.zeros(Shape(batch, 1))
        var out: [[Double]] = []
        out.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            tape.reset()
            let s = tape.input(states)
            let result = try estimator.actorLoss(policy: policy, states: s, critic: { _, a in reward.critic(a, tape) },
                                                 alpha: alpha, on: tape, using: &rng)
            tape.backward(from: result.loss)
            out.append(policy.logits.gradient.scalars + policy.means.gradient.scalars + policy.logStds.gradient.scalars)
        }
        return out
    }
}

/// Per-coordinate sample means and standard errors of the mean.
struct SampleSummary {
    var mean: [Double]
    var variance: [Double]
    var standardError: [Double]

    init(_ samples: [[Double]]) {
        let n = Double(samples.count), p = samples[0].count
        var mean = [Double](repeating: 0, count: p), variance = mean
        for s in samples { for i in 0..<p { mean[i] += s[i] / n } }
        for s in samples { for i in 0..<p { variance[i] += (s[i] - mean[i]) * (s[i] - mean[i]) / (n - 1) } }
        self.mean = mean
        self.variance = variance
        standardError = variance.map { ($0 / n).squareRoot() }
    }
}
