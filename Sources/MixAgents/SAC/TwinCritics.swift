import MixGraph
import MixTensor

/// SAC's twin critics `Q_1`, `Q_2` and their targets, each recorded on tapes of its own
/// (one ``CriticLane`` per critic), so that the two can run side by side: on a second
/// thread when ``SACAgent/Parallelism/Kind/critics`` asks for it, one after the other
/// on the calling thread otherwise. The values, and every bit of the results, are the
/// same either way: a lane's work depends only on its own critic, and the two are
/// combined in a fixed order.
///
/// The three places the critics appear in an update:
/// - ``targetMinimum(of:on:)``: `min_j Qbar_j(s', a')` for the critic target (no gradient);
/// - ``trainingStep(observations:actions:targets:)``: both critics' losses
///   `mean((Q_j(s, a) - y)^2)` and their backward passes;
/// - as an ``ExternalFunction`` on the actor tape: `min_j Q_j(s, a)` with the critics
///   frozen, whose backward pass runs each critic's backward on its own lane and adds the
///   two input gradients.
final class TwinCritics: ExternalFunction {
    typealias Scalar = Float

    let lanes: [CriticLane]
    /// Runs lane 1's jobs while the calling thread runs lane 0's; nil when serial.
    private var worker: LaneWorker?
    /// Per-lane seeds of the actor-step backward pass (`dL/dQ_j` through the minimum), reused.
    private var seeds = [Tensor<Float>.zeros(Shape(0, 1)), Tensor<Float>.zeros(Shape(0, 1))]

    init(critics: [MLP<Float>], targets: [MLP<Float>]) {
        require(critics.count == 2 && targets.count == 2, "MixAgents: SAC has exactly two critics")
        lanes = [CriticLane(critic: critics[0], target: targets[0], index: 0),
                 CriticLane(critic: critics[1], target: targets[1], index: 1)]
    }

    deinit { worker?.stop() }

    /// Runs the critics on two threads (true) or on the calling thread (false).
    var runsSideBySide: Bool {
        get { worker != nil }
        set {
            if newValue && worker == nil { worker = LaneWorker(lane: lanes[1]) }
            if !newValue, let w = worker { w.stop(); worker = nil }
        }
    }

    /// OpenBLAS's thread count for the rest of the update; while the lanes run side by
    /// side, OpenBLAS is single-threaded (each lane is one of the threads).
    var blasThreadsOutsideLanes = 1

    /// Whether, outside the lanes, large products of the thread running an update are
    /// split with the critic thread (``GemmSplit``), which is idle then.
    var splitsProducts = false

    /// Starts splitting the calling thread's large products with the critic thread (when
    /// it runs and ``splitsProducts``); ``endUpdate()`` stops it.
    func beginUpdate() {
        if splitsProducts, let worker { GemmSplit.install(worker) }
    }

    /// Stops what ``beginUpdate()`` started.
    func endUpdate() {
        if splitsProducts, worker != nil { GemmSplit.install(nil) }
    }

    /// Runs `job` on both lanes and returns when both are done.
    private func run(_ job: CriticLane.Job) {
        if let worker {
            if blasThreadsOutsideLanes > 1 { BLAS.setThreadCount(1) }
            // Both threads are busy with a lane: no product is split meanwhile.
            if splitsProducts { GemmSplit.install(nil) }
            worker.start(job)
            lanes[0].perform(job)
            worker.wait()
            if splitsProducts { GemmSplit.install(worker) }
            if blasThreadsOutsideLanes > 1 { BLAS.setThreadCount(blasThreadsOutsideLanes) }
        } else {
            lanes[0].perform(job)
            lanes[1].perform(job)
        }
    }

    // MARK: Critic step

    /// `min(Qbar_1(x), Qbar_2(x))` for state-action rows `x` `[n, s + d]`, as a constant
    /// leaf of `tape` (`[n, 1]`).
    func targetMinimum(of x: Variable, on tape: Tape<Float>) -> Variable {
        let input = tape.value(of: x)
        run(.targetForward(input))
        let q1 = lanes[0].targetTape.value(of: lanes[0].outputVariable), q2 = lanes[1].targetTape.value(of: lanes[1].outputVariable)
        let minimum = tape.constant(shape: q1.shape) { Tensor.apply(.minimum, q1, q2, into: &$0) }
        for lane in lanes { lane.targetTape.reset() }
        return minimum
    }

    /// Both critics' steps: loss `mean((Q_j(s, a) - y)^2)` and its backward pass into
    /// `Q_j`'s parameter gradients. Returns the summed loss and the mean of `Q_1`.
    func trainingStep(observations: Tensor<Float>, actions: Tensor<Float>, targets: Tensor<Float>) -> (loss: Float, meanQ: Float) {
        run(.train(observations: observations, actions: actions, targets: targets))
        return (lanes[0].loss + lanes[1].loss, lanes[0].meanQ)
    }

    // MARK: Actor step (ExternalFunction)

    /// `min(Q_1(x), Q_2(x))` with both critics frozen, each recorded on its lane's actor tape.
    func forward(_ input: Tensor<Float>, into output: inout Tensor<Float>) {
        run(.actorForward(input))
        let q1 = lanes[0].actorTape.value(of: lanes[0].outputVariable), q2 = lanes[1].actorTape.value(of: lanes[1].outputVariable)
        Tensor.apply(.minimum, q1, q2, into: &output)
    }

    /// `dL/dx = dL/dQ_1 dQ_1/dx + dL/dQ_2 dQ_2/dx` with `dL/dQ_j` the minimum's gradient
    /// (split evenly at ties). The sum is formed as `Q_2`'s part plus `Q_1`'s, the order
    /// of a single tape that records `Q_1` before `Q_2`, so results match it bit for bit.
    func backward(_ input: Tensor<Float>, output: Tensor<Float>, outputGradient: Tensor<Float>,
                  into inputGradient: inout Tensor<Float>, accumulate: Bool) {
        do {
            let q1 = lanes[0].actorTape.value(of: lanes[0].outputVariable), q2 = lanes[1].actorTape.value(of: lanes[1].outputVariable)
            Tensor.applyBackward(.minimum, q1, q2, gradient: outputGradient, withRespectTo: .left, into: &seeds[0])
            Tensor.applyBackward(.minimum, q1, q2, gradient: outputGradient, withRespectTo: .right, into: &seeds[1])
        }
        run(.actorBackward(seeds: (seeds[0], seeds[1])))
        let dx1 = lanes[0].actorTape.gradient(of: lanes[0].inputVariable), dx2 = lanes[1].actorTape.gradient(of: lanes[1].inputVariable)
        if accumulate {
            Tensor.copy(dx2, into: &inputGradient, shape: input.shape, accumulate: true)
            Tensor.copy(dx1, into: &inputGradient, shape: input.shape, accumulate: true)
        } else {
            Tensor.apply(.add, dx2, dx1, into: &inputGradient)
        }
    }

    // MARK: Targets and housekeeping

    /// Polyak averaging of each target toward its critic (`tau`), one lane each.
    func updateTargets(tau: Float) { run(.updateTarget(tau: tau)) }

    /// Forgets the lanes' recorded graphs, releasing their references to the batch and to
    /// other tapes' buffers (so that refilling the batch, or the next step of those tapes,
    /// reuses buffers instead of copying them). Keeps every buffer.
    func releaseTapes() {
        for lane in lanes { lane.targetTape.reset(); lane.trainingTape.reset(); lane.actorTape.reset() }
    }
}

/// One critic with its target network and the tapes it records on. Between
/// ``LaneWorker/start(_:)`` and ``LaneWorker/wait()`` only the worker thread touches it.
final class CriticLane {
    /// What a lane does for one phase of an update; payloads are shared tensors (O(1)).
    enum Job: Sendable {
        case targetForward(Tensor<Float>)
        case train(observations: Tensor<Float>, actions: Tensor<Float>, targets: Tensor<Float>)
        case actorForward(Tensor<Float>)
        case actorBackward(seeds: (Tensor<Float>, Tensor<Float>))
        case updateTarget(tau: Float)
        /// One half of a product the calling thread split (``GemmSplit``).
        case gemm(SGemmArguments)
        case stop
    }

    let critic: MLP<Float>
    let target: MLP<Float>
    let index: Int
    /// The target network's forward pass for the critic target.
    let targetTape = Tape<Float>()
    /// The critic step: forward, loss and backward.
    let trainingTape = Tape<Float>()
    /// The critic (frozen) inside the actor step: forward, then backward to the input.
    let actorTape = Tape<Float>()
    /// The last forward job's input and output variables (on that job's tape).
    private var input: Variable?
    private var output: Variable?
    /// The last critic step's loss and mean Q.
    private(set) var loss: Float = 0
    private(set) var meanQ: Float = 0

    init(critic: MLP<Float>, target: MLP<Float>, index: Int) {
        self.critic = critic
        self.target = target
        self.index = index
    }

    /// The input of the last forward job.
    var inputVariable: Variable {
        guard let input else { requirementFailure("MixAgents: critic lane read before its first forward job") }
        return input
    }

    /// The output (Q values) of the last forward job.
    var outputVariable: Variable {
        guard let output else { requirementFailure("MixAgents: critic lane read before its first forward job") }
        return output
    }

    func perform(_ job: Job) {
        switch job {
        case let .targetForward(x):
            let tape = targetTape
            tape.reset()
            let x = tape.input(x)
            input = x
            output = target(x, on: tape, frozen: true)
        case let .train(observations, actions, targets):
            let tape = trainingTape
            tape.reset()
            let x = tape.concatenate(tape.input(observations), tape.input(actions), axis: 1)
            let q = critic(x, on: tape)
            input = x
            output = q
            let l = SACAgent.criticLoss(q, targets: tape.input(targets), on: tape)
            tape.backward(from: l)
            loss = tape.value(of: l).scalar
            meanQ = tape.value(of: q).mean()
        case let .actorForward(x):
            let tape = actorTape
            tape.reset()
            let x = tape.input(x, requiresGradient: true)
            input = x
            output = critic(x, on: tape, frozen: true)
        case let .actorBackward(seeds):
            actorTape.backward(from: outputVariable, seed: index == 0 ? seeds.0 : seeds.1)
        case let .updateTarget(tau):
            target.parameters.polyakUpdate(toward: critic.parameters, tau: tau)
        case let .gemm(product):
            product.run()
        case .stop:
            break
        }
    }
}
