/// Estimates the time left in a run from the recent throughput of its current phase.
///
/// A run has phases of very different speed: random actions without updates first (fast),
/// then one action and `updatesPerStep` updates per step (slow). Extrapolating the
/// warm-up's speed promises far too little time, and the first second of a phase (set-up,
/// a first evaluation) far too much; so the estimator measures only the phase the run is
/// in, over its last ``window`` seconds, and gives no estimate until it has seen at least
/// ``minimumSeconds`` of that phase. Times are plain numbers (seconds on any clock), so the
/// estimator is a pure function of what it was told.
package struct TimeLeftEstimator: Sendable, Equatable {
    /// Seconds of recent history the throughput is measured over (evaluations that fall
    /// inside it are averaged in).
    package var window: Double
    /// Seconds of the current phase needed before there is an estimate.
    package var minimumSeconds: Double

    private var phase: Int?
    private var samples: [Sample] = []

    private struct Sample: Sendable, Equatable {
        var time: Double
        var step: Int
    }

    /// An estimator measuring over the last `window` seconds, silent for the first
    /// `minimumSeconds` of each phase.
    package init(window: Double = 60, minimumSeconds: Double = 3) {
        self.window = window
        self.minimumSeconds = minimumSeconds
    }

    /// Records that `step` steps were done at time `time`, in phase `phase` (a phase
    /// other than the last one recorded starts the measurement over).
    package mutating func record(step: Int, at time: Double, phase: Int) {
        if phase != self.phase {
            self.phase = phase
            samples.removeAll(keepingCapacity: true)
        }
        if let last = samples.last, time < last.time || step < last.step {
            samples.removeAll(keepingCapacity: true)  // a clock or step that went back: start over
        }
        samples.append(Sample(time: time, step: step))
        // Keep one sample at or beyond the window's start, so the span covers the window.
        while samples.count > 2, time - samples[1].time >= window { samples.removeFirst() }
    }

    /// Forgets everything (the run entered a phase whose speed is unknown).
    package mutating func reset() {
        phase = nil
        samples.removeAll(keepingCapacity: true)
    }

    /// Seconds to reach `totalSteps` at the measured throughput; nil while the current
    /// phase has lasted less than ``minimumSeconds`` or made no progress.
    package func secondsLeft(totalSteps: Int) -> Double? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let span = last.time - first.time
        let done = last.step - first.step
        guard span >= minimumSeconds, span > 0, done > 0 else { return nil }
        return Double(max(0, totalSteps - last.step)) * span / Double(done)
    }
}
