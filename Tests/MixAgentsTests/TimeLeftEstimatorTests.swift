import MixAgents
import Testing

/// The time-left estimate of `mixrl train`, fed with synthetic timestamps.
@Suite struct TimeLeftEstimatorTests {
    /// Feeds the estimator a report every half second of a run whose step at time t is
    /// `step(t)`, up to `until`; returns the estimates by report time.
    static func estimates(randomSteps: Int, totalSteps: Int, until: Double, step: (Double) -> Int) -> [(time: Double, left: Double?)] {
        var estimator = TimeLeftEstimator(randomSteps: randomSteps)
        var out: [(Double, Double?)] = []
        var t = 0.5
        while t <= until {
            estimator.record(step: min(step(t), totalSteps), at: t)
            out.append((t, estimator.secondsLeft(totalSteps: totalSteps)))
            t += 0.5
        }
        return out
    }

    /// A two-minute run: 5,000 random steps in half a second, then 15,000 steps with
    /// updates at 8 ms each. Extrapolating from all steps so far promised about 19 s at
    /// step 6,000; the estimate from the update phase is the 112 s that are really left.
    @Test func theWarmUpDoesNotMakeALongRunLookShort() {
        func step(_ t: Double) -> Int { t <= 0.5 ? Int(t / 0.5 * 5_000) : 5_000 + Int((t - 0.5) / 0.008) }
        let runs = Self.estimates(randomSteps: 5_000, totalSteps: 20_000, until: 120.5, step: step)
        // Nothing during the warm-up and the first three seconds of updates.
        #expect(runs.filter { $0.time < 3.5 }.allSatisfy { $0.left == nil })
        for (time, left) in runs where time >= 3.5 {
            let truth = Double(20_000 - min(step(time), 20_000)) * 0.008
            #expect(left.map { abs($0 - truth) <= 0.01 * truth + 0.1 } == true, "at \(time) s: \(String(describing: left)) for \(truth)")
        }
        // What the old estimate (steps so far over time so far) said at step 6,000.
        let old = Double(20_000 - 6_000) / (6_000 / 8.5)
        #expect(old < 20)
    }

    /// A six-second run whose first steps are slow (set-up): the estimate does not
    /// extrapolate the slow start into an hour; it waits for a basis and is then right.
    @Test func aSlowStartDoesNotMakeAShortRunLookLong() {
        // 1 step in the first second (set-up), then 1,000 steps per second.
        func step(_ t: Double) -> Int { t < 1 ? 1 : 1 + Int((t - 1) * 1_000) }
        let runs = Self.estimates(randomSteps: 0, totalSteps: 6_000, until: 6, step: step)
        #expect(runs.filter { $0.time < 3.5 }.allSatisfy { $0.left == nil })
        for (time, left) in runs where time >= 3.5 && step(time) < 6_000 {
            let truth = Double(6_000 - step(time)) / 1_000
            // Within 20%: the window still holds the slow first second.
            #expect(left.map { abs($0 - truth) <= 0.2 * truth + 0.05 } == true, "at \(time) s: \(String(describing: left)) for \(truth)")
        }
    }

    /// The window forgets old speed: after a slowdown the estimate follows the new speed.
    @Test func theEstimateFollowsTheRecentSpeed() {
        var e = TimeLeftEstimator(randomSteps: 0, window: 10, minimumSeconds: 3)
        // 100 steps/s for 100 s, then 10 steps/s.
        for i in 0...200 {
            let t = Double(i)
            e.record(step: t <= 100 ? Int(t * 100) : 10_000 + Int((t - 100) * 10), at: t)
        }
        let left = e.secondsLeft(totalSteps: 20_000)
        #expect(left.map { abs($0 - Double(20_000 - 11_000) / 10) < 1e-9 } == true, "\(String(describing: left))")
        // No progress: no estimate.
        var stalled = TimeLeftEstimator(randomSteps: 0)
        for i in 0...10 { stalled.record(step: 5, at: Double(i)) }
        #expect(stalled.secondsLeft(totalSteps: 100) == nil)
    }
}
