import Foundation
import MixTensor

/// Gymnasium's `Pendulum-v1` (classic_control/pendulum.py), step for step: torque-limited
/// swing-up, semi-implicit Euler with dt = 0.05, speed clipped to ±8, reward
/// `-(θ² + 0.1 θ̇² + 0.001 u²)` with θ normalized to [-π, π). The arithmetic follows
/// Gymnasium's expression order in `Double`, so trajectories agree to the last bit or two
/// (over 600-step tests: observations equal, rewards within an ulp).
///
/// Observations are `[cos θ, sin θ, θ̇]`, rounded to `Float` as Gymnasium returns them.
/// No time limit of its own: ``makeEnvironment(id:options:)`` wraps it in a 200-step
/// ``TimeLimit`` as `gym.make` does. With ``rewardKind`` `.unshaped` the reward is -1 on
/// every step and the episode terminates once the pendulum is within ``goalAngle`` of
/// upright and slower than ``goalSpeed`` (`PendulumUnshaped-v1`).
public struct Pendulum: Environment, Sendable {
    /// Reward definitions.
    public enum RewardKind: String, Sendable, Codable {
        /// Gymnasium's quadratic cost.
        case shaped
        /// -1 on every step until the goal, which terminates the episode.
        case unshaped
    }

    /// Maximum angular speed (rad/s).
    public static let maxSpeed = 8.0
    /// Maximum torque (N m).
    public static let maxTorque = 2.0
    /// Integration step (s).
    public static let dt = 0.05

    /// The identifier it was made from (`Pendulum-v1`, or the unshaped variant's id).
    public let id: String
    /// Gravity (Gymnasium's default 10).
    public let gravity: Double
    /// Mass (kg).
    public let mass = 1.0
    /// Length (m).
    public let length = 1.0
    /// Which reward this pendulum pays.
    public let rewardKind: RewardKind
    /// Unshaped goal: |θ| below this (rad).
    public let goalAngle: Double
    /// Unshaped goal: |θ̇| below this (rad/s).
    public let goalSpeed: Double

    /// Angle θ (rad), 0 is upright; not normalized (as in Gymnasium).
    public var theta = 0.0
    /// Angular velocity θ̇ (rad/s).
    public var thetaDot = 0.0
    private var random: RandomStream

    /// A pendulum; `seed` seeds the reset distribution (θ ~ U[-π, π], θ̇ ~ U[-1, 1]).
    public init(gravity: Double = 10, rewardKind: RewardKind = .shaped, goalAngle: Double = 0.2,
                goalSpeed: Double = 1.0, seed: UInt64 = 0) {
        self.id = rewardKind == .shaped ? "Pendulum-v1" : "PendulumUnshaped-v1"
        self.gravity = gravity
        self.rewardKind = rewardKind
        self.goalAngle = goalAngle
        self.goalSpeed = goalSpeed
        self.random = RandomStream(seed: seed)
    }

    /// `[cos θ, sin θ, θ̇]` with `|θ̇| <= maxSpeed`.
    public let observationSpace = BoxSpace(low: [-1, -1, -maxSpeed], high: [1, 1, maxSpeed])
    /// One torque in [-``maxTorque``, ``maxTorque``].
    public let actionSpace = BoxSpace(low: [-maxTorque], high: [maxTorque])

    /// The current observation `[cos θ, sin θ, θ̇]` (as `Float` values).
    public var observation: [Double] {
        [Double(Float(cos(theta))), Double(Float(sin(theta))), Double(Float(thetaDot))]
    }

    /// Sets the state directly (for tests against another implementation, or custom starts).
    public mutating func setState(theta: Double, thetaDot: Double) {
        self.theta = theta
        self.thetaDot = thetaDot
    }

    /// Starts at θ uniform in [-π, π) and θ̇ uniform in [-1, 1]. A seed restarts the
    /// random stream; `nil` continues it.
    public mutating func reset(seed: UInt64?) -> [Double] {
        if let seed { random = RandomStream(seed: seed) }
        theta = -Double.pi + 2 * Double.pi * random.uniform()
        thetaDot = -1 + 2 * random.uniform()
        return observation
    }

    /// Applies the torque (clamped) for one step of `dt`, Gymnasium's dynamics and cost.
    /// Shaped reward: minus the cost, never terminates. Unshaped: -1 per step, terminates
    /// inside the goal region. Throws for an action of the wrong length.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try checkAction(action)
        let (g, m, l, dt) = (gravity, mass, length, Self.dt)
        let u = min(max(action[0], -Self.maxTorque), Self.maxTorque)
        let normalized = angleNormalize(theta)
        let cost = normalized * normalized + 0.1 * (thetaDot * thetaDot) + 0.001 * (u * u)
        var newThetaDot = thetaDot + (3 * g / (2 * l) * sin(theta) + 3.0 / (m * (l * l)) * u) * dt
        newThetaDot = min(max(newThetaDot, -Self.maxSpeed), Self.maxSpeed)
        theta = theta + newThetaDot * dt
        thetaDot = newThetaDot
        switch rewardKind {
        case .shaped:
            return StepResult(observation: observation, reward: -cost)
        case .unshaped:
            let reached = abs(angleNormalize(theta)) < goalAngle && abs(thetaDot) < goalSpeed
            return StepResult(observation: observation, reward: -1, terminated: reached)
        }
    }
}

/// θ mapped to [-π, π) exactly as Gymnasium's `((x + π) % (2π)) - π`: numpy's float
/// remainder is C's `fmod`, moved by one period when its sign differs from the divisor's.
@inlinable func angleNormalize(_ x: Double) -> Double {
    let period = 2 * Double.pi
    var r = (x + Double.pi).truncatingRemainder(dividingBy: period)
    if r != 0, r < 0 { r += period }
    return r - Double.pi
}
