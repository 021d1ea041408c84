/// Counts and time estimates of a sweep at one moment.
package struct SweepSnapshot: Sendable, Equatable {
    /// Runs this invocation is responsible for.
    package var total: Int
    /// Finished runs, including those finished before this invocation.
    package var finished: Int
    /// Runs found finished when the sweep started (skipped).
    package var skipped: Int
    /// Runs whose process is running.
    package var running: Int
    /// Runs that failed and will not be tried again in this invocation.
    package var failed: Int
    /// Runs not started yet (including failed runs waiting for their retry).
    package var pending: Int
    /// Seconds since the sweep started.
    package var elapsed: Double
    /// Estimated seconds until every run has ended (``SweepTimeEstimate``); nil until a
    /// run has finished in this invocation, the first basis for an estimate.
    package var remaining: Double?
}

/// The time left in a sweep, from the runs that finished in this invocation: their
/// seconds per environment step (measured under the same load: the pool's other runs ran
/// beside them) applied to the steps still to do, spread over the pool's jobs.
///
/// Nothing is extrapolated from a run in progress: its logged step lags (metric files are
/// flushed at checkpoints) and its random warm-up runs several times faster than the rest,
/// so an estimate from it promises far too little or far too much. Until a run has
/// finished there is no estimate.
package enum SweepTimeEstimate {
    /// Environment steps of one run process and the seconds they took (or have taken so far).
    package struct Work: Sendable, Equatable {
        /// Environment steps this process does (the budget minus the step it resumed from).
        package var steps: Int
        /// Seconds it ran.
        package var seconds: Double

        /// `steps` steps in `seconds` seconds.
        package init(steps: Int, seconds: Double) {
            self.steps = steps
            self.seconds = seconds
        }
    }

    /// Seconds until every run has ended: `finished` runs give the seconds per step,
    /// `running` runs need their steps' worth minus what they already ran, `queued` runs
    /// (their step counts) all of it; the work is shared by `jobs` processes, and no
    /// estimate is below the longest running run's remainder. Nil without a finished run.
    package static func secondsLeft(finished: [Work], running: [Work], queued: [Int], jobs: Int) -> Double? {
        let steps = finished.reduce(0) { $0 + $1.steps }
        let seconds = finished.reduce(0) { $0 + $1.seconds }
        guard steps > 0, seconds > 0 else { return nil }
        let perStep = seconds / Double(steps)
        let runningLeft = running.map { max(0, Double($0.steps) * perStep - $0.seconds) }
        let total = runningLeft.reduce(0, +) + queued.reduce(0) { $0 + Double($1) * perStep }
        let slots = max(1, min(jobs, running.count + queued.count))
        return max(runningLeft.max() ?? 0, total / Double(slots))
    }
}

/// What happens in a sweep, as its pool reports it.
package enum SweepEvent: Sendable {
    /// The plan is checked and the pool starts.
    case started(SweepSnapshot)
    /// A run's process was started (`attempt` counts from 1 within this invocation).
    case runStarted(PlannedRun, action: String, attempt: Int, SweepSnapshot)
    /// A run's process ended.
    case runEnded(PlannedRun, RunRecord, SweepSnapshot)
    /// A run is still held by a process of an earlier sweep; the pool asked it to stop.
    case waitingForEarlierProcess(PlannedRun, pid: Int32)
    /// A stop was requested (`forced`: the second request, children get SIGKILL).
    case interrupting(signal: Int32, forced: Bool, SweepSnapshot)
    /// Periodic update (about once a second).
    case tick(SweepSnapshot)
    /// Every process has ended.
    case finished(SweepSummary)
}

/// Receives a sweep's events, on the thread that runs the pool. The library never
/// prints; the command line renders these as a live line or periodic plain lines.
package protocol SweepProgressReporter: AnyObject {
    func report(_ event: SweepEvent)
}

/// One run's result in a sweep invocation.
package struct RunRecord: Sendable, Codable, Equatable {
    /// The run's index in the plan.
    package var index: Int
    /// The run's id.
    package var id: String
    /// The options that vary across the plan.
    package var label: String
    /// `finished`, `skipped` (finished before), `failed`, `interrupted` or `pending`.
    package var outcome: String
    /// Processes started for it in this invocation.
    package var attempts: Int
    /// Seconds its processes ran in this invocation.
    package var seconds: Double
    /// How its last process ended.
    package var exit: String?
    /// For a failure: the error from `status.json` and the last lines of its log.
    package var error: String?
}

/// The outcome of a sweep invocation, as written to `summary.json`.
package struct SweepSummary: Sendable, Codable, Equatable {
    /// The sweep's name.
    package var name: String
    /// The sweep folder.
    package var folder: String
    /// When the invocation started (ISO 8601).
    package var startedAt: String
    /// How long the invocation took.
    package var seconds: Double
    /// The signal that interrupted the sweep, if one did.
    package var interruptedBy: Int32?
    /// Every run the invocation was responsible for, in plan order.
    package var runs: [RunRecord]

    /// How many runs ended with `outcome`.
    package func count(_ outcome: String) -> Int { runs.filter { $0.outcome == outcome }.count }
    /// Whether every run is finished (now or before).
    package var allFinished: Bool { runs.allSatisfy { $0.outcome == "finished" || $0.outcome == "skipped" } }
}
