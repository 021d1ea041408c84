import MixGraph
import MixPolicy

/// Soft Actor-Critic (Haarnoja et al., 2018) with a Gaussian or Gaussian-mixture actor.
///
/// Read top to bottom: the networks, then ``update(batch:)`` — the critic step, the actor
/// step with the configured gradient estimator, the temperature step, the target-network
/// average. An update reads a batch and changes the agent's parameters, optimizer moments,
/// counters and random stream; it does no I/O (logging and checkpoints happen around it,
/// in ``Trainer``).
///
/// Everything trains in `Float`. Each step records on its own tape, so from the second
/// update on the tapes reuse their buffers.
public final class SACAgent {
    /// The configuration the agent was built from.
    public let configuration: TrainingConfiguration
    /// The length of the observations the agent acts on.
    public let observationSize: Int
    /// The action dimension `d`.
    public let actionSize: Int
    /// The action box the policy's tanh squash maps into (lower bounds).
    public let actionLow: [Double]
    /// The action box's upper bounds.
    public let actionHigh: [Double]

    /// The policy: an MLP emitting K means, K log-stds and K logits per state.
    public let actor: MixturePolicyNetwork<Float>
    /// Twin critics `Q_j(s, a)` on the concatenation `[s, a]`, and their Polyak-averaged targets.
    public let critics: [MLP<Float>]
    /// The Polyak-averaged copies of ``critics`` used in the soft Bellman target.
    public let targetCritics: [MLP<Float>]
    /// `log alpha`, the log of the entropy temperature, `[1]`.
    public let logAlpha: Parameter<Float>

    let actorOptimizer: Adam<Float>
    let criticOptimizer: Adam<Float>
    let temperatureOptimizer: Adam<Float>
    /// The estimator of the actor gradient (built from the configuration, or the custom
    /// one passed to the initializer).
    public let estimator: any GradientEstimator
    /// The entropy the temperature steers toward (`-d` by default).
    public let targetEntropy: Float

    /// Every random draw of the updates (target actions, estimator noise).
    public var rng: RandomStream
    /// Critic updates done so far.
    public private(set) var updateCount = 0
    /// How an update uses more than one core (with ``Parallelism/Kind/critics``, which
    /// `mixrl train --threads 2` uses, results are the bits of one thread). Setting it sets OpenBLAS's thread count (process-wide) to ``Parallelism/blasThreads`` and
    /// starts or stops the second critic thread.
    public var parallelism = Parallelism.serial {
        didSet {
            BLAS.setThreadCount(parallelism.blasThreads)
            twinCritics.runsSideBySide = parallelism.runsCriticsSideBySide
            twinCritics.blasThreadsOutsideLanes = parallelism.blasThreads
            twinCritics.splitsProducts = parallelism.splitsProducts
        }
    }

    let criticTape = Tape<Float>()
    /// The components drawn for the target actions, kept between updates (no allocation).
    var targetComponents: [Int32] = []
    let actorTape = Tape<Float>()
    /// ``critics`` and ``targetCritics`` on tapes of their own, side by side when asked.
    let twinCritics: TwinCritics
    let actingTape = Tape<Float>()
    var actingObservations = Tensor<Float>.zeros(Shape(1, 1))
    /// The draws of ``action(for:mode:)`` in sampling modes: seeded from the configuration,
    /// independent of ``rng``, not saved in checkpoints.
    lazy var convenienceStream = RandomStream(seed: configuration.seed).split(0xAC7)

    /// A new agent for observations of `observationSize` and actions in the box
    /// `[actionLow, actionHigh]`. Network initialization draws from `rng`'s split streams.
    ///
    /// Sets OpenBLAS to ``parallelism``'s thread count (one: the default of docs/architecture.md, since
    /// SAC's small products lose with threads); set ``parallelism`` to use more cores.
    ///
    /// - Parameters:
    ///   - configuration: the networks, learning rates, temperature and estimator settings.
    ///   - observationSize: the length of the observations.
    ///   - actionLow: the action box's lower bounds (finite).
    ///   - actionHigh: the action box's upper bounds (finite, above `actionLow`).
    ///   - rng: the stream the networks are initialized from and the updates draw from.
    ///   - custom: a gradient estimator to use instead of the configuration's built-in
    ///     one (its description should then be in ``TrainingConfiguration/customEstimator``).
    /// - Throws: ``TrainingError/configuration(_:)`` for an invalid configuration or
    ///   sizes, ``TrainingError/estimator(_:)`` if the estimator cannot train a policy
    ///   with the configured number of components (say, a mixture-only estimator given a
    ///   Gaussian policy).
    public init(configuration: TrainingConfiguration, observationSize: Int,
                actionLow: [Double], actionHigh: [Double], rng: RandomStream,
                estimator custom: (any GradientEstimator)? = nil) throws(TrainingError) {
        let c = configuration
        do { try c.validate() } catch { throw .configuration(error) }
        guard observationSize >= 1 else {
            throw .configuration(ConfigurationProblem(key: "observation_size", message: "must be at least 1, found \(observationSize)"))
        }
        guard !actionLow.isEmpty, actionLow.count == actionHigh.count,
              zip(actionLow, actionHigh).allSatisfy({ $0.isFinite && $1.isFinite && $0 < $1 }) else {
            throw .mismatch("the action box must have finite bounds with low < high in every dimension, found \(actionLow) to \(actionHigh)")
        }
        self.configuration = c
        self.observationSize = observationSize
        actionSize = actionLow.count
        self.actionLow = actionLow
        self.actionHigh = actionHigh
        if let custom {
            do { try custom.validate(componentCount: c.components) } catch { throw .estimator(error) }
            estimator = custom
        } else {
            do { estimator = try SACAgent.makeEstimator(c) } catch { throw .configuration(error) }
        }
        var actorStream = rng.split(1), criticStream = rng.split(2)
        do {
            actor = try MixturePolicyNetwork(
                stateSize: observationSize, actionDimension: actionSize, componentCount: c.components,
                hiddenSizes: c.hiddenSizes,
                squash: try TanhSquash(lower: actionLow.map(Float.init), upper: actionHigh.map(Float.init)),
                logStdBound: try LogStdBound(lower: c.logStdMin, upper: c.logStdMax),
                namePrefix: "actor.", using: &actorStream)
        } catch {
            // The configuration and the action box were checked above; this names what slipped through.
            throw .mismatch("the actor cannot be built: \(error)")
        }
        let criticInput = observationSize + actionLow.count
        critics = (0..<2).map { j in
            MLP(inputSize: criticInput, hiddenSizes: c.hiddenSizes, outputSize: 1,
                activation: .relu, namePrefix: "critic\(j + 1).", using: &criticStream)
        }
        targetCritics = critics.map { $0.copy() }
        twinCritics = TwinCritics(critics: critics, targets: targetCritics)
        logAlpha = Parameter(name: "log_alpha", value: Tensor(shape: Shape(1), scalars: [Float(Double.log(c.initialTemperature))]))
        targetEntropy = Float(c.targetEntropy ?? -Double(actionLow.count))
        BLAS.setThreadCount(parallelism.blasThreads)
        let clip = c.gradientClipNorm.map(Float.init)
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: Float(c.actorLearningRate), maxGradientNorm: clip)
        criticOptimizer = Adam(parameters: ParameterSet(joining: critics.map(\.parameters)),
                               learningRate: Float(c.criticLearningRate), maxGradientNorm: clip)
        temperatureOptimizer = Adam(parameters: ParameterSet([logAlpha]), learningRate: Float(c.temperatureLearningRate))
        self.rng = rng.split(3)
    }

    /// The estimator the configuration names.
    static func makeEstimator(_ c: TrainingConfiguration) throws(ConfigurationProblem) -> any GradientEstimator {
        let estimator = c.estimator.registration.make(
            .init(samples: c.resolvedSamples, baseline: c.resolvedBaseline, gumbelTemperature: c.gumbelTemperature))
        do { try estimator.validate(componentCount: c.components) }
        catch { throw ConfigurationProblem(key: "estimator", message: error.description) }
        return estimator
    }

    /// Sets the update counter (when restoring a checkpoint).
    func restoreUpdateCount(_ n: Int) { updateCount = n }

    /// The entropy temperature `alpha = exp(log alpha)`.
    public var alpha: Float { Float.exp(logAlpha.value.scalar) }

    /// What one update measured.
    public struct UpdateMetrics: Sendable, Equatable {
        /// The sum of both critics' mean squared Bellman errors.
        public var criticLoss: Float
        /// The mean of the first critic's Q over the batch.
        public var meanQ: Float
        /// The estimator's surrogate loss; nil on updates where the actor is not updated
        /// (policy delay).
        public var actorLoss: Float?
        /// The policy's entropy estimate `-E[log pi]`; nil when the actor is not updated.
        public var entropy: Float?
        /// The temperature after the update.
        public var alpha: Float
    }

    /// One SAC update on `batch`: critics every call; actor and temperature every
    /// `policyDelay` calls; targets every call. Allocates nothing after the first calls.
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` for a batch
    ///   of another width, ``TrainingError/estimator(_:)`` if the estimator fails (the
    ///   built-in ones never do once validated; a custom one might). The agent is then
    ///   left with its critics updated and its actor not.
    @discardableResult
    public func update(batch: ReplayBatch) throws(TrainingError) -> UpdateMetrics {
        guard batch.observations.shape[1] == observationSize, batch.actions.shape[1] == actionSize else {
            throw batch.observations.shape[1] != observationSize
                ? .observationSize(expected: observationSize, got: batch.observations.shape[1], environment: nil)
                : .mismatch("a batch of actions of size \(batch.actions.shape[1]) for an agent with actions of size \(actionSize)")
        }
        twinCritics.beginUpdate()
        defer { twinCritics.endUpdate() }
        let (criticLoss, meanQ) = updateCritics(batch)
        updateCount += 1
        var metrics = UpdateMetrics(criticLoss: criticLoss, meanQ: meanQ, actorLoss: nil, entropy: nil, alpha: alpha)
        if updateCount % configuration.policyDelay == 0 {
            let (actorLoss, meanLogDensity) = try updateActor(batch)
            if configuration.learnTemperature { updateTemperature(meanLogDensity: meanLogDensity) }
            metrics.actorLoss = actorLoss
            metrics.entropy = -meanLogDensity
            metrics.alpha = alpha
        }
        twinCritics.updateTargets(tau: Float(configuration.tau))
        // Drop every tape's references to the batch and to each other's buffers, so that
        // refilling the batch for the next update writes in place instead of copying.
        criticTape.reset()
        actorTape.reset()
        twinCritics.releaseTapes()
        return metrics
    }

    /// Critic step: `y = r + gamma (1 - terminated) (min_j Qbar_j(s', a') - alpha log pi(a'|s'))`,
    /// `a' ~ pi(.|s')` (or, with `marginalizedTarget`, one `a'_k` per component weighted by
    /// `w_k`); loss `sum_j mean((Q_j(s, a) - y)^2)`. Truncated transitions bootstrap: only
    /// termination cuts the return.
    func updateCritics(_ batch: ReplayBatch) -> (loss: Float, meanQ: Float) {
        let tape = criticTape
        tape.reset()
        let alpha = self.alpha, gamma = Float(configuration.gamma)
        let nextStates = tape.input(batch.nextObservations)
        // y is a stop-gradient: nothing flows back here, so the actor is bound frozen.
        let next = actor.distribution(states: nextStates, on: tape, frozen: true)
        let b = batch.count, k = configuration.components
        let softNextValue: Variable
        if configuration.marginalizedTarget && k > 1 {
            let u = next.mixture.componentPoints(noise: tape.randomNormal(Shape(b * k, actionSize), using: &rng))
            let logDensity = next.logDensityRows(preSquash: u, samplesPerState: k)
            let states = tape.repeatingRows(nextStates, times: k)
            let stateActions = tape.concatenate(states, next.action(preSquash: u), axis: 1)
            let minQ = twinCritics.targetMinimum(of: stateActions, on: tape)
            let perSample = tape.subtract(minQ, tape.scale(logDensity, by: alpha))
            softNextValue = tape.sum(tape.multiply(next.mixture.weights, tape.reshape(perSample, to: Shape(b, k))), axis: 1)
        } else {
            let sample = next.sample(drawingComponentsInto: &targetComponents, using: &rng)
            let logDensity = next.logDensityRows(preSquash: sample.preSquash)
            let stateActions = tape.concatenate(nextStates, sample.action, axis: 1)
            let minQ = twinCritics.targetMinimum(of: stateActions, on: tape)
            softNextValue = tape.subtract(minQ, tape.scale(logDensity, by: alpha))
        }
        let notDone = tape.affine(tape.input(batch.terminated), scale: -gamma, shift: gamma)  // gamma (1 - terminated)
        let y = tape.add(tape.input(batch.rewards), tape.multiply(notDone, softNextValue))

        // Each critic's loss (``criticLoss(_:targets:on:)``) and backward pass on its own
        // lane, side by side when asked.
        let result = twinCritics.trainingStep(observations: batch.observations, actions: batch.actions,
                                              targets: tape.value(of: y))
        criticOptimizer.step()
        return result
    }

    /// One critic's loss, `mean((Q_j(s, a) - y)^2)` with the target `y` a constant. Each
    /// critic's loss and backward pass run on its own ``CriticLane`` (side by side when
    /// asked), which calls this.
    static func criticLoss(_ q: Variable, targets y: Variable, on tape: Tape<Float>) -> Variable {
        tape.mean(tape.square(tape.subtract(q, y)))
    }

    /// The twin-critic minimum as a ``CriticFunction`` with frozen parameters, on one tape
    /// (for acting: highest-Q evaluation). Gradients reach the actions, the critics' own
    /// weight products are skipped. The update uses ``twinCritics`` instead.
    func frozenCritic(on tape: Tape<Float>) -> CriticFunction {
        let (c1, c2) = (critics[0], critics[1])
        return { states, actions in
            let x = tape.concatenate(states, actions, axis: 1)
            return tape.minimum(c1(x, on: tape, frozen: true), c2(x, on: tape, frozen: true))
        }
    }

    /// Actor step: minimize the estimator's surrogate of `E[alpha log pi(a|s) - min_j Q_j(s, a)]`.
    func updateActor(_ batch: ReplayBatch) throws(TrainingError) -> (loss: Float, meanLogDensity: Float) {
        let tape = actorTape
        tape.reset()
        let states = tape.input(batch.observations)
        let twin = twinCritics
        let result: ActorLoss<Float>
        do {
            // `min_j Q_j(s, a)`, critics frozen, each on its own lane; the closure literal is
            // passed straight down (non-escaping: no heap context).
            result = try estimator.actorLoss(policy: actor, states: states, critic: { states, actions in
                tape.external(tape.concatenate(states, actions, axis: 1), twin)
            }, alpha: alpha, on: tape, using: &rng)
        } catch {
            throw .estimator(error)
        }
        tape.backward(from: result.loss)
        actorOptimizer.step()
        return (tape.value(of: result.loss).scalar, result.meanLogDensity)
    }

    /// Temperature step: loss `-log alpha * stopgrad(log pi + target)`, averaged over the
    /// batch, whose gradient with respect to `log alpha` is `-(mean log pi + target)`.
    func updateTemperature(meanLogDensity: Float) {
        logAlpha.gradient.fill(-(meanLogDensity + targetEntropy))
        temperatureOptimizer.step()
    }
}
