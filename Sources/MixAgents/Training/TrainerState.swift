import MixTensor

/// Everything of a training run that is not a tensor: counters, random streams, the
/// current episode (its reset seed and actions, from which the environment's state is
/// rebuilt on resume), running metric accumulators and the metric files' sizes.
/// Stored as JSON in the checkpoint's metadata.
struct TrainerState: Codable, Equatable {
    /// Environment steps taken.
    var step = 0
    /// Episodes started (the current one included).
    var episodeIndex = 0
    /// The reset seed of the current episode.
    var episodeSeed: UInt64 = 0
    /// The actions of the current episode so far (replayed on resume).
    var episodeActions: [[Double]] = []
    var episodeReturn = 0.0
    var episodeLength = 0
    /// Draws each episode's reset seed.
    var seedStream: RandomStream
    /// Draws exploration actions (random warm-up and policy samples).
    var actionStream: RandomStream
    /// Draws replay minibatches.
    var replayStream: RandomStream
    /// The agent's update stream and counter.
    var agentStream: RandomStream
    var updateCount = 0
    /// Sums and count of update metrics since the last log line.
    var updateSums: [String: Double] = [:]
    var updateSamples = 0
    /// Returns of the most recent training episodes (for the progress line).
    var recentReturns: [Double] = []
    /// Evaluations done (by step), so a resume does not repeat one.
    var lastEvaluationStep = -1
    var lastEvaluationReturn: Double?
    /// Seconds of training before this process (a resumed run keeps counting).
    var wallSecondsBefore = 0.0
    /// Byte sizes of the append-only metric files when the checkpoint was taken: a
    /// resume cuts them back, so events logged after the checkpoint are not doubled.
    var fileSizes: [String: UInt64] = [:]
    /// The replay buffer's counters.
    var replayCount = 0
    var replayNextIndex = 0
}
