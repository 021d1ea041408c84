/// Estimates the time left in a run from the recent throughput of its current phase.
///
/// A run has two phases of very different speed: random actions without updates for its
/// first `randomSteps` steps (fast), then one action and `updatesPerStep` updates per step
/// (slow). Extrapolating the warm-up's speed promises far too little time, and the first
/// second of a phase (set-up, a first evaluation) far too much; so the estimator says
/// nothing during the warm-up (the speed that matters is unknown until updates start),
/// then measures the phase with updates only, over its last ``window`` seconds, once it
/// has seen ``minimumSeconds`` of it. Times are plain numbers (seconds on any clock), so
/// the estimate is a pure function of what the estimator was told.
package struct TimeLeftEstimator: Sendable, Equatable {
    /// Steps of random actions before updates start.
    package var randomSteps: Int
    /// Seconds of recent history the throughput is measured over (evaluations that fall
    /// inside it are averaged in).
    package var window: Double
    /// Seconds of the phase with updates needed before there is an estimate.
    package var minimumSeconds: Double

    private var samples: [Sample] = []

    private struct Sample: Sendable, Equatable {
        var time: Double
        var step: Int
    }

    /// An estimator for a run whose first `randomSteps` steps act at random, measuring over
    /// the last `window` seconds, silent until `minimumSeconds` of updates have passed.
    package init(randomSteps: Int, window: Double = 60, minimumSeconds: Double = 3) {
        self.randomSteps = randomSteps
        self.window = window
        self.minimumSeconds = minimumSeconds
    }

    /// Records that the run had done `step` steps at time `time` (seconds).
    package mutating func record(step: Int, at time: Double) {
        guard step >= randomSteps else {
            samples.removeAll(keepingCapacity: true)
            return
        }
        if let last = samples.last, time < last.time || step < last.step {
            samples.removeAll(keepingCapacity: true)  // a clock or a step that went back: start over
        }
        samples.append(Sample(time: time, step: step))
        // Keep one sample at or before the window's start, so the span covers the window.
        while samples.count > 2, time - samples[1].time >= window { samples.removeFirst() }
    }

    /// Seconds to reach `totalSteps` at the measured throughput; nil during the warm-up,
    /// before ``minimumSeconds`` of updates, and while no step is being made.
    package func secondsLeft(totalSteps: Int) -> Double? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let span = last.time - first.time
        let done = last.step - first.step
        guard span >= minimumSeconds, span > 0, done > 0 else { return nil }
        return Double(max(0, totalSteps - last.step)) * span / Double(done)
    }
}
