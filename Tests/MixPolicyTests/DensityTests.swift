import Foundation
import MixAnalysis
import MixTensor
import MixPolicy
import Testing

/// Evaluates a state-independent policy's log-density at pre-squash points `u` (one per row).
func libraryLogDensity<T: TensorScalar>(_ policy: StateIndependentMixturePolicy<T>, at u: Tensor<T>) -> Tensor<T> {
    let tape = Tape<T>()
    let distribution = policy.distribution(states: tape.input(.zeros(Shape(u.shape[0], 1))), on: tape)
    // The points are built to fit (one per state), so the shape check cannot fail.
    return tape.value(of: try! distribution.logDensity(preSquash: tape.input(u)))
}

func policy<T: TensorScalar>(_ m: ReferenceMixture, as: T.Type = T.self) -> StateIndependentMixturePolicy<T> {
    // Reference mixtures are valid by construction (K logits, K means and log-stds, positive scales).
    try! StateIndependentMixturePolicy(logits: m.logits.map { T($0) }, means: m.means.map { T($0) }, logStds: m.logStds.map { T($0) },
                                       squash: m.squash.map { try TanhSquash(scale: [T($0.scale)], bias: [T($0.bias)]) })
}

@Suite struct DensityTests {
    /// `int pi(a) da = 1` over the action box [-2, 2], integrated in the action variable on a
    /// mesh graded towards the bounds (panel edges `2 tanh(v)`, `v` uniform in [-10, 10]),
    /// 8 Gauss-Legendre points per panel; the test maps each node back with `atanh`.
    @Test(arguments: [2, 3, 5])
    func squashedMixtureDensityIntegratesToOne(componentCount: Int) {
        let mixture = ReferenceProblems.mixture(componentCount: componentCount)
        let rule = GaussLegendre.rule(order: 8)
        let panels = 4000
        var nodes: [Double] = [], weights: [Double] = []
        for p in 0..<panels {
            let lo = 2 * tanh(-10 + 20 * Double(p) / Double(panels)), hi = 2 * tanh(-10 + 20 * Double(p + 1) / Double(panels))
            for (x, w) in zip(rule.nodes, rule.weights) {
                nodes.append(0.5 * (lo + hi) + 0.5 * (hi - lo) * x)
                weights.append(0.5 * (hi - lo) * w)
            }
        }
        let u = Tensor<Double>(shape: Shape(nodes.count, 1), scalars: nodes.map { atanh($0 / 2) })
        let logDensity = libraryLogDensity(policy(mixture, as: Double.self), at: u).scalars
        let total = zip(logDensity, weights).reduce(0.0) { $0 + exp($1.0) * $1.1 }
        #expect(abs(total - 1) < 1e-6, "integral \(total)")
    }

    /// The unsquashed mixture integrates to 1 over `u` (a check of the log-sum-exp alone).
    @Test func unsquashedMixtureDensityIntegratesToOne() {
        let mixture = ReferenceProblems.mixture(componentCount: 4, squashed: false)
        let (lo, hi) = mixture.preSquashSupport
        let rule = GaussLegendre.rule(order: 8)
        let panels = 3000, h = (hi - lo) / Double(panels)
        var nodes: [Double] = [], weights: [Double] = []
        for p in 0..<panels {
            for (x, w) in zip(rule.nodes, rule.weights) {
                nodes.append(lo + (Double(p) + 0.5) * h + 0.5 * h * x)
                weights.append(0.5 * h * w)
            }
        }
        let logDensity = libraryLogDensity(policy(mixture, as: Double.self), at: Tensor(shape: Shape(nodes.count, 1), scalars: nodes)).scalars
        let total = zip(logDensity, weights).reduce(0.0) { $0 + exp($1.0) * $1.1 }
        #expect(abs(total - 1) < 1e-9, "integral \(total)")
    }

    /// 1-D: the library's log-density equals the reference's (which uses a different form of
    /// the tanh Jacobian) at points from the centre to far in the tails.
    @Test(arguments: [true, false])
    func logDensityMatchesReferenceIn1D(squashed: Bool) {
        let mixture = ReferenceProblems.mixture(componentCount: 5, squashed: squashed)
        let points = stride(from: -15.0, through: 15.0, by: 0.37).map { $0 }
        let library = libraryLogDensity(policy(mixture, as: Double.self), at: Tensor(shape: Shape(points.count, 1), scalars: points)).scalars
        for (u, value) in zip(points, library) {
            let reference = mixture.logDensity(preSquash: u)
            #expect(abs(value - reference) <= 1e-12 * max(1, abs(reference)), "u = \(u): \(value) vs \(reference)")
        }
        let float = libraryLogDensity(policy(mixture, as: Float.self), at: Tensor(shape: Shape(points.count, 1), scalars: points.map { Float($0) })).scalars
        for (u, value) in zip(points, float) {
            let reference = mixture.logDensity(preSquash: u)
            #expect(abs(Double(value) - reference) <= 2e-5 * max(1, abs(reference)), "Float, u = \(u): \(value) vs \(reference)")
        }
    }

    /// d = 2, K = 3, per-dimension scale and bias: against a direct product-of-densities
    /// computation with the naive Jacobian `log(scale (1 - tanh^2 u))`.
    @Test func logDensityMatchesDirectComputationIn2D() throws {
        let logits = [0.3, -1.1, 0.7], means = [0.1, -0.4, 1.2, 0.3, -0.9, 0.8], logStds = [-0.3, -1.0, -0.6, 0.2, -1.4, -0.2]
        let scale = [1.5, 0.5], bias = [0.2, -0.1]
        let p = try StateIndependentMixturePolicy<Double>(logits: logits, means: means, logStds: logStds,
                                                      squash: try TanhSquash(scale: scale, bias: bias))
        var rng = RandomStream(seed: 3)
        let n = 200
        let u = Tensor<Double>.randomNormal(Shape(n, 2), standardDeviation: 1.5, using: &rng)
        let library = libraryLogDensity(p, at: u).scalars
        let w = logits.map { exp($0) }, total = w.reduce(0, +)
        for row in 0..<n {
            var density = 0.0
            for k in 0..<3 {
                var product = w[k] / total
                for d in 0..<2 {
                    let s = exp(logStds[2 * k + d]), z = (u[row, d] - means[2 * k + d]) / s
                    product *= exp(-0.5 * z * z) / (s * (2 * Double.pi).squareRoot())
                }
                density += product
            }
            var jacobian = 1.0
            for d in 0..<2 { jacobian *= scale[d] * (1 - tanh(u[row, d]) * tanh(u[row, d])) }
            let direct = log(density / jacobian)
            #expect(abs(library[row] - direct) < 1e-10 * max(1, abs(direct)), "row \(row): \(library[row]) vs \(direct)")
        }
    }

    /// Log-stds at both bounds, pre-squash points whose actions are +-(1 - 1e-7) of the
    /// bound and far beyond (where tanh rounds to 1), weights that underflow: every
    /// log-density, every estimator loss and every gradient stays finite, in Float and Double.
    @Test func extremeInputsStayFinite() throws {
        try checkExtremes(Float.self)
        try checkExtremes(Double.self)
    }

    func checkExtremes<T: TensorScalar>(_: T.Type) throws {
        // Raw log-stds far outside: the smooth bound maps them onto -5 and 2 (up to rounding).
        let p = try StateIndependentMixturePolicy<T>(
            logits: [0, -60, -200], means: [0, 3, -3], logStds: [-40, 40, -40],
            squash: try TanhSquash(scale: [1], bias: [0]), logStdBound: .sac)
        let edge = atanh(1 - 1e-7)
        let points: [Double] = [0, 1e-3, edge, -edge, 9, -9, 20, -20, 100, -100, 3, -3]
        let logDensity = libraryLogDensity(p, at: Tensor(shape: Shape(points.count, 1), scalars: points.map { T($0) })).scalars
        #expect(logDensity.allSatisfy { $0.isFinite }, "\(T.self): \(logDensity)")
        // The density at the near-bound actions agrees with Double to Float precision.
        let reference = ReferenceMixture(logits: [0, -60, -200], means: [0, 3, -3], logStds: [-5, 2, -5], squash: (1, 0))
        #expect(abs(Double(logDensity[2]) - reference.logDensity(preSquash: edge)) < 1e-3 * abs(reference.logDensity(preSquash: edge)))

        let estimators: [any GradientEstimator] = [MRPEstimator(), LREstimator(samples: 2, baseline: .leaveOneOut),
                                                   HybridEstimator(), GumbelSoftmaxEstimator(temperature: 0.1)]
        for estimator in estimators {
            let tape = Tape<T>()
            var rng = RandomStream(seed: 5)
            let states = tape.input(.zeros(Shape(64, 1)))
            let result = try estimator.actorLoss(policy: p, states: states, critic: { _, a in
                tape.negate(tape.square(tape.shift(a, by: T(0.999))))
            }, alpha: 0.2, on: tape, using: &rng)
            tape.backward(from: result.loss)
            #expect(tape.value(of: result.loss).scalar.isFinite, "\(estimator) loss")
            #expect(result.meanLogDensity.isFinite, "\(estimator) log-density")
            for parameter in p.parameters {
                #expect(parameter.gradient.scalars.allSatisfy { $0.isFinite }, "\(T.self) \(estimator): \(parameter.name) gradient \(parameter.gradient)")
            }
        }
    }

    /// The log-std bound is `lo + (hi - lo)(tanh(x) + 1) / 2`: exactly the bounds in the
    /// limit, the midpoint at 0, and smooth (non-zero derivative) everywhere in between.
    @Test func logStdBoundIsSmoothAndTight() {
        let tape = Tape<Double>()
        let x = tape.input(Tensor([-100, -1, 0, 1, 100]), requiresGradient: true)
        let y = LogStdBound.sac.apply(x, on: tape)
        let values = tape.value(of: y).scalars
        #expect(values[0] == -5 && values[4] == 2 && abs(values[2] + 1.5) < 1e-15)
        #expect(abs(values[3] - (-5 + 3.5 * (tanh(1.0) + 1))) < 1e-14)
        tape.backward(from: tape.sum(y))
        #expect(tape.gradient(of: x).scalars[1...3].allSatisfy { $0 > 0 })
    }
}
