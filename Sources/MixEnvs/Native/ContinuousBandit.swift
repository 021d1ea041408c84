import Foundation
import MixTensor

/// A reward surface over a scalar action made of Gaussian bumps
/// `height · exp(-½ ((a - center) / width)²)`: the multimodal landscapes on which a
/// mixture policy can hold several modes while a Gaussian must pick one.
///
/// The reward functions are public so that the variance benchmark and the policy tests
/// can integrate ``expectedReward(_:)`` by quadrature.
public struct BanditReward: Sendable, Equatable, Codable {
    /// One Gaussian bump.
    public struct Mode: Sendable, Equatable, Codable {
        /// Where the bump peaks.
        public var center: Double
        /// Its peak value.
        public var height: Double
        /// Its standard deviation.
        public var width: Double

        /// Creates a bump.
        public init(center: Double, height: Double, width: Double) {
            self.center = center
            self.height = height
            self.width = width
        }

        /// The bump's value at `action`.
        @inlinable public func value(at action: Double) -> Double {
            let z = (action - center) / width
            return height * exp(-0.5 * z * z)
        }
    }

    /// The bumps.
    public var modes: [Mode]
    /// If true, each pull draws one mode uniformly and pays `modes.count` times that
    /// mode's bump, so the expected reward is the sum of the bumps (the same surface as
    /// the deterministic bandit with these modes) but every single reward is unimodal.
    public var drawsOneModePerPull: Bool

    /// Creates a surface.
    public init(modes: [Mode], drawsOneModePerPull: Bool = false) {
        self.modes = modes
        self.drawsOneModePerPull = drawsOneModePerPull
    }

    /// `1.5 exp(-½((a+1)/0.05)²) + 1.5 exp(-½((a-1)/0.05)²)`: two equal optima at ±1.
    public static let symmetricBimodal = BanditReward(modes: [
        Mode(center: -1, height: 1.5, width: 0.05), Mode(center: 1, height: 1.5, width: 0.05),
    ])
    /// As ``symmetricBimodal`` but the mode at +1 has height 0.75: one global optimum
    /// (at -1) and a local one.
    public static let asymmetricBimodal = BanditReward(modes: [
        Mode(center: -1, height: 1.5, width: 0.05), Mode(center: 1, height: 0.75, width: 0.05),
    ])
    /// ``symmetricBimodal`` in expectation; each pull pays one randomly drawn mode.
    public static let stochasticBimodal = BanditReward(modes: symmetricBimodal.modes, drawsOneModePerPull: true)

    /// The expected reward of `action` (the deterministic reward when
    /// ``drawsOneModePerPull`` is false). Cost: one `exp` per mode.
    @inlinable public func expectedReward(_ action: Double) -> Double {
        var total = 0.0
        for mode in modes { total += mode.value(at: action) }
        return total
    }

    /// One pull's reward (draws a mode from `random` when the surface is stochastic).
    public func sampleReward(_ action: Double, using random: inout RandomStream) -> Double {
        guard drawsOneModePerPull, !modes.isEmpty else { return expectedReward(action) }
        let k = min(Int(random.uniform() * Double(modes.count)), modes.count - 1)
        return Double(modes.count) * modes[k].value(at: action)
    }
}

/// A one-step continuous bandit: every episode is a single pull with an action in
/// [-2, 2] (clamped), paid by a ``BanditReward``, after which the episode terminates.
/// The observation is the constant `[0]`. Its modes (``actionModes``) are the bumps of
/// its reward.
public struct ContinuousBandit: MultimodalEnvironment, Sendable {
    /// The identifier it was registered under (for example `BimodalBandit-v0`).
    public let id: String
    /// The reward surface.
    public let reward: BanditReward
    private var random: RandomStream

    /// A bandit named `id` with the given reward; `seed` seeds the mode draws.
    public init(id: String, reward: BanditReward, seed: UInt64 = 0) {
        self.id = id
        self.reward = reward
        self.random = RandomStream(seed: seed)
    }

    /// One dimension in [-1, 1]; the observation is always `[0]`.
    public let observationSpace = BoxSpace(low: [-1], high: [1])
    /// One dimension in [-2, 2].
    public let actionSpace = BoxSpace(low: [-2], high: [2])
    /// One: every episode is a single pull.
    public var maxEpisodeSteps: Int? { 1 }
    /// One mode per bump of the reward, at its centre; near means within three bump
    /// widths (where the bump still pays at least 1% of its height).
    public var actionModes: [ActionMode] {
        reward.modes.map { ActionMode(center: [$0.center], halfWidth: 3 * $0.width) }
    }

    /// Returns `[0]`; a seed restarts the stream of mode draws.
    public mutating func reset(seed: UInt64?) -> [Double] {
        if let seed { random = RandomStream(seed: seed) }
        return [0]
    }

    /// Pulls the arm at `action[0]` (clamped to [-2, 2]) and terminates the episode.
    /// Throws for an action of the wrong length.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try checkAction(action)
        let a = min(max(action[0], -2), 2)
        return StepResult(observation: [0], reward: reward.sampleReward(a, using: &random), terminated: true)
    }
}
