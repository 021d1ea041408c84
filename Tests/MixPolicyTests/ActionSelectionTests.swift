import Foundation
import MixPolicy
import Testing

@Suite struct ActionSelectionTests {
    let policy: StateIndependentMixturePolicy<Double>

    init() throws {
        policy = try StateIndependentMixturePolicy<Double>(logits: [0, 2, 1], means: [-1, 0.5, 1], logStds: [-1, -1, -1],
                                                           squash: try TanhSquash(scale: [2], bias: [0]))
    }

    func distribution(_ tape: Tape<Double>, batch: Int = 3) -> (SquashedGaussianMixture<Double>, Variable) {
        let states = tape.input(.zeros(Shape(batch, 1)))
        return (policy.distribution(states: states, on: tape), states)
    }

    @Test func mostWeightedComponentMean() throws {
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 0)
        let actions = try distribution(tape).0.actions(.mostWeightedComponentMean, using: &rng)
        #expect(actions.shape == Shape(3, 1) && actions.scalars.allSatisfy { abs($0 - 2 * tanh(0.5)) < 1e-15 })
    }

    @Test func highestQComponentMean() throws {
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 0)
        let (d, states) = distribution(tape)
        // Q peaks at a = 1.8, nearest to the squashed mean 2 tanh(1) = 1.52 of component 2.
        let actions = try d.actions(.highestQComponentMean, states: states, critic: { _, a in
            tape.negate(tape.square(tape.shift(a, by: -1.8)))
        }, using: &rng)
        #expect(actions.scalars.allSatisfy { abs($0 - 2 * tanh(1.0)) < 1e-15 })
        #expect(throws: ActionSelectionError.criticRequired) { try d.actions(.highestQComponentMean, using: &rng) }
    }

    @Test func sampledComponentMeanFollowsTheWeights() throws {
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 1)
        let n = 6000
        let actions = try distribution(tape, batch: n).0.actions(.sampledComponentMean, using: &rng).scalars
        let w = [exp(0.0), exp(2.0), exp(1.0)].map { $0 / (exp(0.0) + exp(2.0) + exp(1.0)) }
        for (k, mean) in [-1.0, 0.5, 1].enumerated() {
            let frequency = Double(actions.filter { abs($0 - 2 * tanh(mean)) < 1e-12 }.count) / Double(n)
            #expect(abs(frequency - w[k]) < 4.5 * (w[k] * (1 - w[k]) / Double(n)).squareRoot(), "component \(k): \(frequency) vs \(w[k])")
        }
    }

    @Test func stochasticActionsStayInTheBox() throws {
        let tape = Tape<Double>()
        var rng = RandomStream(seed: 2)
        let actions = try distribution(tape, batch: 1000).0.actions(.stochastic, using: &rng)
        #expect(actions.shape == Shape(1000, 1) && actions.scalars.allSatisfy { abs($0) < 2 })
        #expect(Set(actions.scalars).count > 990)
    }
}
