import MixEnvs
import MixGraph
import MixPolicy
import MixTensor

extension SACAgent {
    /// How the agent picks actions in the environment.
    public enum ActingMode: Sendable, Equatable {
        /// A sample from the policy (exploration during training).
        case explore
        /// The deterministic action of an evaluation mode (docs/architecture.md: the most weighted
        /// component's squashed mean by default).
        case evaluate(EvaluationMode)
    }

    /// Actions for a batch of observations (one `[Double]` per environment copy), in the
    /// environment's action box. Draws from `rng` for sampled modes; no gradient, no
    /// effect on training state. Cost: one actor forward pass on `observations.count`
    /// rows (plus a critic pass for ``EvaluationMode/highestQ``).
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` if an
    ///   observation's length is not ``observationSize``.
    public func act(batch observations: [[Double]], mode: ActingMode, using rng: inout RandomStream) throws(TrainingError) -> [[Double]] {
        let width = observationSize
        for o in observations where o.count != width {
            throw .observationSize(expected: width, got: o.count, environment: nil)
        }
        let tape = actingTape
        tape.reset()
        let n = observations.count
        if actingObservations.shape != Shape(n, observationSize) { actingObservations = .zeros(Shape(n, observationSize)) }
        actingObservations.withUnsafeMutablePointer { p in
            for (i, o) in observations.enumerated() {
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
            // Unreachable: the states and the critic that selections may need are given.
            throw .mismatch("action selection failed: \(error)")
        }
        let d = actionSize
        return actions.withUnsafePointer { p in (0..<n).map { i in (0..<d).map { Double(p[i * d + $0]) } } }
    }

    /// The action for one observation, in the environment's action box; see
    /// ``act(batch:mode:using:)``.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` if the
    ///   observation's length is not ``observationSize``.
    public func act(_ observation: [Double], mode: ActingMode, using rng: inout RandomStream) throws(TrainingError) -> [Double] {
        try act(batch: [observation], mode: mode, using: &rng)[0]
    }

    /// The action an evaluation in `mode` takes for `observation`: by default the mean of
    /// the most weighted component, squashed into the action box — deterministic, no
    /// random stream needed. The sampling modes (``EvaluationMode/sampledComponent``,
    /// ``EvaluationMode/stochastic``) draw from a stream of the agent's own, seeded from
    /// the configuration and independent of training; pass a stream to
    /// ``act(_:mode:using:)`` to control them.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` if the
    ///   observation's length is not ``observationSize``.
    public func action(for observation: [Double], mode: EvaluationMode = .mostLikely) throws(TrainingError) -> [Double] {
        try act(observation, mode: .evaluate(mode), using: &convenienceStream)
    }

    /// The policy's exact probability mass near each of `modes` at `observation`: for
    /// mode `i`, the probability that the action falls in its box (``/MixEnvs/ActionMode``,
    /// cut to the action box), from the mixture's weights, means and standard deviations
    /// through the tanh squash (no sampling, no random numbers, no effect on training
    /// state). Cost: one actor forward pass on one row.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` if the
    ///   observation's length is not ``observationSize``; ``TrainingError/mismatch(_:)`` if
    ///   a mode's dimension is not the action dimension.
    package func modeMasses(at observation: [Double], modes: [ActionMode]) throws(TrainingError) -> [Double] {
        guard observation.count == observationSize else {
            throw .observationSize(expected: observationSize, got: observation.count, environment: nil)
        }
        let space = BoxSpace(low: actionLow, high: actionHigh)
        for mode in modes where mode.center.count != actionSize || mode.halfWidth.count != actionSize {
            throw .mismatch("a mode at \(mode.center) (half-width \(mode.halfWidth)) for actions of dimension \(actionSize)")
        }
        let tape = actingTape
        tape.reset()
        if actingObservations.shape != Shape(1, observationSize) { actingObservations = .zeros(Shape(1, observationSize)) }
        actingObservations.withUnsafeMutablePointer { p in
            for j in 0..<observationSize { p[j] = Float(observation[j]) }
        }
        let distribution = actor.distribution(states: tape.input(actingObservations), on: tape)
        return modes.map { mode in
            let box = mode.region(in: space)
            return distribution.probability(ofBoxFrom: box.low, to: box.high, state: 0)
        }
    }

    /// Throws unless `environment` has this agent's observation size and action box.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` or
    ///   ``TrainingError/actionSpace(expectedLow:expectedHigh:got:environment:)``.
    public func checkCompatible(with environment: some Environment) throws(TrainingError) {
        let observations = environment.observationSpace.dimension
        guard observations == observationSize else {
            throw .observationSize(expected: observationSize, got: observations, environment: environment.id)
        }
        let actions = environment.actionSpace
        guard actions.low == actionLow, actions.high == actionHigh else {
            throw .actionSpace(expectedLow: actionLow, expectedHigh: actionHigh, got: actions, environment: environment.id)
        }
    }

    /// Runs `episodes` episodes on `environment` with the deterministic action of `mode`
    /// and returns each episode's total reward. Episode `i` resets with a seed drawn from
    /// `seed`, so the result is reproducible. The environment must end its episodes
    /// (terminate, or truncate through a ``/MixEnvs/TimeLimit``); an episode longer than
    /// `maxEpisodeSteps` (default: the environment's own limit, else one million) is an
    /// error rather than an endless loop.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` or
    ///   ``TrainingError/actionSpace(expectedLow:expectedHigh:got:environment:)`` before
    ///   any step if the environment does not fit the agent;
    ///   ``TrainingError/environment(_:)`` if it fails.
    public func evaluate<E: Environment>(on environment: inout E, episodes: Int, mode: EvaluationMode = .mostLikely,
                                         seed: UInt64 = 0, maxEpisodeSteps: Int? = nil) throws(TrainingError) -> [Double] {
        let limit = maxEpisodeSteps ?? environment.maxEpisodeSteps ?? 1_000_000
        try checkCompatible(with: environment)
        guard episodes >= 1 else {
            throw .configuration(ConfigurationProblem(key: "episodes", message: "must be at least 1, found \(episodes)"))
        }
        var rng = RandomStream(seed: seed)
        var returns: [Double] = []
        returns.reserveCapacity(episodes)
        for _ in 0..<episodes {
            returns.append(try runEpisode(on: &environment, mode: mode, maxSteps: limit, using: &rng).total)
        }
        return returns
    }

    /// One evaluation episode: resets `environment` with a seed drawn from `rng`, then
    /// acts with `mode` (drawing from `rng` where the mode samples) until the episode
    /// ends. Returns the total reward and the largest `info["success"]`, if the task
    /// reports one. Shared by ``evaluate(on:episodes:mode:seed:maxEpisodeSteps:)`` and
    /// the trainer's evaluations, so both act identically.
    package func runEpisode<E: Environment>(on environment: inout E, mode: EvaluationMode, maxSteps: Int,
                                            using rng: inout RandomStream) throws(TrainingError) -> (total: Double, success: Double?) {
        var total = 0.0, success: Double?
        do {
            var observation = try environment.reset(seed: rng.next() >> 1)
            for step in 1... {
                guard step <= maxSteps else {
                    throw TrainingError.mismatch("an evaluation episode on \(environment.id) did not end within \(maxSteps) steps (wrap the environment in a TimeLimit)")
                }
                let result = try environment.step(try act(observation, mode: .evaluate(mode), using: &rng))
                total += result.reward
                if let s = result.info["success"] { success = max(success ?? 0, s) }
                observation = result.observation
                if result.isLast { break }
            }
        } catch let error as TrainingError {
            throw error
        } catch let error as EnvironmentError {
            throw .environment(error)
        } catch {
            throw .mismatch("\(error)")
        }
        return (total, success)
    }
}
