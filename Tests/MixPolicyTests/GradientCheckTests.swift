import Foundation
import MixPolicy
import Testing

/// Each estimator's whole surrogate, through a policy network and a critic network, has
/// the gradient that central finite differences give, in `Double`, for fixed noise (the
/// same seed replays the same draws). Where a surrogate has a stop-gradient learning
/// signal (LR, hybrid), the finite differences hold that signal at its unperturbed value,
/// which is what stop-gradient means.
@Suite struct GradientCheckTests {
    struct Setup {
        let policy: MixturePolicyNetwork<Double>
        let critic: MLP<Double>
        let states: Tensor<Double>
        let tape = Tape<Double>()
        let alpha = 0.3

        init(componentCount: Int, seed: UInt64) {
            var rng = RandomStream(seed: seed)
            // tanh activations keep every function smooth (no ReLU kinks for the differences to straddle).
            // Valid sizes and scales: the initializer cannot throw here.
            policy = try! MixturePolicyNetwork(stateSize: 3, actionDimension: 2, componentCount: componentCount,
                                               hiddenSizes: [8], activation: .tanh,
                                               squash: try TanhSquash(scale: [1.5, 0.5], bias: [0.2, -0.1]), using: &rng)
            critic = MLP(inputSize: 5, hiddenSizes: [8], outputSize: 1, activation: .tanh, using: &rng)
            states = .randomNormal(Shape(4, 3), using: &rng)
        }

        /// The values a surrogate treats as constants (stop-gradient), captured at the
        /// unperturbed parameters.
        struct Frozen {
            var signal: Tensor<Double>
            /// LR's samples (no gradient path through them); nil for reparameterized estimators.
            var preSquash: Tensor<Double>?
        }

        /// The surrogate's value with its stop-gradient parts held at `frozen` (if given),
        /// and the parts it computed itself. Also runs the backward pass.
        func evaluate(_ estimator: some GradientEstimator, seed: UInt64, frozen: Frozen?) throws -> (value: Double, frozen: Frozen?) {
            tape.reset()
            var rng = RandomStream(seed: seed)
            let s = tape.input(states)
            let result = try estimator.actorLoss(
                policy: policy, states: s,
                critic: { s, a in critic(tape.concatenate(s, a, axis: 1), on: tape, frozen: true) },
                alpha: alpha, on: tape, using: &rng)
            tape.backward(from: result.loss)
            var value = tape.value(of: result.loss).scalar
            guard let term = result.scoreFunctionTerm else { return (value, nil) }
            let isLR = estimator is LREstimator
            let own = Frozen(signal: detached(tape.value(of: term.learningSignal)),
                             preSquash: isLR ? detached(tape.value(of: result.preSquash)) : nil)
            if let frozen {
                if let u0 = frozen.preSquash {
                    // LR: mean(log pi_theta(a_0) * signal_0), samples and signal constant.
                    let distribution = policy.distribution(states: s, on: tape)
                    let samples = u0.shape[0] / states.shape[0]
                    let logDensity = tape.value(of: try distribution.logDensity(preSquash: tape.input(u0), samplesPerState: samples))
                    value = (logDensity * frozen.signal).mean()
                } else {
                    // Hybrid: replace the signal by its frozen value in mean(log w_k * signal).
                    let lp = tape.value(of: term.logProbability), signal = tape.value(of: term.learningSignal)
                    value -= (lp * (signal - frozen.signal)).mean()
                }
            }
            return (value, own)
        }
    }

    static let cases: [(any GradientEstimator, Int)] = [
        (RPEstimator(), 1),
        (MRPEstimator(), 3),
        (MRPEstimator(samplesPerComponent: 2), 3),
        (LREstimator(), 3),
        (LREstimator(samples: 3, baseline: .leaveOneOut), 3),
        (HybridEstimator(), 3),
        (HybridEstimator(samples: 3, baseline: .leaveOneOut), 3),
        (GumbelSoftmaxEstimator(temperature: 0.7), 3),
    ]

    @Test(arguments: cases.indices)
    func surrogateGradientMatchesFiniteDifferences(caseIndex: Int) throws {
        let (estimator, k) = Self.cases[caseIndex]
        let setup = Setup(componentCount: k, seed: 11 + UInt64(caseIndex))
        let seed: UInt64 = 2024
        let base = try setup.evaluate(estimator, seed: seed, frozen: nil)
        let analytic = setup.policy.parameters.map { $0.gradient.scalars }
        let h = 1e-5
        var worst = 0.0, checked = 0
        var failures: [String] = []
        for (pi, parameter) in setup.policy.parameters.enumerated() {
            for i in 0..<parameter.value.count {
                let original = parameter.value.withUnsafePointer { $0[i] }
                parameter.value.withUnsafeMutablePointer { $0[i] = original + h }
                let plus = try setup.evaluate(estimator, seed: seed, frozen: base.frozen).value
                parameter.value.withUnsafeMutablePointer { $0[i] = original - h }
                let minus = try setup.evaluate(estimator, seed: seed, frozen: base.frozen).value
                parameter.value.withUnsafeMutablePointer { $0[i] = original }
                let numeric = (plus - minus) / (2 * h)
                let error = abs(numeric - analytic[pi][i]) / max(1, abs(numeric))
                worst = max(worst, error)
                checked += 1
                if error >= 1e-6 { failures.append("\(parameter.name)[\(i)] analytic \(analytic[pi][i]) vs numeric \(numeric)") }
            }
        }
        #expect(failures.isEmpty, "\(estimator): \(failures.count) of \(checked) entries differ, first \(failures.prefix(3))")
        #expect(checked == setup.policy.parameters.scalarCount)
        // The gradient is not trivially zero.
        #expect(analytic.joined().map(abs).max() ?? 0 > 1e-3)
        print("gradient check \(estimator): \(checked) entries, worst relative error \(worst)")
    }
}

/// A copy of a tape value that owns its storage.
func detached(_ t: Tensor<Double>) -> Tensor<Double> { Tensor(shape: t.shape, scalars: t.scalars) }
