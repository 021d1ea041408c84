import MixTensor

/// How a policy turns its distribution into an action outside training (docs/architecture.md:
/// evaluation acts with the mean of the most weighted component).
public enum ActionSelection: String, Sendable, Hashable, CaseIterable, Codable {
    /// `scale * tanh(mu_k*) + bias` for the component `k*` with the largest weight.
    case mostWeightedComponentMean
    /// The squashed mean of a component drawn from the weights.
    case sampledComponentMean
    /// The squashed mean of the component whose mean action the critic rates highest
    /// (K critic evaluations per state).
    case highestQComponentMean
    /// A sample from the policy.
    case stochastic
}

/// A failure to select actions.
public enum ActionSelectionError: Error, Equatable, CustomStringConvertible {
    /// ``ActionSelection/highestQComponentMean`` was asked for without a critic and states.
    case criticRequired
    /// The states or the critic's values do not fit the distribution.
    case invalidInput(DistributionError)

    /// The problem in words.
    public var description: String {
        switch self {
        case .criticRequired: "highest-Q action selection needs the critic and the states"
        case .invalidInput(let error): "action selection: \(error)"
        }
    }
}

extension SquashedGaussianMixture {
    /// The actions, `[B, d]`, chosen by `selection`. `states` (the `[B, s]` tape value the
    /// distribution was computed from) and `critic` are needed only by
    /// ``ActionSelection/highestQComponentMean``. No gradient; reads the tape's values.
    public func actions(
        _ selection: ActionSelection, states: Variable? = nil, critic: CriticFunction? = nil,
        using rng: inout RandomStream
    ) throws(ActionSelectionError) -> Tensor<Scalar> {
        switch selection {
        case .mostWeightedComponentMean:
            return meanActions(mixture.mostWeightedComponents())
        case .sampledComponentMean:
            return meanActions(mixture.drawComponents(using: &rng))
        case .highestQComponentMean:
            guard let states, let critic else { throw .criticRequired }
            do { return try highestQComponentMeanActions(states: states, critic: critic) } catch { throw .invalidInput(error) }
        case .stochastic:
            return tape.value(of: sample(using: &rng).action)
        }
    }

    /// The squashed means of the given components, one per state, `[B, d]`.
    ///
    /// - Throws: ``DistributionError`` unless there is one component per state, each in `0 ..< K`.
    public func componentMeanActions(_ components: [Int32]) throws(DistributionError) -> Tensor<Scalar> {
        guard components.count == stateCount else {
            throw .shapeMismatch(operation: "SquashedGaussianMixture.componentMeanActions", expected: "one component per state (\(stateCount))",
                                 got: "\(components.count) components")
        }
        if let bad = components.first(where: { $0 < 0 || Int($0) >= componentCount }) {
            throw .invalidValue(operation: "SquashedGaussianMixture.componentMeanActions", message: "component \(bad) is outside 0..<\(componentCount)")
        }
        return meanActions(components)
    }

    /// ``componentMeanActions(_:)`` for components the caller chose (one per state, in range).
    package func meanActions(_ components: [Int32]) -> Tensor<Scalar> {
        require(components.count == stateCount, "MixPolicy: \(components.count) components for \(stateCount) states")
        let rows = components.enumerated().map { b, k in b * componentCount + Int(k) }
        let u = tape.value(of: mixture.componentMeans).gathering(rows: rows)
        return squash.map { $0.action(preSquash: u) } ?? u
    }

    /// The squashed mean of the component whose mean action has the highest `critic`
    /// value, per state (`[B, d]`). Evaluates the critic once on the stacked `[B*K, d]`
    /// component means.
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` unless
    ///   `states` has one row per state and the critic returns one value per row, `[B*K, 1]`.
    public func highestQComponentMeanActions(states: Variable, critic: CriticFunction) throws(DistributionError) -> Tensor<Scalar> {
        let k = componentCount
        guard tape.shape(of: states).rank == 2, tape.shape(of: states)[0] == stateCount else {
            throw .shapeMismatch(operation: "SquashedGaussianMixture.highestQComponentMeanActions",
                                 expected: "states [\(stateCount), s]", got: "states \(tape.shape(of: states))")
        }
        let stateRows = tape.repeatingRows(states, times: k)
        let values = critic(stateRows, action(preSquash: mixture.componentMeans))
        guard tape.shape(of: values) == Shape(stateCount * k, 1) else {
            throw .shapeMismatch(operation: "SquashedGaussianMixture.highestQComponentMeanActions",
                                 expected: "critic values [\(stateCount * k), 1] (one per state and component)", got: "\(tape.shape(of: values))")
        }
        let q = tape.value(of: values)
        let best: [Int32] = q.withUnsafePointer { p in
            (0..<stateCount).map { b in
                var j = 0
                for c in 1..<max(k, 1) where p[b * k + c] > p[b * k + j] { j = c }
                return Int32(j)
            }
        }
        return meanActions(best)
    }
}
