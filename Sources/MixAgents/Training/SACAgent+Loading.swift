import Foundation
import MixPolicy

extension SACAgent {
    /// The agent saved in a run folder (`checkpoints/latest.ckpt`, written by
    /// ``Trainer``): its networks, target networks, temperature, optimizer moments and
    /// update count, ready to act, evaluate or be updated further.
    ///
    /// The checkpoint's checksum is verified before anything is loaded. A run trained
    /// with a custom estimator loads without it (the agent can act and evaluate); pass
    /// `estimator` to update it further.
    ///
    /// - Throws: ``TrainingError/runFolder(path:reason:)`` if the folder holds no run or
    ///   no checkpoint yet, ``TrainingError/checkpoint(_:)`` if the checkpoint is damaged,
    ///   ``TrainingError/estimator(_:)`` if `estimator` cannot train this policy.
    public static func load(runDirectory: URL, estimator: (any GradientEstimator)? = nil) throws(TrainingError) -> SACAgent {
        let url = runDirectory.appendingPathComponent("checkpoints/latest.ckpt")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .runFolder(path: runDirectory.path, reason: "holds no checkpoint (checkpoints/latest.ckpt); the run has not reached its first checkpoint")
        }
        return try load(checkpoint: url, estimator: estimator)
    }

    /// The agent saved in the checkpoint file at `checkpoint`; see ``load(runDirectory:estimator:)``.
    public static func load(checkpoint url: URL, estimator: (any GradientEstimator)? = nil) throws(TrainingError) -> SACAgent {
        let contents: Checkpoint.Contents
        do { contents = try Checkpoint.read(from: url) } catch { throw .checkpoint(error) }
        guard let spaces = contents.spaces else {
            throw .checkpoint(.corrupt(path: url.path, reason: "no mixrl.spaces metadata (written before agents could be loaded on their own); resume the run to rewrite it"))
        }
        return try load(contents, spaces: spaces, estimator: estimator)
    }

    /// The agent in verified checkpoint `contents`, built for `spaces` (from the
    /// checkpoint, or from the run's environment for checkpoints that predate them).
    package static func load(_ contents: Checkpoint.Contents, spaces: AgentSpaces,
                             estimator: (any GradientEstimator)? = nil) throws(TrainingError) -> SACAgent {
        let configuration = contents.configuration
        let chosen: (any GradientEstimator)?
        if let estimator {
            chosen = estimator
        } else if let name = configuration.customEstimator {
            chosen = ActingOnlyEstimator(name: name)
        } else {
            chosen = nil
        }
        let agent = try SACAgent(configuration: configuration, observationSize: spaces.observationSize,
                                 actionLow: spaces.actionLow, actionHigh: spaces.actionHigh,
                                 rng: RandomStream(seed: configuration.seed), estimator: chosen)
        do { try Checkpoint.load(contents, into: agent) } catch { throw .checkpoint(error) }
        return agent
    }
}

/// Stands in for a custom estimator that a loaded agent was trained with but that was
/// not passed to ``SACAgent/load(runDirectory:estimator:)``: acting needs no estimator,
/// an update throws.
struct ActingOnlyEstimator: GradientEstimator {
    var name: String
    var description: String { name }
    var isUnbiased: Bool { true }
    func criticEvaluationsPerState(componentCount: Int) -> Int { 0 }
    func validate(componentCount: Int) throws(EstimatorError) {}
    func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        throw .failed(estimator: name, reason: "the agent was loaded without its custom estimator; pass it to SACAgent.load(runDirectory:estimator:) to update the agent")
    }
}
