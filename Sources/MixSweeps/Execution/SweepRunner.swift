import Foundation
import MixAgents
import MixProcess
#if canImport(Glibc)
import Glibc
#endif

/// The local pool: runs a plan's runs as separate processes, `jobs` at a time, each in
/// its own folder, and ends when every run has ended or a stop was requested.
///
/// Per run: a finished folder (`status.json` says finished) is skipped; a folder with a
/// checkpoint is resumed; anything else starts afresh (an incomplete folder without a
/// checkpoint is removed first). A failed run is tried again up to `retries` times, after
/// the other runs, and recorded with its error; it never stops the others. Everything
/// happens on the calling thread, which ``run(interrupt:)`` blocks until every child
/// process has been reaped.
package final class SweepRunner {
    /// How the pool runs.
    package struct Options: Sendable {
        /// Runs at once.
        package var jobs: Int = 1
        /// Extra attempts for a failed run.
        package var retries: Int = 1
        /// BLAS threads per run.
        package var threadsPerRun: Int = 1
        /// Variables added to each run's environment.
        package var environment: [String: String] = [:]
        /// Seconds between polls of the children.
        package var pollInterval: Double = 0.05
        /// Seconds between `tick` events.
        package var tickInterval: Double = 1.0
        /// Run children under `setpriv --pdeathsig TERM` (where available).
        package var parentDeathSignal: Bool = true
        /// Hold the sweep folder's lock (no two pools on one folder) and write `summary.json`.
        /// Off for `run-one`, where many array tasks share the folder.
        package var exclusive: Bool = true
        /// Seconds to wait for an earlier process still holding a run before failing it.
        package var lockWaitSeconds: Double = 600

        /// The defaults: one job, one retry, one BLAS thread.
        package init() {}
    }

    let plan: SweepPlan
    let folder: SweepFolder
    let launcher: any RunLauncher
    let options: Options
    weak var progress: (any SweepProgressReporter)?

    /// A pool for `plan` writing into `folder`; `progress` (held weakly) receives its events.
    package init(plan: SweepPlan, folder: SweepFolder, launcher: any RunLauncher, options: Options, progress: (any SweepProgressReporter)? = nil) {
        self.plan = plan
        self.folder = folder
        self.launcher = launcher
        self.options = options
        self.progress = progress
    }

    private struct Active {
        var run: PlannedRun
        var process: ChildProcess
        var started: Date
        var startStep: Int
    }

    private struct Waiting {
        var index: Int
        var since: Date
    }

    /// Runs every run of the plan (or those with the given plan indices) and returns the
    /// summary (also written to `summary.json` when `exclusive`).
    package func run(indices: [Int]? = nil, interrupt: SweepInterrupt) throws(SweepError) -> SweepSummary {
        let startDate = Date()
        var sweepLock: FileLock?
        if options.exclusive {
            guard let lock = try FileLock.take(folder.sweepLockFile) else {
                let holder = FileLock.recordedHolder(of: folder.sweepLockFile).map(String.init) ?? "?"
                throw SweepError("another sweep is running in \(folder.url.path) (pid \(holder)); wait for it or stop it first")
            }
            lock.writeHolder(getpid())
            sweepLock = lock
        }
        defer { sweepLock?.release() }

        let selected = indices.map { Set($0) }
        let runs = plan.runs.filter { selected?.contains($0.index) ?? true }
        var records: [Int: RunRecord] = [:]
        var queue: [Int] = []
        for run in runs {
            let finished = folder.runFolder(run.id).isFinished
            records[run.index] = RunRecord(index: run.index, id: run.id, label: run.label, outcome: finished ? "skipped" : "pending",
                                           attempts: 0, seconds: 0, exit: nil, error: nil)
            if !finished { queue.append(run.index) }
        }
        let byIndex = Dictionary(uniqueKeysWithValues: runs.map { ($0.index, $0) })
        var active: [Active] = []
        var waiting: [Waiting] = []
        var signalled: Set<Int32> = []  // pids of earlier processes already asked to stop
        var handledRequests = 0
        var interrupting = false
        var finishedWork: [SweepTimeEstimate.Work] = []  // runs finished in this invocation
        var lastTick = Date.distantPast

        func snapshot() -> SweepSnapshot {
            let values = records.values
            let failed = values.filter { $0.outcome == "failed" }.count
            let finished = values.filter { $0.outcome == "finished" || $0.outcome == "skipped" }.count
            var s = SweepSnapshot(total: runs.count, finished: finished, skipped: values.filter { $0.outcome == "skipped" }.count,
                                  running: active.count, failed: failed, pending: runs.count - finished - failed - active.count,
                                  elapsed: Date().timeIntervalSince(startDate), remaining: nil)
            let now = Date()
            let running = active.map {
                SweepTimeEstimate.Work(steps: max(0, $0.run.configuration.steps - $0.startStep), seconds: now.timeIntervalSince($0.started))
            }
            let queued = (queue + waiting.map(\.index)).map { byIndex[$0]?.configuration.steps ?? 0 }
            s.remaining = SweepTimeEstimate.secondsLeft(finished: finishedWork, running: running, queued: queued, jobs: options.jobs)
            return s
        }

        func summary() -> SweepSummary {
            SweepSummary(name: plan.name, folder: folder.url.path, startedAt: ISO8601DateFormatter().string(from: startDate),
                         seconds: Date().timeIntervalSince(startDate), interruptedBy: interrupting ? interrupt.signal : nil,
                         runs: runs.compactMap { records[$0.index] })
        }

        func writeSummary() {
            guard options.exclusive, let data = try? SweepFolder.encode(summary()) else { return }
            try? folder.writeIfChanged(data, to: folder.summaryFile)
        }

        /// Starts run `index`, or leaves it waiting for an earlier process; false if it must wait.
        func start(_ index: Int) throws(SweepError) -> Bool {
            guard let run = byIndex[index], var record = records[index] else { return true }
            let runFolder = folder.runFolder(run.id)
            guard let lock = try FileLock.take(folder.lockFile(run.id)) else {
                if let pid = FileLock.liveHolder(of: folder.lockFile(run.id)), options.exclusive, !signalled.contains(pid) {
                    // We hold the sweep lock, so this is an orphan of an earlier sweep: ask it to checkpoint and stop.
                    kill(pid, SIGTERM)
                    signalled.insert(pid)
                    progress?.report(.waitingForEarlierProcess(run, pid: pid))
                }
                return false
            }
            if runFolder.isFinished {
                record.outcome = record.attempts == 0 ? "skipped" : "finished"
                records[index] = record
                lock.release()
                return true
            }
            let action: RunAction
            if runFolder.hasCheckpoint {
                action = .resume(folder: runFolder.url)
            } else {
                if runFolder.exists { try? FileManager.default.removeItem(at: runFolder.url) }
                action = .start(configuration: folder.configFile(run.id), folder: runFolder.url)
            }
            var command = launcher.command(for: action)
            command.environment["OPENBLAS_NUM_THREADS"] = String(options.threadsPerRun)
            command.environment["OMP_NUM_THREADS"] = String(options.threadsPerRun)
            command.environment["MIXRL_SWEEP_RUN"] = run.id
            for (k, v) in options.environment { command.environment[k] = v }
            record.attempts += 1
            let log = folder.logFile(run.id)
            let header = "=== mixrl sweep: run \(run.id) attempt \(record.attempts): \(action.name) at \(ISO8601DateFormatter().string(from: Date()))\n"
            Self.append(header, to: log)
            let process: ChildProcess
            do {
                process = try ChildProcess.spawn(command, log: log, lockDescriptor: lock.descriptor, parentDeathSignal: options.parentDeathSignal)
            } catch {
                lock.release()
                record.outcome = "failed"
                record.error = error.message
                records[index] = record
                progress?.report(.runEnded(run, record, snapshot()))
                return true
            }
            lock.writeHolder(process.pid)
            lock.release()  // the child holds it now
            record.outcome = "running"
            records[index] = record
            var startStep = 0
            if case .resume = action { startStep = runFolder.lastLoggedStep() ?? 0 }
            active.append(Active(run: run, process: process, started: Date(), startStep: startStep))
            progress?.report(.runStarted(run, action: action.name, attempt: record.attempts, snapshot()))
            return true
        }

        func ended(_ a: Active, _ status: ExitStatus) {
            guard var record = records[a.run.index] else { return }
            let runFolder = folder.runFolder(a.run.id)
            record.seconds += Date().timeIntervalSince(a.started)
            record.exit = status.description
            let runStatus = runFolder.status()
            if status == .exited(0) && runStatus?.state == .finished {
                record.outcome = "finished"
                record.error = nil
                finishedWork.append(SweepTimeEstimate.Work(steps: max(0, a.run.configuration.steps - a.startStep),
                                                           seconds: Date().timeIntervalSince(a.started)))
            } else if interrupting && [.exited(130), .exited(143), .signaled(SIGTERM), .signaled(SIGINT), .signaled(SIGKILL)].contains(status) {
                record.outcome = "interrupted"
            } else {
                var reason = status == .exited(0) ? "exited with code 0 but status.json does not say finished" : status.description
                if [.exited(130), .exited(143)].contains(status) { reason += " (interrupted by a signal from outside the sweep)" }
                if let error = runStatus?.error, !error.isEmpty, runStatus?.state == .failed {
                    reason += ": " + error
                } else if let line = Self.lastErrorLine(of: folder.logFile(a.run.id)) {
                    reason += ": " + line
                }
                let tail = FileTail.lastLines(of: folder.logFile(a.run.id), count: 20)
                record.error = reason + (tail.isEmpty ? "" : "\n" + tail.joined(separator: "\n"))
                if record.attempts <= options.retries && !interrupting {
                    record.outcome = "pending"
                    queue.append(a.run.index)
                } else {
                    record.outcome = "failed"
                }
            }
            records[a.run.index] = record
            progress?.report(.runEnded(a.run, record, snapshot()))
            writeSummary()
        }

        progress?.report(.started(snapshot()))
        writeSummary()
        while true {
            // Stop requests.
            let requests = interrupt.requests
            if requests > handledRequests {
                let forced = requests >= 2
                if !interrupting || forced {
                    for a in active { a.process.send(forced ? SIGKILL : SIGTERM) }
                    progress?.report(.interrupting(signal: interrupt.signal, forced: forced, snapshot()))
                }
                interrupting = true
                handledRequests = requests
            }
            // Start what fits.
            if !interrupting {
                var stillWaiting: [Waiting] = []
                for w in waiting {
                    if active.count < options.jobs, try start(w.index) { continue }
                    if Date().timeIntervalSince(w.since) > options.lockWaitSeconds, var record = records[w.index] {
                        record.outcome = "failed"
                        record.error = "an earlier process still holds \(folder.lockFile(record.id).path) after \(Int(options.lockWaitSeconds)) s"
                        records[w.index] = record
                        continue
                    }
                    stillWaiting.append(w)
                }
                waiting = stillWaiting
                while active.count < options.jobs, !queue.isEmpty {
                    let index = queue.removeFirst()
                    if try !start(index) { waiting.append(Waiting(index: index, since: Date())) }
                }
            }
            // Reap.
            var index = 0
            while index < active.count {
                if let status = active[index].process.poll() {
                    let a = active.remove(at: index)
                    ended(a, status)
                } else {
                    index += 1
                }
            }
            if active.isEmpty && (interrupting || (queue.isEmpty && waiting.isEmpty)) { break }
            if Date().timeIntervalSince(lastTick) >= options.tickInterval {
                lastTick = Date()
                progress?.report(.tick(snapshot()))
            }
            usleep(UInt32(options.pollInterval * 1_000_000))
        }
        if interrupting {
            for i in queue + waiting.map(\.index) { records[i]?.outcome = "pending" }
        }
        writeSummary()
        let result = summary()
        progress?.report(.finished(result))
        return result
    }

    /// The line of a run's log that most likely says why its last attempt failed: the last
    /// line of that attempt naming an error (`mixrl train: ...`, `error: ...`,
    /// `Fatal error: ...`), else its last line that is not a progress line; nil if the
    /// attempt wrote nothing.
    package static func lastErrorLine(of log: URL) -> String? {
        var lines = FileTail.lastLines(of: log, count: 200, maxBytes: 65_536)
        if let header = lines.lastIndex(where: { $0.hasPrefix("=== mixrl sweep: ") }) { lines = Array(lines[(header + 1)...]) }
        lines = lines.map { $0.trimmingSpaces }.filter { !$0.isEmpty && !$0.hasPrefix("step ") }
        let named = lines.last { line in
            let lower = line.lowercased()
            return lower.hasPrefix("mixrl") || lower.contains("error") || lower.hasPrefix("fatal")
        }
        guard let line = named ?? lines.last else { return nil }
        return line.count > 300 ? String(line.prefix(300)) + "..." : line
    }

    static func append(_ text: String, to url: URL) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

extension FileLock {
    /// ``tryAcquire(_:)`` with a sweep's error: nil if another process holds the lock.
    static func take(_ url: URL) throws(SweepError) -> FileLock? {
        do { return try tryAcquire(url) } catch { throw SweepError("cannot open the lock file \(error.path): \(error.reason)") }
    }
}
