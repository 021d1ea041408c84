import MixTensor

/// Truncates episodes after a fixed number of steps, as Gymnasium's `TimeLimit`: the
/// step that reaches the limit has `truncated == true` (also when it terminated).
public struct TimeLimit<Base: Environment>: Environment {
    /// The wrapped environment.
    public var base: Base
    /// Steps after which an episode is truncated.
    public let limit: Int
    /// Steps taken in the current episode.
    public private(set) var elapsedSteps = 0

    /// Wraps `base` with a limit of `maxEpisodeSteps` (at least 1).
    public init(_ base: Base, maxEpisodeSteps: Int) {
        require(maxEpisodeSteps > 0, "TimeLimit: the limit must be positive")
        self.base = base
        self.limit = maxEpisodeSteps
    }

    /// The wrapped environment's identifier.
    public var id: String { base.id }
    /// The wrapped environment's observation space.
    public var observationSpace: BoxSpace { base.observationSpace }
    /// The wrapped environment's action space.
    public var actionSpace: BoxSpace { base.actionSpace }
    /// ``limit``.
    public var maxEpisodeSteps: Int? { limit }
    /// The wrapped environment's modes.
    public var declaredActionModes: [ActionMode] { base.declaredActionModes }

    /// Resets the wrapped environment and the step count.
    public mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] {
        elapsedSteps = 0
        return try base.reset(seed: seed)
    }

    /// Steps the wrapped environment; sets `truncated` on the step that reaches ``limit``.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        var result = try base.step(action)
        elapsedSteps += 1
        if elapsedSteps >= limit { result.truncated = true }
        return result
    }
}
