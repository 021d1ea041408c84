// Step 1: your own environment.
//
// Anything that conforms to `Environment` can be trained on: an id, an observation
// space, an action space, `reset(seed:)` and `step(_:)`. This one is a one-step
// continuous bandit whose reward has three peaks of different heights, the kind of
// landscape where a mixture of Gaussians can keep several modes while a single Gaussian
// must commit to one.

import Foundation
import MixRL
import Synchronization

/// One Gaussian bump of the reward: `height * exp(-½ ((a - center) / width)²)`.
struct Peak: Sendable {
    var center: Double
    var height: Double
    var width: Double

    func value(at action: Double) -> Double {
        let z = (action - center) / width
        return height * exp(-0.5 * z * z)
    }
}

/// A one-step bandit: each episode is a single action in [-2, 2]; the reward is the sum
/// of three bumps and the episode then terminates. The observation is the constant `[0]`
/// (there is nothing to observe: the task is to find the best action).
///
/// The environment is a value (a struct): the trainer makes its own copies through the
/// registry (one to train on, one to evaluate on). To see from outside what the trainer
/// did with them, every copy reports to a shared ``StepCounter``.
struct ThreePeaks: Environment {
    /// The name it is registered and looked up by.
    static let name = "ThreePeaks-v0"

    /// Heights 0.8, 0.6 and 1.0: the best action is +1.2, the runner-up -1.2. Widths of
    /// 0.2 make the peaks easy to find with a few hundred random actions (with peaks as
    /// narrow as 0.05, SAC needs far more than a few thousand steps).
    static let peaks = [
        Peak(center: -1.2, height: 0.8, width: 0.2),
        Peak(center: 0.0, height: 0.6, width: 0.2),
        Peak(center: 1.2, height: 1.0, width: 0.2),
    ]

    var id: String { ThreePeaks.name }
    let observationSpace: BoxSpace
    let actionSpace = BoxSpace(low: [-2], high: [2])
    var maxEpisodeSteps: Int? { 1 }
    /// Where this copy reports its resets and steps.
    let counter: StepCounter

    /// - Parameter observationSize: the length of the (all-zero) observation; 1 unless
    ///   you want an environment that a trained agent does not fit.
    init(counter: StepCounter, observationSize: Int = 1) {
        self.counter = counter
        observationSpace = BoxSpace(dimension: observationSize, low: -1, high: 1)
        counter.recordInstance()
    }

    /// The reward of an action (the environment is deterministic: no seed needed).
    static func reward(_ action: Double) -> Double {
        peaks.reduce(0) { $0 + $1.value(at: action) }
    }

    mutating func reset(seed: UInt64?) -> [Double] {
        counter.recordReset()
        return Array(repeating: 0, count: observationSpace.dimension)
    }

    mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try checkAction(action)  // throws a typed EnvironmentError for a wrong-sized action
        counter.recordStep()
        let a = min(max(action[0], -2), 2)
        return StepResult(observation: Array(repeating: 0, count: observationSpace.dimension),
                          reward: ThreePeaks.reward(a), terminated: true)
    }
}

/// Counts instances, resets and steps across every copy of an environment, from any
/// thread. A `final class` holding a `Mutex` is `Sendable`, so the registry's `@Sendable`
/// factory closure can capture it.
final class StepCounter: Sendable {
    struct Counts: Sendable {
        var instances = 0
        var resets = 0
        var steps = 0
    }

    private let counts = Mutex(Counts())

    func recordInstance() { counts.withLock { $0.instances += 1 } }
    func recordReset() { counts.withLock { $0.resets += 1 } }
    func recordStep() { counts.withLock { $0.steps += 1 } }
    var current: Counts { counts.withLock { $0 } }
}
