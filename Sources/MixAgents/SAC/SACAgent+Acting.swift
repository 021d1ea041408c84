import MixGraph
import MixPolicy

extension SACAgent {
    /// How the agent picks actions in the environment.
    public enum ActingMode: Sendable, Equatable {
        /// A sample from the policy (exploration during training).
        case explore
        /// The deterministic action of an evaluation mode (DESIGN.md: the most weighted
        /// component's squashed mean by default).
        case evaluate(EvaluationMode)
    }

    /// Actions for a batch of observations (one `[Double]` per environment copy), in the
    /// environment's action box. Draws from `rng` for sampled modes; no gradient, no
    /// effect on training state.
    public func act(_ observations: [[Double]], mode: ActingMode, using rng: inout RandomStream) -> [[Double]] {
        let tape = actingTape
        tape.reset()
        let n = observations.count
        if actingObservations.shape != Shape(n, observationSize) { actingObservations = .zeros(Shape(n, observationSize)) }
        let width = observationSize
        actingObservations.withUnsafeMutablePointer { p in
            for (i, o) in observations.enumerated() {
                precondition(o.count == width, "MixAgents: observation of size \(o.count) for an agent trained on size \(width)")
                for j in 0..<width { p[i * width + j] = Float(o[j]) }
            }
        }
        let states = tape.input(actingObservations)
        let distribution = actor.distribution(states: states, on: tape)
        let selection: ActionSelection
        switch mode {
        case .explore: selection = .stochastic
        case .evaluate(.mostLikely): selection = .mostWeightedComponentMean
        case .evaluate(.sampledComponent): selection = .sampledComponentMean
        case .evaluate(.highestQ): selection = .highestQComponentMean
        case .evaluate(.stochastic): selection = .stochastic
        }
        let actions: Tensor<Float>
        do {
            actions = try distribution.actions(selection, states: states, critic: frozenCritic(on: tape), using: &rng)
        } catch {
            preconditionFailure("MixAgents: action selection with a critic failed: \(error)")
        }
        let d = actionSize
        return actions.withUnsafePointer { p in (0..<n).map { i in (0..<d).map { Double(p[i * d + $0]) } } }
    }
}
