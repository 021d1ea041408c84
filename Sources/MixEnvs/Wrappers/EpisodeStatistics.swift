/// Running totals of the current episode; the shared part of ``EpisodeStatistics`` and
/// ``VectorEpisodeStatistics``.
package struct EpisodeAccumulator: Sendable, Equatable {
    /// Sum of rewards so far.
    package private(set) var totalReward = 0.0
    /// Steps so far.
    package private(set) var length = 0
    /// Largest value of each info metric so far.
    package private(set) var maxMetrics: [String: Double] = [:]

    /// An empty accumulator.
    package init() {}

    /// Adds a step; returns the episode's summary if this step ended it (and starts over).
    package mutating func add(_ result: StepResult) -> EpisodeSummary? {
        totalReward += result.reward
        length += 1
        for (key, value) in result.info where !value.isNaN {
            maxMetrics[key] = max(maxMetrics[key] ?? -.infinity, value)
        }
        guard result.isLast else { return nil }
        let summary = EpisodeSummary(totalReward: totalReward, length: length,
                                     terminated: result.terminated, maxMetrics: maxMetrics)
        self = EpisodeAccumulator()
        return summary
    }

    /// Forgets the current episode (after a reset).
    package mutating func clear() { self = EpisodeAccumulator() }
}

/// Records each episode's total reward and length (Gymnasium's
/// `RecordEpisodeStatistics`): the step that ends an episode carries
/// ``StepResult/episode``, and ``completedEpisodes`` keeps the most recent ones.
public struct EpisodeStatistics<Base: Environment>: Environment {
    /// The wrapped environment.
    public var base: Base
    /// The most recent finished episodes, oldest first (at most ``historyLength``).
    public private(set) var completedEpisodes: [EpisodeSummary] = []
    /// How many finished episodes ``completedEpisodes`` keeps.
    public let historyLength: Int
    private var current = EpisodeAccumulator()

    /// Wraps `base`, keeping the last `historyLength` episodes.
    public init(_ base: Base, historyLength: Int = 100) {
        self.base = base
        self.historyLength = max(historyLength, 0)
    }

    /// The wrapped environment's identifier.
    public var id: String { base.id }
    /// The wrapped environment's observation space.
    public var observationSpace: BoxSpace { base.observationSpace }
    /// The wrapped environment's action space.
    public var actionSpace: BoxSpace { base.actionSpace }
    /// The wrapped environment's limit.
    public var maxEpisodeSteps: Int? { base.maxEpisodeSteps }
    /// The wrapped environment's modes.
    public var declaredActionModes: [ActionMode] { base.declaredActionModes }

    /// Resets the wrapped environment and starts a new episode's totals.
    public mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] {
        current.clear()
        return try base.reset(seed: seed)
    }

    /// Steps the wrapped environment; the step that ends an episode carries
    /// ``StepResult/episode`` and is added to ``completedEpisodes``.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        var result = try base.step(action)
        if let summary = current.add(result) {
            result.episode = summary
            completedEpisodes.append(summary)
            if completedEpisodes.count > historyLength { completedEpisodes.removeFirst(completedEpisodes.count - historyLength) }
        }
        return result
    }
}

/// ``EpisodeStatistics`` for every copy of a ``VectorEnvironment``.
package struct VectorEpisodeStatistics<Base: VectorEnvironment>: VectorEnvironment {
    /// The wrapped vector environment.
    package var base: Base
    private var current: [EpisodeAccumulator]

    /// Wraps `base`.
    package init(_ base: Base) {
        self.base = base
        self.current = Array(repeating: EpisodeAccumulator(), count: base.copyCount)
    }

    package var id: String { base.id }
    package var copyCount: Int { base.copyCount }
    package var observationSpace: BoxSpace { base.observationSpace }
    package var actionSpace: BoxSpace { base.actionSpace }
    package var maxEpisodeSteps: Int? { base.maxEpisodeSteps }

    package mutating func reset(copies: [Int], seeds: [UInt64?]) throws(EnvironmentError) -> [[Double]] {
        let observations = try base.reset(copies: copies, seeds: seeds)
        for c in copies { current[c].clear() }
        return observations
    }

    package mutating func step(_ actions: [[Double]]) throws(EnvironmentError) -> [StepResult] {
        var results = try base.step(actions)
        for i in results.indices {
            if let summary = current[i].add(results[i]) { results[i].episode = summary }
        }
        return results
    }
}
