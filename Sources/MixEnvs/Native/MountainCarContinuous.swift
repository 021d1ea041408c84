import Foundation
import MixTensor

/// Gymnasium's `MountainCarContinuous-v0` (classic_control/continuous_mountain_car.py),
/// step for step: force `clip(a, -1, 1) * 0.0015` against gravity `0.0025 cos(3x)`,
/// speed clipped to ±0.07, position to [-1.2, 0.6] (velocity zeroed at the left wall),
/// goal `x >= 0.45` with non-negative velocity, reward `100 · goal - 0.1 a²` (with the
/// unclipped action).
///
/// Gymnasium stores the state as `float32` after every step (but `float64` after
/// reset), and with numpy 2's promotion rules `3 * position` is then a `float32`
/// product. This type reproduces both, so trajectories do not drift from Gymnasium's by
/// float32 rounding: over 600-step tests they agree exactly, or one float32 rounding
/// apart where `cos` differs in its last bit between math libraries. Observations are
/// that `float32` state.
///
/// No time limit of its own (``makeEnvironment(id:options:)`` adds 999 steps). With
/// ``rewardKind`` `.unshaped` the reward is -1 on every step until the goal
/// (`MountainCarContinuousUnshaped-v0`).
public struct MountainCarContinuous: Environment, Sendable {
    /// Reward definitions.
    public enum RewardKind: String, Sendable, Codable {
        /// Gymnasium's: 100 at the goal minus 0.1 a² per step.
        case shaped
        /// -1 on every step until the goal.
        case unshaped
    }

    /// Leftmost position.
    public static let minPosition = -1.2
    /// Rightmost position.
    public static let maxPosition = 0.6
    /// Speed bound.
    public static let maxSpeed = 0.07
    /// Goal position.
    public static let goalPosition = 0.45
    /// Force per unit of action.
    public static let power = 0.0015

    /// The identifier it was made from (`MountainCarContinuous-v0`, or the unshaped variant's id).
    public let id: String
    /// Which reward this car pays.
    public let rewardKind: RewardKind
    /// Minimum velocity at the goal (Gymnasium's `goal_velocity`, default 0).
    public let goalVelocity: Double

    /// Position.
    public private(set) var position = -0.5
    /// Velocity.
    public private(set) var velocity = 0.0
    /// Whether the state holds `float32` values (after a step), which changes how
    /// Gymnasium evaluates `3 * position`.
    private(set) var stateIsSinglePrecision = false
    private var random: RandomStream

    /// A car; `seed` seeds the reset distribution (position ~ U[-0.6, -0.4), velocity 0).
    public init(rewardKind: RewardKind = .shaped, goalVelocity: Double = 0, seed: UInt64 = 0) {
        self.id = rewardKind == .shaped ? "MountainCarContinuous-v0" : "MountainCarContinuousUnshaped-v0"
        self.rewardKind = rewardKind
        self.goalVelocity = goalVelocity
        self.random = RandomStream(seed: seed)
    }

    /// `[position, velocity]`, bounded by ``minPosition``...``maxPosition`` and
    /// ``maxSpeed`` (as `Float` values, as in Gymnasium).
    public let observationSpace = BoxSpace(low: [Double(Float(minPosition)), Double(Float(-maxSpeed))],
                                           high: [Double(Float(maxPosition)), Double(Float(maxSpeed))])
    /// One force in [-1, 1].
    public let actionSpace = BoxSpace(low: [-1], high: [1])

    /// The current observation `[position, velocity]` (as `Float` values).
    public var observation: [Double] { [Double(Float(position)), Double(Float(velocity))] }

    /// Sets a `float64` state, as assigning `np.array([x, v])` to Gymnasium's
    /// `env.unwrapped.state` does.
    public mutating func setState(position: Double, velocity: Double) {
        self.position = position
        self.velocity = velocity
        stateIsSinglePrecision = false
    }

    /// Starts at a position uniform in [-0.6, -0.4] with zero velocity. A seed restarts the
    /// random stream; `nil` continues it.
    public mutating func reset(seed: UInt64?) -> [Double] {
        if let seed { random = RandomStream(seed: seed) }
        setState(position: -0.6 + 0.2 * random.uniform(), velocity: 0)
        return observation
    }

    /// Applies the force (clamped) for one step, with Gymnasium's dynamics in its
    /// precision. Terminates on reaching the goal. Shaped reward: 100 at the goal minus
    /// `0.1 a^2`; unshaped: -1 per step. Throws for an action of the wrong length.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try checkAction(action)
        let a = action[0]
        let force = min(max(a, -1), 1)
        let threeX = stateIsSinglePrecision ? Double(Float(3) * Float(position)) : 3 * position
        var v = velocity + (force * Self.power - 0.0025 * cos(threeX))
        if v > Self.maxSpeed { v = Self.maxSpeed }
        if v < -Self.maxSpeed { v = -Self.maxSpeed }
        var x = position + v
        if x > Self.maxPosition { x = Self.maxPosition }
        if x < Self.minPosition { x = Self.minPosition }
        if x == Self.minPosition && v < 0 { v = 0 }
        let reached = x >= Self.goalPosition && v >= goalVelocity
        let reward: Double
        switch rewardKind {
        case .shaped: reward = (reached ? 100.0 : 0) - (a * a) * 0.1
        case .unshaped: reward = -1
        }
        position = Double(Float(x))
        velocity = Double(Float(v))
        stateIsSinglePrecision = true
        return StepResult(observation: observation, reward: reward, terminated: reached)
    }
}
