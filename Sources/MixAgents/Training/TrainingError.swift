import MixEnvs

/// Why a training run could not start, continue or finish.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    /// The configuration cannot run (names the option).
    case configuration(ConfigurationProblem)
    /// The environment failed (names the environment and the problem).
    case environment(EnvironmentError)
    /// A checkpoint could not be written or restored.
    case checkpoint(CheckpointError)
    /// The run folder is unusable: already holds another run, missing, unwritable.
    case runFolder(path: String, reason: String)
    /// The environment and the agent disagree (for example observation sizes).
    case mismatch(String)

    public var description: String {
        switch self {
        case .configuration(let p): return "configuration: \(p)"
        case .environment(let e): return "environment: \(e)"
        case .checkpoint(let c): return "\(c)"
        case let .runFolder(path, reason): return "run folder \(path): \(reason)"
        case .mismatch(let m): return m
        }
    }
}

/// How a call to ``Trainer/run(stopRequested:)`` ended.
public enum TrainingOutcome: Sendable, Equatable {
    /// Every step is done, the final evaluation written and `status.json` says finished.
    case finished(finalReturn: Double?)
    /// A stop was requested; the run checkpointed and can be resumed.
    case interrupted(step: Int)
}

/// A snapshot for progress displays (the trainer never prints).
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var updatesPerSecond: Double
    /// Mean return of the recent training episodes.
    public var recentReturn: Double?
    public var lastEvaluationReturn: Double?
    /// Estimated seconds to the end of the run.
    public var secondsLeft: Double?
}
