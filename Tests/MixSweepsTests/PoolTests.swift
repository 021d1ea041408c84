import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MixReports
import MixSweeps
import Testing
import MixTestSupport

/// A sweep in a fresh temporary folder, run with the fake `train`.
struct PoolFixture: Sendable {
    let root: URL
    let launcher: TrainCommandLauncher
    let ledger: URL

    init(_ name: String = #function) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-sweep-tests/\(name.prefix { $0 != "(" })-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        launcher = try FakeTrain.install(in: root)
        ledger = root.appendingPathComponent("ledger")
        hold = root.appendingPathComponent("hold")
    }

    /// While this file exists, fake runs wait after their first step (see `FakeTrain`).
    let hold: URL

    /// Makes fake runs wait after their first step (`true`) or lets them go on.
    func holdRuns(_ on: Bool) {
        if on { _ = FileManager.default.createFile(atPath: hold.path, contents: nil) } else { try? FileManager.default.removeItem(at: hold) }
    }

    /// Removes the fixture's folder (kept when MIXRL_KEEP_TEST_FILES is set, for debugging).
    func remove() {
        if ProcessInfo.processInfo.environment["MIXRL_KEEP_TEST_FILES"] == nil { try? FileManager.default.removeItem(at: root) }
    }

    /// Writes the spec (3 configurations x `seeds` seeds, one environment) and returns its path.
    func writeSpec(out: String = "out", seeds: Int = 2, steps: Int = 10, jobs: Int = 2) throws -> String {
        let text = """
            [sweep]
            name = "pool"
            out = "\(root.appendingPathComponent(out).path)"
            jobs = \(jobs)

            [grid]
            environment = "Pendulum-v1"
            seeds = \(seeds)
            steps = \(steps)
            eval_every = 2
            checkpoint_every = 3

            [[grid.variant]]
            policy = "gaussian"
            estimator = "rp"

            [[grid.variant]]
            policy = "mixture"
            components = [2, 5]
            estimator = "mrp"
            """
        let path = root.appendingPathComponent("\(out).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ specPath: String) throws -> (SweepSpec, SweepPlan, SweepFolder) {
        let spec = try SweepSpec.load(path: specPath)
        let plan = try spec.plan()
        let folder = SweepFolder(path: spec.outputFolder)
        try folder.prepare(plan: plan, spec: spec)
        return (spec, plan, folder)
    }

    /// Runs the pool in this process.
    func run(_ specPath: String, environment: [String: String] = [:], retries: Int = 1, interrupt: SweepInterrupt = SweepInterrupt(),
             progress: (any SweepProgressReporter)? = nil) throws -> SweepSummary {
        let (spec, plan, folder) = try load(specPath)
        var options = SweepRunner.Options()
        options.jobs = spec.jobs
        options.retries = retries
        options.environment = ["FAKE_LEDGER": ledger.path, "FAKE_STEP_SECONDS": "0.02", "FAKE_STATE": root.path,
                               "FAKE_HOLD": hold.path].merging(environment) { $1 }
        return try SweepRunner(plan: plan, folder: folder, launcher: launcher, options: options, progress: progress).run(interrupt: interrupt)
    }

    /// The ledger's lines as (event, run id, step).
    func events() -> [(event: String, id: String, step: Int)] {
        let text = (try? String(contentsOf: ledger, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let p = line.split(separator: " ")
            return p.count == 3 ? (String(p[0]), String(p[1]), Int(p[2]) ?? -1) : nil
        }
    }

    func count(_ event: String, _ id: String? = nil) -> Int { events().filter { $0.event == event && (id == nil || $0.id == id) }.count }

    /// Every process of a run began after the previous one ended: (start|resume) then (finish|fail|interrupt), alternating.
    func processesNeverOverlap() -> Bool {
        var open: Set<String> = []
        for e in events() {
            if e.event == "start" || e.event == "resume" {
                if open.contains(e.id) { return false }
                open.insert(e.id)
            } else {
                open.remove(e.id)
            }
        }
        return open.isEmpty
    }

    /// `eval.csv` of every run, by id.
    func evaluations(_ folder: SweepFolder, _ plan: SweepPlan) -> [String: String] {
        Dictionary(uniqueKeysWithValues: plan.runs.map { run in
            (run.id, (try? String(contentsOf: folder.runFolder(run.id).evalFile, encoding: .utf8)) ?? "missing")
        })
    }

    /// Starts `mixrl sweep SPEC` as its own process (with the fake `train` unless `realTrain`),
    /// its output in `root`.
    func startPool(spec: String, realTrain: Bool = false) throws -> MixrlProcess {
        try Mixrl.start(["sweep", spec, "--no-report", "--progress-interval", "0.5"] + (realTrain ? [] : ["--train-command", launcher.executable]),
                        environment: ["FAKE_LEDGER": ledger.path, "FAKE_STEP_SECONDS": "0.05", "FAKE_STATE": root.path, "FAKE_HOLD": hold.path],
                        logsIn: root)
    }

    /// Waits until `condition` holds, up to `timeout` seconds.
    static func wait(_ timeout: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

/// Records events; optionally triggers an interrupt once runs have made progress.
final class Recorder: SweepProgressReporter {
    var events: [String] = []
    /// Triggers the interrupt at the first tick where the condition holds.
    var interruptWhen: (SweepInterrupt, () -> Bool)?

    func report(_ event: SweepEvent) {
        switch event {
        case .started: events.append("started")
        case .runStarted(let run, let action, _, _): events.append("\(action) \(run.id)")
        case .runEnded(let run, let record, _): events.append("\(record.outcome) \(run.id)")
        case .interrupting: events.append("interrupting")
        case .waitingForEarlierProcess: events.append("waiting")
        case .tick:
            if let (interrupt, condition) = interruptWhen, condition() {
                interrupt.trigger(SIGINT)
                interruptWhen = nil
            }
        case .finished: events.append("finished")
        }
    }
}

@Suite(.serialized, .integration) struct PoolTests {
    @Test func runsEveryRunOnceThenSkipsFinishedRuns() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec()
        let summary = try f.run(spec)
        #expect(summary.runs.count == 6)
        #expect(summary.runs.allSatisfy { $0.outcome == "finished" && $0.attempts == 1 })
        #expect(f.count("start") == 6 && f.count("finish") == 6)
        let (_, plan, folder) = try f.load(spec)
        for run in plan.runs {
            #expect(folder.runFolder(run.id).isFinished)
            #expect(FileManager.default.fileExists(atPath: folder.logFile(run.id).path))
        }
        // Started again: nothing runs.
        let again = try f.run(spec)
        #expect(again.runs.allSatisfy { $0.outcome == "skipped" && $0.attempts == 0 })
        #expect(f.count("start") == 6)
        let stored = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: folder.summaryFile))
        #expect(stored["runs"].map { if case .array(let a) = $0 { return a.count } else { return 0 } } == 6)

        // The report over it: tables, and SVGs that parse and hold every configuration.
        let report = SweepReport.make(folder: folder.url)
        let page = try report.write(to: folder.reportFolder)
        #expect(FileManager.default.fileExists(atPath: page.path))
        #expect(report.aggregate.summaries.map(\.label) == ["gaussian · rp", "mixture K=2 · mrp", "mixture K=5 · mrp"])
        let gaussian = try #require(report.aggregate.summaries.first?.finalReturn)
        // The fake's final return is 10 * steps - 1000 + 7 * seed + 3 * K: seeds 0 and 1 with K = 1.
        #expect(gaussian.estimate == -893.5 && gaussian.lower == -897 && gaussian.upper == -890)
        let curves = try String(contentsOf: folder.reportFolder.appendingPathComponent("Pendulum-v1-learning-curves.svg"), encoding: .utf8)
        let probe = try #require(SVGProbe.parse(curves))
        #expect(probe.seriesNames == ["gaussian · rp", "mixture K=2 · mrp", "mixture K=5 · mrp"])
        #expect(probe.classes["band"] == 3)
        #expect(probe.lineCoordinates.values.allSatisfy { $0 == 5 })  // evaluations at steps 2, 4, 6, 8, 10
        let versusK = try String(contentsOf: folder.reportFolder.appendingPathComponent("Pendulum-v1-final-return-vs-k.svg"), encoding: .utf8)
        #expect(try #require(SVGProbe.parse(versusK)).seriesNames == ["gaussian · rp", "mixture · mrp"])
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        // The table (header, rule, three rows) and the settings every run shares.
        let markdown = report.markdown().split(separator: "\n")
        #expect(markdown.count == 6)
        #expect(markdown.last?.hasPrefix("Settings shared by every run of Pendulum-v1: samples=1, baseline=none, steps=10, ") == true, "\(markdown)")
    }

    @Test func failedRunsAreRetriedOnceAndRecordedWithoutStoppingOthers() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(seeds: 3)
        // Seed 1 always fails; seed 2 fails once (before any checkpoint, so its retry starts afresh).
        let summary = try f.run(spec, environment: ["FAKE_FAIL_SEEDS": "1", "FAKE_FLAKY_SEEDS": "2"])
        let (_, plan, folder) = try f.load(spec)
        for run in plan.runs {
            let record = try #require(summary.runs.first { $0.id == run.id })
            switch run.configuration.seed {
            case 1:
                #expect(record.outcome == "failed" && record.attempts == 2)
                #expect(record.error?.contains("exit code 1: fake failure at step 2 (seed 1)") == true, "\(record.error ?? "")")
                #expect(record.error?.contains("fake-train: diverged at step 2") == true)
            case 2:
                #expect(record.outcome == "finished" && record.attempts == 2)
            default:
                #expect(record.outcome == "finished" && record.attempts == 1)
            }
        }
        #expect(summary.count("failed") == 3 && summary.count("finished") == 6)
        // Failures are in summary.json and in the report.
        let stored = try String(contentsOf: folder.summaryFile, encoding: .utf8)
        #expect(stored.contains("fake failure at step 2"))
        #expect(SweepReport.make(folder: folder.url).failures.count == 3)
        // Each invocation retries failed runs again.
        let again = try f.run(spec, environment: ["FAKE_FAIL_SEEDS": "1"], retries: 0)
        #expect(again.count("failed") == 3 && again.count("skipped") == 6)
        #expect(again.runs.filter { $0.outcome == "failed" }.allSatisfy { $0.attempts == 1 })
    }

    @Test func launchProblemsAreFailuresToo() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(seeds: 1, jobs: 1)
        let (_, plan, folder) = try f.load(spec)
        var options = SweepRunner.Options()
        options.retries = 0
        let quiet = try SweepRunner(plan: plan, folder: folder, launcher: TrainCommandLauncher(executable: "/bin/true"), options: options)
            .run(interrupt: SweepInterrupt())
        #expect(quiet.runs.allSatisfy { $0.outcome == "failed" && $0.error?.contains("status.json does not say finished") == true })
        let missing = try SweepRunner(plan: plan, folder: folder, launcher: TrainCommandLauncher(executable: "/nonexistent/mixrl"), options: options)
            .run(interrupt: SweepInterrupt())
        #expect(missing.runs.allSatisfy { $0.outcome == "failed" && $0.error?.contains("cannot start /nonexistent/mixrl") == true })
    }

    @Test func oneSweepPerFolder() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(seeds: 1, steps: 40)
        let interrupt = SweepInterrupt()
        let done = DispatchSemaphore(value: 0)
        let first = Thread {
            _ = try? f.run(spec, interrupt: interrupt)
            done.signal()
        }
        first.start()
        f.holdRuns(true)  // the first pool cannot finish before the second is tried
        #expect(PoolFixture.wait(300) { f.count("start") >= 1 })
        #expect(throws: SweepError.self) { try f.run(spec) }
        interrupt.trigger(SIGTERM)
        #expect(done.wait(timeout: .now() + 300) == .success)
        f.holdRuns(false)
        // Once the first pool has ended, the folder is free again.
        #expect(try f.run(spec).allFinished)
    }

    @Test func interruptedSweepResumesToTheSameResults() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(steps: 60)
        let reference = try f.writeSpec(out: "reference", steps: 60)
        #expect(try f.run(reference).allFinished)
        let (_, plan, referenceFolder) = try f.load(reference)
        try FileManager.default.removeItem(at: f.ledger)

        // The runs wait after their first step until the interrupt has come, so exactly
        // the two running ones are interrupted, on any machine.
        f.holdRuns(true)
        let interrupt = SweepInterrupt()
        let recorder = Recorder()
        recorder.interruptWhen = (interrupt, { f.count("start") >= 2 })
        let stopped = try f.run(spec, interrupt: interrupt, progress: recorder)
        f.holdRuns(false)
        #expect(stopped.interruptedBy == SIGINT)
        #expect(stopped.count("interrupted") == 2, "\(stopped.runs.map(\.outcome))")
        #expect(stopped.count("pending") == 4)
        #expect(f.count("interrupt") == 2)

        let resumed = try f.run(spec)
        #expect(resumed.allFinished)
        #expect(f.count("resume") == 2)
        let (_, _, folder) = try f.load(spec)
        for run in plan.runs { #expect(f.count("finish", run.id) == 1) }
        #expect(f.processesNeverOverlap())
        #expect(f.evaluations(folder, plan) == f.evaluations(referenceFolder, plan))
    }

    @Test func sigintToThePoolProcessCheckpointsAndRestartCompletes() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(steps: 20)
        let reference = try f.writeSpec(out: "reference", steps: 20)
        #expect(try f.run(reference).allFinished)
        let (_, plan, referenceFolder) = try f.load(reference)
        try FileManager.default.removeItem(at: f.ledger)

        // The runs wait after their first step, so the signal finds two of them running.
        // (Waits are hang guards: they return as soon as their condition holds.)
        f.holdRuns(true)
        let pool = try f.startPool(spec: spec)
        #expect(PoolFixture.wait(300) { f.count("start") >= 2 })
        kill(pool.processIdentifier, SIGINT)
        #expect(PoolFixture.wait(300) { !pool.isRunning })
        #expect(pool.terminationStatus == 130)
        #expect(f.count("interrupt") == 2)
        #expect(f.count("finish") == 0)

        f.holdRuns(false)
        let restart = try f.startPool(spec: spec)
        #expect(PoolFixture.wait(600) { !restart.isRunning })
        #expect(restart.terminationStatus == 0)
        let (_, _, folder) = try f.load(spec)
        for run in plan.runs { #expect(f.count("finish", run.id) == 1) }
        #expect(f.processesNeverOverlap())
        #expect(f.evaluations(folder, plan) == f.evaluations(referenceFolder, plan))
    }

    @Test func sigkillOfThePoolStopsItsRunsAndRestartCompletes() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let spec = try f.writeSpec(steps: 20)
        let reference = try f.writeSpec(out: "reference", steps: 20)
        #expect(try f.run(reference).allFinished)
        let (_, plan, referenceFolder) = try f.load(reference)
        try FileManager.default.removeItem(at: f.ledger)

        f.holdRuns(true)
        let pool = try f.startPool(spec: spec)
        #expect(PoolFixture.wait(300) { f.count("start") >= 2 })
        kill(pool.processIdentifier, SIGKILL)
        #expect(PoolFixture.wait(300) { !pool.isRunning })
        f.holdRuns(false)
        // Restart at once: the orphaned runs still hold their locks; the new pool waits for them.
        let restart = try f.startPool(spec: spec)
        #expect(PoolFixture.wait(600) { !restart.isRunning })
        #expect(restart.terminationStatus == 0)
        // The orphans got SIGTERM (parent-death signal) and checkpointed.
        #expect(f.count("interrupt") >= 2)
        let (_, _, folder) = try f.load(spec)
        for run in plan.runs { #expect(f.count("finish", run.id) == 1) }
        #expect(f.processesNeverOverlap())
        #expect(f.evaluations(folder, plan) == f.evaluations(referenceFolder, plan))
    }

    @Test func realTrainSweepInterruptedAndResumedMatchesUninterrupted() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        func writeSpec(_ out: String) throws -> String {
            let path = f.root.appendingPathComponent("\(out).toml").path
            try """
                [sweep]
                name = "real"
                out = "\(f.root.appendingPathComponent(out).path)"
                jobs = 2

                [grid]
                environment = "BimodalBandit-v0"
                seeds = 2
                steps = 4000
                random_steps = 50
                eval_every = 100
                eval_episodes = 3
                checkpoint_every = 200
                batch_size = 16
                hidden_sizes = [16, 16]

                [[grid.variant]]
                policy = "gaussian"
                estimator = "rp"

                [[grid.variant]]
                policy = "mixture"
                components = 3
                estimator = "mrp"
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let reference = try f.startPool(spec: try writeSpec("reference"), realTrain: true)
        #expect(PoolFixture.wait(900) { !reference.isRunning })
        #expect(reference.terminationStatus == 0)

        let spec = try writeSpec("interrupted")
        let runs = f.root.appendingPathComponent("interrupted/runs")
        let pool = try f.startPool(spec: spec, realTrain: true)
        // Interrupt once a run has logged some training.
        #expect(PoolFixture.wait(900) {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            return folders.contains { RunFolder(url: runs.appendingPathComponent($0)).lastLoggedStep() ?? 0 >= 150 }
        })
        kill(pool.processIdentifier, SIGINT)
        #expect(PoolFixture.wait(300) { !pool.isRunning })
        #expect(pool.terminationStatus == 130)
        let restart = try f.startPool(spec: spec, realTrain: true)
        #expect(PoolFixture.wait(900) { !restart.isRunning })
        #expect(restart.terminationStatus == 0)

        let plan = try SweepSpec.load(path: spec).plan()
        let done = SweepFolder(path: f.root.appendingPathComponent("interrupted").path)
        let ref = SweepFolder(path: f.root.appendingPathComponent("reference").path)
        #expect(plan.runs.contains { (try? String(contentsOf: done.logFile($0.id), encoding: .utf8))?.contains(": resume at ") == true },
                "no run was resumed, so the interruption tested nothing")
        for run in plan.runs {
            #expect(done.runFolder(run.id).isFinished)
            let a = try String(contentsOf: done.runFolder(run.id).evalFile, encoding: .utf8)
            let b = try String(contentsOf: ref.runFolder(run.id).evalFile, encoding: .utf8)
            #expect(a == b, "run \(run.id): eval.csv differs from the uninterrupted sweep")
            #expect(done.runFolder(run.id).status()?.finalReturn == ref.runFolder(run.id).status()?.finalReturn)
        }
    }
}
