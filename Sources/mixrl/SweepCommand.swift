import ArgumentParser
import Foundation
import MixBench
import MixRL
#if canImport(Glibc)
import Glibc
#endif

/// `mixrl sweep`: run a grid of training runs locally, plan it, or run it on Slurm.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid of training runs: a local process pool, or a Slurm job array.",
        discussion: """
            SPEC is a TOML file (docs/sweeps.md); without one, the built-in default sweep runs \
            (print it with `mixrl sweep plan --show-spec`). A sweep started again runs only \
            what is missing: finished runs are skipped, interrupted ones resume from their checkpoints.
            Exit codes: 0 every run finished, 1 a run failed, 2 the spec was rejected, 130/143 interrupted.
            """,
        subcommands: [SweepRun.self, SweepPlanCommand.self, SweepSlurm.self, SweepRunOne.self],
        defaultSubcommand: SweepRun.self
    )
}

/// The spec argument and `--set` overrides every sweep subcommand takes.
struct SweepSpecArguments: ParsableArguments {
    @Argument(help: "The sweep spec (TOML). Omit it for the built-in default sweep.")
    var spec: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a spec key, as KEY=VALUE in TOML syntax (repeatable).",
                                                         discussion: "A bare training option (docs/configuration.md) applies to every run: --set steps=5000; "
                                                             + "others name their section: --set sweep.jobs=4, --set slurm.time=01:00:00.",
                                                         valueName: "KEY=VALUE"))
    var overrides: [String] = []

    /// The spec, or a message and exit code 2.
    func load() throws -> SweepSpec {
        do {
            if let spec { return try SweepSpec.load(path: spec, overrides: overrides) }
            return try DefaultSweep.spec(overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("mixrl: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The spec's plan, or a message and exit code 2.
    func plan(_ spec: SweepSpec) throws -> SweepPlan {
        do { return try spec.plan() } catch {
            FileHandle.standardError.write(Data("mixrl: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Prepares the sweep folder, or a message and exit code 2 if it holds another sweep
    /// (or other files).
    func prepare(_ folder: SweepFolder, plan: SweepPlan, spec: SweepSpec) throws {
        do { try folder.prepare(plan: plan, spec: spec) } catch {
            FileHandle.standardError.write(Data("mixrl: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// The launcher: this executable's `train`, or `--train-command`.
struct LauncherArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Run EXE instead of this mixrl for `train --config C --out D` and `train --resume D` "
                               + "(a wrapper script, a container, or a test double).", valueName: "EXE"))
    var trainCommand: String?

    var launcher: TrainCommandLauncher {
        trainCommand.map { TrainCommandLauncher(executable: URL(fileURLWithPath: $0).standardizedFileURL.path) } ?? .currentExecutable()
    }
}

/// `mixrl sweep [run] SPEC`: the local pool.
struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep locally with a pool of worker processes (the default subcommand)."
    )

    @OptionGroup var specArguments: SweepSpecArguments
    @OptionGroup var launcherArguments: LauncherArguments

    @Option(name: [.short, .customLong("jobs")], help: "Runs at once (default: the spec's sweep.jobs).")
    var jobs: Int?

    @Option(help: "Seconds between progress lines when standard error is not a terminal.")
    var progressInterval: Double = 30

    @Flag(help: "Do not write the report at the end.")
    var noReport = false

    func run() throws {
        let spec = try specArguments.load()
        let plan = try specArguments.plan(spec)
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        let folder = SweepFolder(path: spec.outputFolder)
        try specArguments.prepare(folder, plan: plan, spec: spec)

        var options = SweepRunner.Options()
        options.jobs = jobs ?? spec.jobs
        options.retries = spec.retries
        options.threadsPerRun = spec.threadsPerRun
        let interrupt = SweepInterrupt.trapping()
        let progress = TerminalProgress(name: plan.name, jobs: options.jobs, plainInterval: progressInterval)
        let runner = SweepRunner(plan: plan, folder: folder, launcher: launcherArguments.launcher, options: options, progress: progress)
        let summary = try runner.run(interrupt: interrupt)

        // The report also when every run failed: it lists the failures.
        if !noReport && summary.runs.contains(where: { ["finished", "skipped", "failed"].contains($0.outcome) }) {
            let report = SweepReport.make(folder: folder.url)
            let page = try report.write(to: folder.reportFolder)
            print(report.markdown())
            print("report: \(page.path)")
        }
        print("sweep folder: \(folder.url.path)")
        if let signal = summary.interruptedBy { throw ExitCode(128 + signal) }
        if summary.count("failed") > 0 { throw ExitCode(1) }
    }
}

/// `mixrl sweep plan SPEC`: the runs, without running them.
struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the runs of a sweep in their fixed order, with ids and states, without running them."
    )

    @OptionGroup var specArguments: SweepSpecArguments

    @Flag(help: "Print the plan as JSON (index, id, label, configuration).")
    var json = false

    @Flag(help: "Print the spec's TOML text (useful with the built-in default sweep) instead of the plan.")
    var showSpec = false

    @Flag(help: ArgumentHelp("Also measure each distinct configuration on this machine (environment step, action, update; one thread) and estimate the sweep's core-hours.",
                             discussion: "Starts each environment once (bridged ones need the virtualenv); takes about a second per distinct configuration."))
    var estimate = false

    func run() throws {
        let spec = try specArguments.load()
        if showSpec { print(spec.text, terminator: ""); return }
        let plan = try specArguments.plan(spec)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(plan), as: UTF8.self))
            return
        }
        let folder = SweepFolder(path: spec.outputFolder)
        print("sweep \(plan.name): \(plan.runs.count) runs into \(folder.url.path)")
        print("varying: \(plan.varyingKeys.joined(separator: ", "))")
        let rows = plan.runs.map { run -> [String] in
            let f = folder.runFolder(run.id)
            let state = f.isFinished ? "finished" : f.hasCheckpoint ? "resumable" : f.exists ? "started" : "new"
            return ["\(run.index)", run.id, state, "\(run.configuration.steps)", run.label]
        }
        print(MarkdownTable(header: ["index", "id", "state", "steps", "configuration"], rows: rows).render(), terminator: "")
        if estimate {
            BLAS.setThreadCount(1)
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
            print("\ncompute estimate, measured now on \(cpuDescription()) (gemm \(GemmBackend.summary); load average \(load)):")
            do {
                let result = try ComputeEstimate.measure(plan) { line in
                    FileHandle.standardError.write(Data("\(line)\n".utf8))
                }
                print(result.render(), terminator: "")
                print("(one core per run; evaluation included, start-up and checkpoints not; a loaded machine inflates the figures)")
            } catch {
                FileHandle.standardError.write(Data("mixrl: cannot measure the sweep's configurations: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// `mixrl sweep slurm SPEC`: the sbatch script of a job array.
struct SweepSlurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write an sbatch script that runs the sweep as a Slurm job array, one run per index.",
        discussion: "The script goes to OUT/slurm/NAME.sbatch; submit it with sbatch (or pass --submit). "
            + "Options come from the spec's [slurm] section (docs/sweeps.md)."
    )

    @OptionGroup var specArguments: SweepSpecArguments
    @OptionGroup var launcherArguments: LauncherArguments

    @Option(help: "The mixrl executable as the cluster nodes see it (default: slurm.mixrl, else this one).")
    var mixrl: String?

    @Flag(help: "Submit the script with `sbatch` and print the job id.")
    var submit = false

    func run() throws {
        let spec = try specArguments.load()
        let plan = try specArguments.plan(spec)
        let folder = SweepFolder(path: spec.outputFolder)
        try specArguments.prepare(folder, plan: plan, spec: spec)
        var extra: [String] = []
        if let command = launcherArguments.trainCommand { extra += ["--train-command", URL(fileURLWithPath: command).standardizedFileURL.path] }
        let executable = mixrl ?? spec.slurm.mixrl ?? TrainCommandLauncher.currentExecutable().executable
        // Tasks read the copy of the spec in the sweep folder, so editing the original after
        // submitting cannot change what an index means.
        let script = SlurmArrayScript(plan: plan, options: spec.slurm, mixrl: executable, specPath: folder.specFile.path,
                                      overrides: spec.overrides, extraArguments: extra,
                                      workingDirectory: FileManager.default.currentDirectoryPath,
                                      sweepFolder: folder.url.path, threadsPerRun: spec.threadsPerRun)
        let path = folder.slurmFolder.appendingPathComponent("\(plan.name).sbatch")
        try FileManager.default.createDirectory(at: folder.slurmFolder, withIntermediateDirectories: true)
        try AtomicFile.write(script.render(), to: path)
        chmod(path.path, 0o755)
        print("wrote \(path.path): \(plan.runs.count) runs as array 0-\(plan.runs.count - 1)%\(spec.slurm.arrayLimit)")
        guard submit else {
            print("submit with: sbatch \(path.path)")
            return
        }
        let sbatch = Process()
        sbatch.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sbatch.arguments = ["sbatch", "--parsable", path.path]
        let out = Pipe()
        sbatch.standardOutput = out
        try sbatch.run()
        sbatch.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard sbatch.terminationStatus == 0 else { throw ValidationError("sbatch failed with exit code \(sbatch.terminationStatus)") }
        print("submitted job \(text)")
    }
}

/// `mixrl sweep run-one SPEC --index I`: one entry of the plan (what a Slurm array task runs).
struct SweepRunOne: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-one",
        abstract: "Run the run at one index of the plan (resuming it if it has a checkpoint); what a Slurm array task runs.",
        discussion: "Exit codes: 0 finished (or already finished), 1 failed, 2 spec rejected or changed since submission, 130/143 interrupted after a checkpoint."
    )

    @OptionGroup var specArguments: SweepSpecArguments
    @OptionGroup var launcherArguments: LauncherArguments

    @Option(help: "The plan index (SLURM_ARRAY_TASK_ID).")
    var index: Int

    func run() throws {
        let spec = try specArguments.load()
        let plan = try specArguments.plan(spec)
        guard plan.runs.indices.contains(index) else {
            throw ValidationError("--index \(index) is outside the plan, which has runs 0 to \(plan.runs.count - 1)")
        }
        let folder = SweepFolder(path: spec.outputFolder)
        let run = plan.runs[index]
        if let stored = folder.loadPlan() {
            guard stored.plan.runs.indices.contains(index), stored.plan.runs[index].id == run.id else {
                FileHandle.standardError.write(Data(("mixrl: index \(index) is run \(run.id) now but \(stored.plan.runs.indices.contains(index) ? stored.plan.runs[index].id : "absent") "
                    + "in \(folder.planFile.path): the spec or its overrides changed since the array was written; write and submit it again\n").utf8))
                throw ExitCode(2)
            }
        } else {
            try specArguments.prepare(folder, plan: plan, spec: spec)
        }
        var options = SweepRunner.Options()
        options.jobs = 1
        options.retries = 0
        options.exclusive = false
        options.threadsPerRun = spec.threadsPerRun
        let interrupt = SweepInterrupt.trapping()
        let progress = TerminalProgress(name: plan.name, jobs: 1, plainInterval: 300, showsCounts: false)
        let summary = try SweepRunner(plan: plan, folder: folder, launcher: launcherArguments.launcher, options: options, progress: progress)
            .run(indices: [index], interrupt: interrupt)
        let record = summary.runs.first
        switch record?.outcome {
        case "finished", "skipped": return
        case "interrupted": throw ExitCode(128 + (summary.interruptedBy ?? SIGTERM))
        default:
            if let error = record?.error { FileHandle.standardError.write(Data("mixrl: run \(run.id) failed: \(error)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}

/// Renders sweep events on the ``ProgressDisplay``: a live status line on a terminal, plain
/// lines every `plainInterval` seconds otherwise; run starts and ends are always a line each.
final class TerminalProgress: SweepProgressReporter {
    let name: String
    let jobs: Int
    let showsCounts: Bool
    let display: ProgressDisplay

    init(name: String, jobs: Int, plainInterval: Double, showsCounts: Bool = true) {
        self.name = name
        self.jobs = jobs
        self.showsCounts = showsCounts
        display = ProgressDisplay(plainInterval: plainInterval)
    }

    func report(_ event: SweepEvent) {
        switch event {
        case .started(let s):
            display.line("sweep \(name): \(s.total) runs, \(s.skipped) already finished, \(jobs) at a time")
            status(s)
        case .runStarted(let run, let action, let attempt, let s):
            display.line("[\(run.index)] \(run.id) \(action)\(attempt > 1 ? " (attempt \(attempt))" : ""): \(run.label)")
            status(s)
        case .runEnded(let run, let record, let s):
            var text = "[\(run.index)] \(run.id) \(record.outcome == "pending" ? "failed, will retry" : record.outcome) after \(DurationText.format(record.seconds))"
            if record.outcome != "finished", let error = record.error?.split(separator: "\n").first { text += ": \(error)" }
            display.line(text)
            status(s)
        case .waitingForEarlierProcess(let run, let pid):
            display.line("[\(run.index)] \(run.id) is still held by process \(pid) of an earlier sweep; asked it to checkpoint and stop")
        case .interrupting(let signal, let forced, let s):
            display.line(forced ? "stopping now: SIGKILL to \(s.running) runs" : "signal \(signal): asking \(s.running) runs to checkpoint and stop (again to kill them)")
        case .tick(let s):
            status(s, force: false)
        case .finished(let summary):
            let counts = ["finished", "skipped", "failed", "interrupted", "pending"].compactMap { o -> String? in
                let n = summary.count(o)
                return n > 0 ? "\(n) \(o == "skipped" ? "finished earlier" : o)" : nil
            }
            display.finish("sweep \(name) ended after \(DurationText.format(summary.seconds)): " + counts.joined(separator: ", "))
        }
    }

    /// The counts line (shown at once, or for a tick only when a plain line is due).
    func status(_ s: SweepSnapshot, force: Bool = true) {
        guard showsCounts else { return }
        var text = "sweep \(name): \(s.finished)/\(s.total) done · \(s.running) running · \(s.failed) failed · \(s.pending) pending · \(DurationText.format(s.elapsed)) elapsed"
        text += s.remaining.map { " · ~\(DurationText.format($0)) left" } ?? ""
        display.update(text, force: force)
    }
}
