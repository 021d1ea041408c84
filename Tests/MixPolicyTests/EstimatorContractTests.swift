import Foundation
import MixPolicy
import Testing

/// What every estimator promises besides its mean: typed errors for policies it cannot
/// train, one stacked critic batch of the advertised size, and the statistics SAC logs.
@Suite struct EstimatorContractTests {
    static func mixturePolicy(_ k: Int) -> StateIndependentMixturePolicy<Double> {
        policy(ReferenceProblems.mixture(componentCount: k), as: Double.self)
    }

    func loss(_ estimator: some GradientEstimator, componentCount k: Int, batch: Int = 4,
              critic: ((Variable, Variable, Tape<Double>) -> Variable)? = nil) throws -> (ActorLoss<Double>, Tape<Double>) {
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 1)
        let p = Self.mixturePolicy(k)
        let result = try estimator.actorLoss(policy: p, states: tape.input(.zeros(Shape(batch, 1))), critic: { s, a in
            critic?(s, a, tape) ?? tape.negate(tape.square(a))
        }, alpha: 0.2, on: tape, using: &rng)
        return (result, tape)
    }

    @Test func estimatorsRejectPoliciesTheyCannotTrain() {
        #expect(throws: EstimatorError.requiresGaussian(estimator: "RP", componentCount: 3)) { try loss(RPEstimator(), componentCount: 3) }
        #expect(throws: EstimatorError.requiresMixture(estimator: "hybrid", componentCount: 1)) { try loss(HybridEstimator(), componentCount: 1) }
        #expect(throws: EstimatorError.requiresMixture(estimator: "Gumbel-softmax", componentCount: 1)) {
            try loss(GumbelSoftmaxEstimator(), componentCount: 1)
        }
        #expect(throws: EstimatorError.leaveOneOutNeedsTwoSamples(estimator: "LR", samples: 1)) {
            try loss(LREstimator(samples: 1, baseline: .leaveOneOut), componentCount: 3)
        }
        #expect(throws: EstimatorError.leaveOneOutNeedsTwoSamples(estimator: "hybrid", samples: 1)) {
            try loss(HybridEstimator(samples: 1, baseline: .leaveOneOut), componentCount: 3)
        }
        #expect(throws: EstimatorError.invalidSampleCount(estimator: "MRP(M=0)", samples: 0)) { try loss(MRPEstimator(samplesPerComponent: 0), componentCount: 3) }
        #expect(throws: EstimatorError.invalidTemperature(estimator: "Gumbel-softmax", temperature: 0)) {
            try loss(GumbelSoftmaxEstimator(temperature: 0), componentCount: 3)
        }
        // MRP and LR are defined at K = 1 (MRP is then RP; LR the plain score function).
        #expect(throws: Never.self) { try loss(MRPEstimator(), componentCount: 1) }
        #expect(throws: Never.self) { try loss(LREstimator(), componentCount: 1) }
        #expect(EstimatorError.requiresGaussian(estimator: "RP", componentCount: 3).description.contains("K = 3"))
    }

    /// The critic is called exactly once per loss, on the stacked batch the estimator
    /// advertises (`B*K*M` rows for MRP).
    @Test func criticIsCalledOnceOnTheStackedBatch() throws {
        let cases: [(any GradientEstimator, Int)] = [
            (RPEstimator(), 1), (MRPEstimator(), 5), (MRPEstimator(samplesPerComponent: 3), 5),
            (LREstimator(samples: 4, baseline: .leaveOneOut), 5), (HybridEstimator(samples: 2), 5), (GumbelSoftmaxEstimator(), 5),
        ]
        for (estimator, k) in cases {
            var calls: [(Int, Int)] = []
            let (result, tape) = try loss(estimator, componentCount: k, batch: 6) { s, a, tape in
                calls.append((tape.shape(of: s)[0], tape.shape(of: a)[0]))
                return tape.negate(tape.square(a))
            }
            let rows = 6 * estimator.criticEvaluationsPerState(componentCount: k)
            #expect(calls.count == 1 && calls[0] == (rows, rows), "\(estimator): critic calls \(calls), expected one of \(rows) rows")
            #expect(tape.shape(of: result.q) == Shape(rows, 1) && tape.shape(of: result.actions) == Shape(rows, 1))
            #expect(tape.shape(of: result.logDensity) == Shape(6, 1) && tape.shape(of: result.loss).count == 1)
            #expect(result.entropyEstimate == -result.meanLogDensity)
        }
        #expect(MRPEstimator(samplesPerComponent: 2).criticEvaluationsPerState(componentCount: 5) == 10)
        #expect(GumbelSoftmaxEstimator().isUnbiased == false)
        let unbiased: [any GradientEstimator] = [MRPEstimator(), LREstimator(), HybridEstimator(), RPEstimator()]
        #expect(unbiased.filter { !$0.isUnbiased }.isEmpty)
    }

    /// MRP's log-density statistic is `sum_k w_k log pi(a_k)` over its per-component samples.
    @Test func mrpLogDensityIsWeightedOverComponents() throws {
        let k = 4, b = 3
        let (result, tape) = try loss(MRPEstimator(), componentCount: k, batch: b)
        let p = Self.mixturePolicy(k)
        let distribution = p.distribution(states: tape.input(.zeros(Shape(b, 1))), on: tape)
        let logDensity = tape.value(of: try distribution.logDensity(preSquash: result.preSquash, samplesPerState: k))
        let w = tape.value(of: distribution.mixture.weights)
        let statistic = tape.value(of: result.logDensity)
        for s in 0..<b {
            let expected = (0..<k).reduce(0.0) { $0 + w[s, $1] * logDensity[s * k + $1, 0] }
            #expect(abs(statistic[s, 0] - expected) < 1e-12)
        }
        #expect(abs(result.meanLogDensity - statistic.mean()) < 1e-12)
    }

    /// In Float, the MRP loss of a network policy agrees with the same computation in
    /// Double, and K = 5 with d = 6 and a batch of 256 runs without trouble.
    @Test func floatAgreesWithDouble() throws {
        func run<T: TensorScalar>(_: T.Type) throws -> (loss: Double, gradient: [Double]) {
            var rng = RandomStream(seed: 8)
            let p = try MixturePolicyNetwork<T>(stateSize: 11, actionDimension: 6, componentCount: 5, hiddenSizes: [64, 64],
                                            squash: try TanhSquash(lower: [T](repeating: -1, count: 6), upper: [T](repeating: 1, count: 6)),
                                            using: &rng)
            let critic = MLP<T>(inputSize: 17, hiddenSizes: [64], outputSize: 1, using: &rng)
            let states = Tensor<T>.randomNormal(Shape(256, 11), using: &rng)
            let tape = Tape<T>()
            let result = try MRPEstimator().actorLoss(policy: p, states: tape.input(states), critic: { s, a in
                critic(tape.concatenate(s, a, axis: 1), on: tape, frozen: true)
            }, alpha: 0.2, on: tape, using: &rng)
            tape.backward(from: result.loss)
            return (Double(tape.value(of: result.loss).scalar), p.parameters[0].gradient.scalars.map { Double($0) })
        }
        let f = try run(Float.self), d = try run(Double.self)
        #expect(abs(f.loss - d.loss) < 1e-4 * max(1, abs(d.loss)), "Float \(f.loss) vs Double \(d.loss)")
        let scale = d.gradient.map(abs).max() ?? 1
        #expect(zip(f.gradient, d.gradient).allSatisfy { abs($0 - $1) < 1e-3 * scale })
    }

    /// K = 1 is exactly SAC's squashed Gaussian: two heads of width d, and the log-density
    /// of `N(mu, sigma)` minus `log(scale (1 - tanh^2 u))`.
    @Test func oneComponentIsSACsSquashedGaussian() throws {
        var rng = RandomStream(seed: 4)
        let p = try MixturePolicyNetwork<Double>(stateSize: 3, actionDimension: 2, hiddenSizes: [16],
                                             squash: try TanhSquash(scale: [2, 1], bias: [0, 0.5]), using: &rng)
        #expect(p.network.outputSize == 4)
        let tape = Tape<Double>()
        let distribution = p.distribution(states: tape.input(.randomNormal(Shape(5, 3), using: &rng)), on: tape)
        guard let gaussian = distribution.singleComponent else { Issue.record("K = 1 has no single component"); return }
        let (action, u) = gaussian.sample(using: &rng)
        let viaMixture = tape.value(of: try distribution.logDensity(preSquash: u)).scalars
        let viaGaussian = tape.value(of: gaussian.logDensity(preSquash: u)).scalars
        let mu = tape.value(of: gaussian.gaussian.means), logStd = tape.value(of: gaussian.gaussian.logStds)
        let uv = tape.value(of: u), av = tape.value(of: action)
        for b in 0..<5 {
            var expected = 0.0
            for d in 0..<2 {
                let s = exp(logStd[b, d]), z = (uv[b, d] - mu[b, d]) / s
                expected += -0.5 * z * z - log(s) - 0.5 * log(2 * Double.pi) - log([2.0, 1.0][d] * (1 - tanh(uv[b, d]) * tanh(uv[b, d])))
                #expect(abs(av[b, d] - ([2.0, 1.0][d] * tanh(uv[b, d]) + [0, 0.5][d])) < 1e-14)
                #expect(logStd[b, d] >= -5 && logStd[b, d] <= 2)
            }
            #expect(abs(viaMixture[b] - expected) < 1e-10 && abs(viaGaussian[b] - expected) < 1e-10)
        }
    }
}
