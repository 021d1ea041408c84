#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MixTensor

/// Timing for the benchmarks of this module (`mixrl bench`): a monotonic clock, medians of repetitions,
/// and interleaved comparison of candidates that do the same work.
///
/// A benchmark here always compares against a reference timed in the same run, so
/// what matters is that both sides see the same machine: candidates run interleaved,
/// repetition by repetition, in alternating order, and the median over repetitions
/// discards the repetitions that another process or a frequency change disturbed.
enum Timing {
    /// Nanoseconds on the monotonic clock (`CLOCK_MONOTONIC`: never jumps with the wall clock).
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds elapsed since `start` (a value of ``now()``).
    static func seconds(since start: UInt64) -> Double { Double(now() &- start) * 1e-9 }

    /// Seconds per iteration of `body(iterations)`, which must run its work `iterations`
    /// times (the loop lives inside `body`, so no closure call sits between iterations).
    static func secondsPerIteration(iterations: Int, _ body: (Int) -> Void) -> Double {
        let start = now()
        body(iterations)
        return seconds(since: start) / Double(max(iterations, 1))
    }

    /// The number of iterations that makes one run of `body` last about `targetSeconds`,
    /// found by doubling from one iteration; also serves as the warm-up.
    static func calibrate(targetSeconds: Double, _ body: (Int) -> Void) -> Int {
        var iterations = 1
        while true {
            let start = now()
            body(iterations)
            let elapsed = seconds(since: start)
            if elapsed >= targetSeconds / 4 || iterations >= 1 << 30 {
                return max(1, Int((Double(iterations) * targetSeconds / max(elapsed, 1e-9)).rounded(.up)))
            }
            iterations *= 2
        }
    }

    /// Times `candidates` interleaved: each repetition runs every candidate for
    /// `iterations` iterations, in an order that rotates from one repetition to the next.
    /// Returns one summary (seconds per iteration) per candidate, in the given order.
    static func interleaved(repetitions: Int, iterations: Int, _ candidates: [(Int) -> Void]) -> [TimingSummary] {
        var samples = [[Double]](repeating: [], count: candidates.count)
        for repetition in 0..<max(repetitions, 1) {
            for offset in 0..<candidates.count {
                let index = (repetition + offset) % candidates.count
                samples[index].append(secondsPerIteration(iterations: iterations, candidates[index]))
            }
        }
        return samples.map(TimingSummary.init)
    }

    /// The median over repetitions of `reference[i] / candidate[i]`: a throughput ratio
    /// built from measurements taken side by side, so a disturbance that slows one
    /// repetition cancels out instead of landing on one side only.
    static func pairedRatio(reference: TimingSummary, candidate: TimingSummary) -> Double {
        TimingSummary(zip(reference.samples, candidate.samples).map { $0 / $1 }).median
    }
}

/// The median, minimum and maximum of repeated measurements.
struct TimingSummary: Sendable {
    /// Every measurement, in the order taken.
    var samples: [Double]
    var median: Double
    var minimum: Double
    var maximum: Double

    init(_ samples: [Double]) {
        require(!samples.isEmpty, "TimingSummary needs at least one measurement")
        self.samples = samples
        let sorted = samples.sorted()
        let mid = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
    }
}

/// Interleaved timing of wall time and a CPU clock: the calling thread's
/// (`CLOCK_THREAD_CPUTIME_ID`, for one thread: OpenBLAS then runs in the caller) or the
/// process's (`CLOCK_PROCESS_CPUTIME_ID`, which also counts helper threads, including
/// any time they spend spinning). A loaded machine inflates wall time, not CPU time.
enum CPUClock {
    case thread, process

    /// Nanoseconds of CPU time on this clock so far.
    func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(self == .thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Times `candidates` like ``Timing/interleaved(repetitions:iterations:_:)``,
    /// recording both wall time and this clock; one summary (seconds per iteration) per
    /// candidate and clock, in the given order.
    func interleaved(repetitions: Int, iterations: Int, _ candidates: [(Int) -> Void])
        -> (wall: [TimingSummary], cpu: [TimingSummary]) {
        var wall = [[Double]](repeating: [], count: candidates.count), cpu = wall
        for repetition in 0..<max(repetitions, 1) {
            for offset in 0..<candidates.count {
                let index = (repetition + offset) % candidates.count
                let w0 = Timing.now(), c0 = nanoseconds()
                candidates[index](iterations)
                let c1 = nanoseconds(), w1 = Timing.now()
                wall[index].append(Double(w1 &- w0) * 1e-9 / Double(iterations))
                cpu[index].append(Double(c1 &- c0) * 1e-9 / Double(iterations))
            }
        }
        return (wall.map(TimingSummary.init), cpu.map(TimingSummary.init))
    }
}
