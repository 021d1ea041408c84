import Foundation
import MixRL
import Testing

/// The library's public entry points reject a caller's shapes and bounds with typed errors
/// that name them (they used to trap, with the message stripped in release builds), and
/// every built-in estimator refuses a critic that does not give one value per action row.
@Suite struct LibraryContractTests {
    @Test func versionIsSemantic() {
        let parts = mixRLVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "\(mixRLVersion)")
    }

    @Test func squashRejectsBoundsThatAreNotABox() {
        #expect(throws: DistributionError.self) { try TanhSquash<Float>(scale: [1], bias: [0, 1]) }
        do {
            _ = try TanhSquash<Double>(lower: [-1, 2], upper: [1, 2])
            Issue.record("an empty box was accepted")
        } catch {
            #expect(error.description.contains("lower < upper") && error.description.contains("[-1.0, 2.0]"), "\(error)")
        }
        #expect(throws: DistributionError.self) { try TanhSquash<Double>(scale: [0], bias: [0]) }
        #expect(throws: DistributionError.self) { try LogStdBound(lower: 2, upper: -5) }
    }

    @Test func mixtureRejectsShapesThatDoNotFit() throws {
        let tape = Tape<Double>()
        do {
            _ = try GaussianMixture(means: tape.input(.zeros(Shape(4, 6))), logStds: tape.input(.zeros(Shape(4, 6))),
                                    logits: tape.input(.zeros(Shape(3, 2))), on: tape)
            Issue.record("logits for 3 states were accepted for 4")
        } catch {
            #expect(error.description.contains("[4, 6]") && error.description.contains("[3, 2]"), "\(error)")
        }
        let mixture = try GaussianMixture(means: tape.input(.zeros(Shape(4, 6))), logStds: tape.input(.zeros(Shape(4, 6))),
                                          logits: tape.input(.zeros(Shape(4, 2))), on: tape)
        let squashed = try SquashedGaussianMixture(mixture: mixture, squash: try TanhSquash(lower: [-1, -1, -1], upper: [1, 1, 1]))
        do {
            _ = try squashed.logDensity(preSquash: tape.input(.zeros(Shape(8, 3))), samplesPerState: 3)
            Issue.record("8 points were accepted as 3 per state of 4 states")
        } catch {
            #expect(error == .shapeMismatch(operation: "SquashedGaussianMixture.logDensity",
                                            expected: "pre-squash points [4 * 3, 3] (3 per state of 4 states, dimension 3)", got: "[8, 3]"))
        }
        #expect(throws: DistributionError.self) { try mixture.componentSamples(noise: Tensor<Double>.zeros(Shape(4, 3))) }
        #expect(throws: DistributionError.self) { try mixture.samples(components: [0, 1, 2, 0], noise: Tensor<Double>.zeros(Shape(4, 3))) }
        #expect(throws: DistributionError.self) { try squashed.componentMeanActions([0, 1]) }
        #expect(throws: DistributionError.self) {
            try SquashedGaussianMixture(mixture: mixture, squash: try TanhSquash(lower: [-1], upper: [1]))
        }
        #expect(throws: DistributionError.self) {
            try StateIndependentMixturePolicy<Double>(logits: [0, 0], means: [0, 0, 0], logStds: [0, 0, 0], squash: nil)
        }
    }

    /// Every registered estimator, given a critic that answers one row for the whole batch
    /// (which would broadcast), throws naming both shapes; and wrong-sized states throw too.
    @Test(arguments: EstimatorRegistry.builtIn.map(\.name))
    func estimatorsRejectACriticOfTheWrongShape(name: String) throws {
        let registration = try #require(EstimatorRegistry.named(name))
        let k = registration.applicability == .gaussian ? 1 : 3, b = 4
        let estimator = registration.make(.init(samples: 2, baseline: registration.defaultBaseline))
        var rng = RandomStream(seed: 3)
        let policy = try StateIndependentMixturePolicy<Double>(
            logits: [Double](repeating: 0, count: k), means: (0..<k).map { Double($0) - 1 },
            logStds: [Double](repeating: -1, count: k), squash: try TanhSquash(scale: [2], bias: [0]))
        let tape = Tape<Double>()
        let states = tape.input(.zeros(Shape(b, 1)))
        let oneRow: CriticFunction = { _, a in tape.sum(tape.sum(a, axis: 0), axis: 1) }
        do {
            _ = try estimator.actorLoss(policy: policy, states: states, critic: oneRow, alpha: 0.2, on: tape, using: &rng)
            Issue.record("\(name) accepted a critic that returns one row")
        } catch {
            guard case let .shapeMismatch(_, input, _, got) = error else { Issue.record("\(name): \(error)"); return }
            #expect(input == "critic's values" && got == Shape(1, 1), "\(error)")
            #expect(error.description.contains("[1, 1]"), "\(error)")
        }
        tape.reset()
        let fine: CriticFunction = { _, a in tape.sum(a, axis: 1) }
        let distribution = policy.distribution(states: tape.input(.zeros(Shape(b, 1))), on: tape)
        #expect(throws: EstimatorError.self) {
            try estimator.actorLoss(distribution: distribution, states: tape.input(.zeros(Shape(b + 1, 1))), critic: fine,
                                    alpha: 0.2, on: tape, using: &rng)
        }
        // The same estimator with a critic of the right shape builds its loss.
        _ = try estimator.actorLoss(distribution: distribution, states: tape.input(.zeros(Shape(b, 1))), critic: fine,
                                    alpha: 0.2, on: tape, using: &rng)
    }
}
