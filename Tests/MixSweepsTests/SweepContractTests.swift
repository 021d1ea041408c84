import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MixAgents
import MixSweeps
import MixTestSupport
import Testing

/// A finished `mixrl` process: exit status and what it printed.
struct MixrlRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `mixrl ARGUMENTS` (output to files in `folder`; ten minutes at most: only a
    /// hang takes that long), with `environment` added to this process's.
    init(_ arguments: [String], logsIn folder: URL, environment: [String: String] = [:],
         sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let r = try Mixrl.run(arguments, environment: environment, logsIn: folder, sourceLocation: sourceLocation)
        status = r.status
        stdout = r.standardOutput
        stderr = r.standardError
    }
}

/// What `mixrl sweep` and `mixrl report` promise about sweep folders, failures and reports.
@Suite(.serialized) struct SweepContractTests {
    /// A second, different spec pointed at a sweep folder is refused without touching it;
    /// the same spec again resumes; a folder holding other files is refused too.
    @Test(.integration) func anotherSpecCannotTakeOverASweepFolder() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        // Two seeds: a different plan, for the same folder.
        let other = f.root.appendingPathComponent("other.toml")
        try FileManager.default.copyItem(atPath: try f.writeSpec(out: "out", seeds: 2, steps: 4), toPath: other.path)
        let spec = try f.writeSpec(out: "out", seeds: 1, steps: 4)
        let folder = f.root.appendingPathComponent("out")
        let fake = ["--train-command", f.launcher.executable, "--no-report"]
        let first = try MixrlRun(["sweep", spec] + fake, logsIn: f.root)
        #expect(first.status == 0, "\(first.stderr)")
        let plan = try Data(contentsOf: folder.appendingPathComponent("plan.json"))
        let toml = try Data(contentsOf: folder.appendingPathComponent("sweep.toml"))

        let refused = try MixrlRun(["sweep", other.path] + fake, logsIn: f.root)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("mixrl: \(folder.path) holds another sweep (\"pool\" from \(spec)), not the runs of \(other.path) "
                                        + "(3 runs there, 6 in this spec; 3 of this spec's runs are not in the folder's plan and 0 of its runs are not in this spec). "
                                        + "Nothing was changed. Give this spec another folder (out = \"...\" in its [sweep] section, or --set sweep.out=DIR), "
                                        + "or delete \(folder.path) to start over"), "\(refused.stderr)")
        #expect(try Data(contentsOf: folder.appendingPathComponent("plan.json")) == plan)
        #expect(try Data(contentsOf: folder.appendingPathComponent("sweep.toml")) == toml)
        // Overrides that change the runs are another plan too.
        let overridden = try MixrlRun(["sweep", spec, "--set", "steps=5"] + fake, logsIn: f.root)
        #expect(overridden.status == 2 && overridden.stderr.contains("holds another sweep"), "\(overridden.stderr)")

        // The same spec again: every run is found finished.
        let again = try MixrlRun(["sweep", spec] + fake, logsIn: f.root)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("sweep pool: 3 runs, 3 already finished"), "\(again.stderr)")

        // A folder that is not a sweep folder.
        let busy = f.root.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try "x".write(to: busy.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let foreign = try MixrlRun(["sweep", try f.writeSpec(out: "busy", seeds: 1, steps: 4)] + fake, logsIn: f.root)
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("\(busy.path) is not empty and is not a sweep folder (no plan.json); it holds data.csv. Nothing was written."),
                "\(foreign.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: busy.path) == ["data.csv"])
    }

    /// A run that fails shows its error line on the console, not only its exit code; when
    /// every run fails the report is still written and lists each failure with its error.
    @Test(.integration) func failuresShowTheirErrorAndAreReported() throws {
        let f = try PoolFixture()
        defer { f.remove() }
        let failing = f.root.appendingPathComponent("failing-train.sh")
        try """
            #!/bin/bash
            echo "loading the environment" >&2
            echo "mixrl train: environment: gym:Nope-v0 is not registered (a test double)" >&2
            echo "exiting" >&2
            exit 1
            """.write(to: failing, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing.path)
        let spec = try f.writeSpec(out: "failing", seeds: 1, steps: 4)
        let run = try MixrlRun(["sweep", spec, "--train-command", failing.path], logsIn: f.root)
        #expect(run.status == 1)
        let error = "exit code 1: mixrl train: environment: gym:Nope-v0 is not registered (a test double)"
        #expect(run.stderr.contains("failed, will retry after ") && run.stderr.contains(error), "\(run.stderr)")
        #expect(run.stderr.contains("3 failed"), "\(run.stderr)")
        let folder = f.root.appendingPathComponent("failing")
        let summary = try String(contentsOf: folder.appendingPathComponent("report/summary.md"), encoding: .utf8)
        #expect(summary.contains("3 run(s) failed (details in summary.json and logs/<id>.log):"), "\(summary)")
        let (_, plan, _) = try f.load(spec)
        for r in plan.runs { #expect(summary.contains("- \(r.id) (\(r.label)): \(error)\n"), "\(summary)") }
        #expect(run.stdout.contains(summary))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report/report.html").path))
    }

    static func writeRun(_ root: URL, _ name: String, components: Int, seed: Int, returns: [(Int, Double)], state: String?, step: Int) throws {
        let run = root.appendingPathComponent("runs/\(name)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try """
            {"environment": "Pendulum-v1", "policy": "mixture", "components": \(components), "estimator": "mrp", "samples": 1, "baseline": null,
             "steps": 1000, "hidden_sizes": [64, 64], "batch_size": 32, "seed": \(seed)}
            """.write(to: run.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try ("step,episodes,return_mean,return_std,success_rate\n" + returns.map { "\($0.0),1,\($0.1),0,\n" }.joined())
            .write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        try "step,wall_seconds,kind,name,value\n\(step),\(Double(step) / 100),train,critic_loss,0.5\n"
            .write(to: run.appendingPathComponent("metrics.csv"), atomically: true, encoding: .utf8)
        if let state {
            try #"{"state": "\#(state)", "step": \#(step)}"#.write(to: run.appendingPathComponent("status.json"), atomically: true, encoding: .utf8)
        }
    }

    /// `mixrl report` counts only finished runs in the final return (and lists the others
    /// with their step), counts a seed once however many folders hold it, shows the IQM
    /// only from four seeds on, and names the settings the runs share.
    @Test(.integration) func reportsCountFinishedSeedsOnceAndNameTheSharedSettings() throws {
        let root = try TestEnvironment.temporaryDirectory("mixrl-report-contract")
        defer { try? FileManager.default.removeItem(at: root) }
        for (seed, final) in [(0, -100.0), (1, -200.0), (2, -300.0)] {
            try Self.writeRun(root, "k2-seed\(seed)", components: 2, seed: seed, returns: [(500, -900), (1000, final)], state: "finished", step: 1000)
        }
        // A copy of seed 0 (the same seed, not a fourth one) and an interrupted seed whose
        // last evaluation would pull the mean far up if it counted.
        try Self.writeRun(root, "k2-seed0-copy", components: 2, seed: 0, returns: [(500, -900), (1000, -100)], state: "finished", step: 1000)
        try Self.writeRun(root, "k2-seed3", components: 2, seed: 3, returns: [(500, 5000)], state: "interrupted", step: 600)
        for (seed, final) in [(0, -10.0), (1, -20.0), (2, -30.0), (3, -1000.0)] {
            try Self.writeRun(root, "k3-seed\(seed)", components: 3, seed: seed, returns: [(1000, final)], state: "finished", step: 1000)
        }
        let report = try MixrlRun(["report", root.path, "--bootstrap-resamples", "200"], logsIn: root)
        #expect(report.status == 0, "\(report.stderr)")
        let rows = report.stdout.split(separator: "\n").map(String.init)
        let k2 = try #require(rows.first { $0.contains("mixture K=2 · mrp") }, "\(report.stdout)")
        let k3 = try #require(rows.first { $0.contains("mixture K=3 · mrp") }, "\(report.stdout)")
        let k2Cells = k2.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let k3Cells = k3.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(k2Cells[2] == "3 of 4")
        #expect(k2Cells[3].hasPrefix("-200.0 ["), "\(k2)")
        #expect(k2Cells[4] == "n/a (<4 seeds)")
        #expect(k3Cells[2] == "4")
        #expect(k3Cells[4] == "-25.0", "\(k3)")  // IQM of -10, -20, -30, -1000: the mean of -20 and -30
        #expect(report.stdout.contains("Settings shared by every run of Pendulum-v1: policy=mixture, estimator=mrp, samples=1, steps=1000, "
                                       + "hidden_sizes=[64,64], batch_size=32"), "\(report.stdout)")
        #expect(report.stdout.contains("1 run(s) not finished, left out of the final return and the statistics after it:\n"
                                       + "- k2-seed3 (Pendulum-v1, mixture K=2 · mrp, seed 3): at step 600 of 1000 (interrupted)\n"), "\(report.stdout)")
        #expect(report.stdout.contains("Pendulum-v1, mixture K=2 · mrp: run(s) k2-seed0-copy repeat a seed of another run folder"), "\(report.stdout)")
        let csv = try String(contentsOf: root.appendingPathComponent("report/final-returns.csv"), encoding: .utf8)
        #expect(csv.contains(",-25.0,"), "\(csv)")
    }

    /// The time left in a sweep comes from runs finished in this invocation, spread over
    /// the jobs; nothing before the first has finished.
    @Test func sweepTimeLeftNeedsAFinishedRun() {
        typealias W = SweepTimeEstimate.Work
        #expect(SweepTimeEstimate.secondsLeft(finished: [], running: [W(steps: 1000, seconds: 30)], queued: [1000], jobs: 2) == nil)
        // 0.01 s per step; 6 s left of the running run, 10 s for each queued one, two jobs.
        let left = SweepTimeEstimate.secondsLeft(finished: [W(steps: 1000, seconds: 10), W(steps: 1000, seconds: 10)],
                                                 running: [W(steps: 1000, seconds: 4)], queued: [1000, 1000], jobs: 2)
        #expect(left.map { abs($0 - 13) < 1e-9 } == true, "\(String(describing: left))")
        // One long run left: its own remainder, not the work divided by the jobs.
        let long = SweepTimeEstimate.secondsLeft(finished: [W(steps: 100, seconds: 1)], running: [W(steps: 10_000, seconds: 50)], queued: [], jobs: 4)
        #expect(long.map { abs($0 - 50) < 1e-9 } == true, "\(String(describing: long))")
    }
}
