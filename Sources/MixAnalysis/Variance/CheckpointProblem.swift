import Foundation
import MixAgents
import MixEnvs
import MixGraph
import MixPolicy

/// Where the checkpoint problem comes from and how its reference is computed.
package struct CheckpointOptions: Sendable, Equatable {
    /// A run folder (its `checkpoints/latest.ckpt` is read) or a checkpoint file.
    package var location: URL
    /// States drawn from the replay buffer (without replacement); one estimate is the
    /// gradient of the actor loss averaged over these states.
    package var stateCount: Int
    /// Samples per component of the high-sample MRP average that serves as the reference.
    package var referenceSamplesPerComponent: Int
    /// Independent estimates averaged into the reference.
    package var referenceEstimates: Int
    /// The temperature; nil uses the checkpoint's learned `exp(log_alpha)`.
    package var alpha: Double?

    /// Options with the defaults of `mixrl variance --checkpoint`.
    package init(location: URL, stateCount: Int = 16, referenceSamplesPerComponent: Int = 32,
                referenceEstimates: Int = 100, alpha: Double? = nil) {
        self.location = location
        self.stateCount = stateCount
        self.referenceSamplesPerComponent = referenceSamplesPerComponent
        self.referenceEstimates = referenceEstimates
        self.alpha = alpha
    }
}

/// A trained run's policy and critics, read from its checkpoint: the actor network, the
/// twin critics (used as `min(Q1, Q2)` with frozen parameters, as in SAC's actor step),
/// the learned temperature and the replay buffer's observations. The checkpoint is only
/// read; the run folder is left as it is.
///
/// The file is verified as `mixrl train --resume` verifies it (format, CRC-32C of the
/// data section, metadata), and every tensor's shape against the configuration stored
/// in its metadata.
package final class CheckpointProblem {
    /// The checkpoint file read.
    package let path: String
    /// The run's configuration (from the checkpoint's `mixrl.config` metadata).
    package let configuration: TrainingConfiguration
    /// The policy.
    package let actor: MixturePolicyNetwork<Float>
    /// The twin critics `Q_1`, `Q_2` on `[s, a]`.
    package let critics: [MLP<Float>]
    /// `exp(log_alpha)` at the checkpoint.
    package let learnedTemperature: Double
    /// The replay buffer's stored observations, `[count, observationSize]`.
    package let replayObservations: Tensor<Float>
    /// The action box (from the environment the run names).
    package let actionLow: [Double], actionHigh: [Double]

    /// The number of mixture components K of the policy.
    package var componentCount: Int { actor.componentCount }
    /// The observation width.
    package var observationSize: Int { actor.stateSize }
    /// The action dimension.
    package var actionDimension: Int { actor.actionDimension }

    /// Reads the checkpoint at `location` (a run folder or a `.ckpt` file). The action
    /// bounds come from making the run's environment in `registry` (for a bridge id this
    /// starts, and then drops, a Python worker).
    package init(location: URL, registry: EnvironmentRegistry = .standard) throws(VarianceError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory) else {
            throw .checkpointUnreadable(path: location.path, reason: "no such file or folder")
        }
        let file = isDirectory.boolValue ? location.appendingPathComponent("checkpoints/latest.ckpt") : location
        path = file.path
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw .checkpointUnreadable(path: file.path, reason: "no checkpoint (expected a run folder holding checkpoints/latest.ckpt, or a .ckpt file)")
        }
        // Format, checksum and metadata are verified before anything is used.
        let contents: Checkpoint.Contents
        do { contents = try Checkpoint.read(from: file) }
        catch { throw .checkpointUnreadable(path: file.path, reason: error.description) }
        let c = contents.configuration
        configuration = c

        let observations: Tensor<Float>
        do { observations = try contents.archive.tensor("replay.observations", as: Float.self) }
        catch { throw .checkpointUnreadable(path: file.path, reason: error.description) }
        guard observations.rank == 2, observations.shape[0] >= 1 else {
            throw .checkpointUnreadable(path: file.path, reason: "the replay buffer holds no observations (shape \(observations.shape))")
        }
        replayObservations = observations

        // The action box: recorded in the checkpoint; for checkpoints that predate that,
        // from making the run's environment.
        let spaces: AgentSpaces
        if let recorded = contents.spaces {
            spaces = recorded
        } else {
            var options = EnvironmentOptions()
            options.bridge.environmentImports += c.environmentImports
            do {
                let space = try registry.make(id: c.environment, options: options).actionSpace
                spaces = AgentSpaces(observationSize: observations.shape[1], actionLow: space.low, actionHigh: space.high)
            } catch {
                throw .checkpointUnreadable(path: file.path, reason: "cannot make its environment \(c.environment) to read the action bounds: \(error)")
            }
        }
        guard spaces.observationSize == observations.shape[1] else {
            throw .checkpointUnreadable(path: file.path, reason: "its replay observations have \(observations.shape[1]) columns but its agent takes \(spaces.observationSize)")
        }
        actionLow = spaces.actionLow
        actionHigh = spaces.actionHigh

        // Networks shaped by the configuration, then filled from the file (a tensor of
        // another shape means the file and its configuration disagree).
        do {
            let agent = try SACAgent.load(contents, spaces: spaces)
            actor = agent.actor
            critics = agent.critics
            learnedTemperature = Double(agent.alpha)
        } catch {
            throw .checkpointUnreadable(path: file.path, reason: "does not match its own configuration (K = \(c.components), hidden \(c.hiddenSizes), \(spaces.observationSize) observations, \(spaces.actionLow.count) actions): \(error)")
        }
    }

    /// `stateCount` distinct replay observations drawn from `rng` (all of them if the
    /// buffer holds fewer), with the policy's distribution parameters at each.
    func estimationProblem(stateCount: Int, alpha: Double, rng: RandomStream) -> EstimationProblem<Float> {
        var rng = rng
        let available = replayObservations.shape[0]
        var indices = Array(0..<available)
        let b = min(stateCount, available)
        for i in 0..<b {
            let j = i + Int(rng.next() % UInt64(available - i))
            indices.swapAt(i, j)
        }
        let states = replayObservations.gathering(rows: Array(indices[0..<b]))
        let tape = Tape<Float>()
        let distribution = actor.distribution(states: tape.input(states), on: tape)
        let mixture = distribution.mixture
        let (c1, c2) = (critics[0], critics[1])
        // Copies, so that nothing refers to the tape's buffers once it is gone.
        func copy(_ v: Variable) -> Tensor<Float> { let t = tape.value(of: v); return Tensor(shape: t.shape, scalars: t.scalars) }
        return EstimationProblem(
            states: states, logits: copy(mixture.logits), means: copy(mixture.means),
            logStds: copy(mixture.logStds), squash: actor.squash, alpha: alpha,
            makeCritic: { tape, _ in
                { s, a in
                    let x = tape.concatenate(s, a, axis: 1)
                    return tape.minimum(c1(x, on: tape, frozen: true), c2(x, on: tape, frozen: true))
                }
            })
    }
}
