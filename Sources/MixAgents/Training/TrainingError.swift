import MixEnvs
import MixPolicy

/// Why a training run, an agent or a saved run could not be made, continued or used.
///
/// Every failure a user can cause through the library (a bad configuration, an
/// environment that does not fit the agent, a damaged checkpoint, an occupied folder)
/// arrives as one of these cases; none of them traps. ``description`` names the input and
/// what was expected.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    /// The configuration cannot run (names the option by its JSON key).
    case configuration(ConfigurationProblem)
    /// The gradient estimator cannot train this policy (for example an estimator that
    /// needs a mixture, given a Gaussian policy), or failed while building its loss.
    case estimator(EstimatorError)
    /// The environment failed (names the environment and the problem).
    case environment(EnvironmentError)
    /// A checkpoint could not be written or restored.
    case checkpoint(CheckpointError)
    /// The run folder is unusable: already holds another run, missing, unwritable.
    case runFolder(path: String, reason: String)
    /// An observation's length differs from the agent's observation size: the agent was
    /// trained on another environment. `environment` names the environment when known.
    case observationSize(expected: Int, got: Int, environment: String?)
    /// An environment's action box differs from the one the agent was trained with.
    case actionSpace(expectedLow: [Double], expectedHigh: [Double], got: BoxSpace, environment: String)
    /// Any other disagreement between the parts of a run (for example an unbounded
    /// action space, or resuming a run without the custom estimator it was started with).
    case mismatch(String)

    /// What went wrong, naming the input and what was expected.
    public var description: String {
        switch self {
        case .configuration(let p): return "configuration: \(p)"
        case .estimator(let e): return "estimator: \(e)"
        case .environment(let e): return "environment: \(e)"
        case .checkpoint(let c): return "\(c)"
        case let .runFolder(path, reason): return "run folder \(path): \(reason)"
        case let .observationSize(expected, got, environment):
            let source = environment.map { "environment \($0) gives observations" } ?? "observation"
            return "\(source) of size \(got), but the agent was trained on observations of size \(expected)"
        case let .actionSpace(low, high, got, environment):
            return "environment \(environment) has actions in [\(got.low), \(got.high)], but the agent was trained on actions in [\(low), \(high)]"
        case .mismatch(let m): return m
        }
    }
}

/// How a call to ``Trainer/run(stopRequested:)`` ended.
public enum TrainingOutcome: Sendable, Equatable {
    /// Every step is done, the final evaluation written and `status.json` says finished;
    /// `finalReturn` is the final evaluation's mean return (a run always evaluates at
    /// its last step).
    case finished(finalReturn: Double)
    /// A stop was requested; the run checkpointed at `step` and can be resumed.
    case interrupted(step: Int)
}

/// A snapshot for progress displays, passed to ``Trainer/onProgress`` (the trainer never
/// prints).
public struct TrainingProgress: Sendable {
    /// Environment steps done.
    public var step: Int
    /// Environment steps the run will take.
    public var totalSteps: Int
    /// SAC updates per second of wall time since this process started the run.
    public var updatesPerSecond: Double
    /// Mean return of the recent training episodes.
    public var recentReturn: Double?
    /// Mean return of the latest evaluation.
    public var lastEvaluationReturn: Double?
    /// Estimated seconds to the end of the run, from the throughput of the last minute of
    /// the phase with updates; nil during the random warm-up and the first seconds after
    /// it (no basis for an estimate yet).
    public var secondsLeft: Double?
}
