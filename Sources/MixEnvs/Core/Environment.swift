/// A reinforcement-learning environment with Gymnasium semantics.
///
/// An episode starts with ``reset(seed:)`` and advances with ``step(_:)`` until a step
/// reports `terminated` (the task reached a terminal state: do not bootstrap) or
/// `truncated` (the episode was cut, usually by a time limit: bootstrap). Observations
/// and actions are flat `[Double]` vectors whose lengths are the dimensions of
/// ``observationSpace`` and ``actionSpace``.
///
/// To bring your own task, write a type with these five members; every wrapper and the
/// trainer then work with it (register it in an ``EnvironmentRegistry`` to make it by id):
///
/// ```swift
/// struct Corridor: Environment {
///     let id = "Corridor-v0"
///     let observationSpace = BoxSpace(low: [0], high: [10])
///     let actionSpace = BoxSpace(low: [-1], high: [1])
///     var position = 0.0
///     mutating func reset(seed: UInt64?) -> [Double] { position = 0; return [position] }
///     mutating func step(_ action: [Double]) -> StepResult {
///         position = min(max(position + action[0], 0), 10)
///         return StepResult(observation: [position], reward: -1, terminated: position == 10)
///     }
/// }
/// let env = TimeLimit(Corridor(), maxEpisodeSteps: 100)
/// ```
///
/// Keep `id` an instance property (a `let` as above) and give a type-level constant
/// another name: with a `static let id` beside it, the conformance fails ("candidate
/// references itself", "candidate operates on a type, not an instance").
///
/// Non-throwing implementations satisfy the throwing requirements. Environments that
/// talk to another process (the Python bridge) throw ``EnvironmentError``.
public protocol Environment {
    /// The identifier this environment was made from (used in error messages and logs).
    var id: String { get }
    /// Bounds and dimension of the observations.
    var observationSpace: BoxSpace { get }
    /// Bounds and dimension of the actions.
    var actionSpace: BoxSpace { get }
    /// The episode limit this environment applies itself, if any (a ``TimeLimit``
    /// wrapper, or the Python side's own limit for a bridged environment).
    var maxEpisodeSteps: Int? { get }
    /// The optima of the task in action space, if it declares them (a
    /// ``MultimodalEnvironment``, possibly inside wrappers, which pass them on); empty
    /// for most environments.
    var declaredActionModes: [ActionMode] { get }
    /// Starts a new episode and returns its first observation. A seed makes the episode
    /// reproducible; `nil` continues from the environment's current random stream.
    mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double]
    /// Applies one action and returns what followed.
    mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult
}

extension Environment {
    /// No episode limit unless the environment says otherwise.
    public var maxEpisodeSteps: Int? { nil }

    /// No declared modes unless the environment is a ``MultimodalEnvironment`` (or wraps one).
    public var declaredActionModes: [ActionMode] { [] }

    /// Throws ``EnvironmentError/invalidAction(environment:expected:got:)`` unless
    /// `action` has the action space's dimension. Cost: O(1).
    public func checkAction(_ action: [Double]) throws(EnvironmentError) {
        if action.count != actionSpace.dimension {
            throw .invalidAction(environment: id, expected: actionSpace.dimension, got: action.count)
        }
    }
}

/// What one environment step returned.
public struct StepResult: Sendable, Equatable {
    /// The observation after the step (for an episode that ended: its final observation).
    public var observation: [Double]
    /// The reward of the transition.
    public var reward: Double
    /// The episode reached a terminal state; the value of the next state is zero.
    public var terminated: Bool
    /// The episode was cut (time limit); the next state still has a value.
    public var truncated: Bool
    /// Scalar side information, e.g. Meta-World's `"success"` (0 or 1). Empty for most
    /// environments (an empty dictionary costs no allocation).
    public var info: [String: Double]
    /// Set by ``EpisodeStatistics`` on the step that ends an episode.
    public var episode: EpisodeSummary?

    /// Creates a step result.
    public init(observation: [Double], reward: Double, terminated: Bool = false, truncated: Bool = false,
                info: [String: Double] = [:], episode: EpisodeSummary? = nil) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.info = info
        self.episode = episode
    }

    /// The episode ended, by termination or truncation.
    public var isLast: Bool { terminated || truncated }
}

/// The totals of one finished episode, as ``EpisodeStatistics`` records them.
public struct EpisodeSummary: Sendable, Equatable, Codable {
    /// Undiscounted sum of rewards.
    public var totalReward: Double
    /// Number of steps.
    public var length: Int
    /// Whether the episode ended by termination (else by truncation).
    public var terminated: Bool
    /// The largest value each info metric took during the episode (for Meta-World's
    /// `"success"`: 1 if the task was solved at any step).
    public var maxMetrics: [String: Double]

    /// Creates a summary.
    public init(totalReward: Double, length: Int, terminated: Bool, maxMetrics: [String: Double] = [:]) {
        self.totalReward = totalReward
        self.length = length
        self.terminated = terminated
        self.maxMetrics = maxMetrics
    }
}
