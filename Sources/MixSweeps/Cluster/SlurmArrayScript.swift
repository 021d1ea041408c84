/// An sbatch script that runs a plan as a Slurm job array, one run per array index,
/// each through `mixrl sweep run-one SPEC --index $SLURM_ARRAY_TASK_ID`.
///
/// Time limits: `--signal=B:TERM@N` makes Slurm send SIGTERM to the batch shell N seconds
/// before the limit. The shell forwards it to `run-one`, which forwards it to the run;
/// the run checkpoints and exits, and the shell requeues the array task
/// (`scontrol requeue JOB_INDEX`) so that it resumes from the checkpoint. Runs lost to a
/// node failure or preemption are requeued by Slurm (`--requeue`) and resume the same way.
package struct SlurmArrayScript: Sendable {
    /// The runs, one per array index.
    package var plan: SweepPlan
    /// The `[slurm]` options.
    package var options: SlurmOptions
    /// The `mixrl` executable on the cluster.
    package var mixrl: String
    /// The spec, as `run-one` will read it (an absolute path).
    package var specPath: String
    /// `--set` overrides, passed on unchanged so every task expands the same plan.
    package var overrides: [String]
    /// Further arguments for `run-one` (such as `--train-command PATH`).
    package var extraArguments: [String]
    /// The directory the tasks run in (relative paths of the spec resolve against it).
    package var workingDirectory: String
    /// The sweep folder (an absolute path); Slurm's output files go to its `slurm/`.
    package var sweepFolder: String
    /// BLAS threads per run.
    package var threadsPerRun: Int

    /// A script for `plan`; paths should be absolute, as the tasks see them.
    package init(plan: SweepPlan, options: SlurmOptions, mixrl: String, specPath: String, overrides: [String], extraArguments: [String] = [],
                workingDirectory: String, sweepFolder: String, threadsPerRun: Int) {
        self.plan = plan
        self.options = options
        self.mixrl = mixrl
        self.specPath = specPath
        self.overrides = overrides
        self.extraArguments = extraArguments
        self.workingDirectory = workingDirectory
        self.sweepFolder = sweepFolder
        self.threadsPerRun = threadsPerRun
    }

    /// The script's text.
    package func render() -> String {
        let last = max(0, plan.runs.count - 1)
        var directives = [
            "--job-name=\(options.jobName ?? "mixrl-" + plan.name)",
            "--array=0-\(last)%\(options.arrayLimit)",
            "--time=\(options.time)",
            "--mem=\(options.memory)",
            "--cpus-per-task=\(options.cpusPerTask ?? threadsPerRun)",
            "--ntasks=1",
            "--output=\(sweepFolder)/slurm/%A_%a.out",
            "--open-mode=append",
        ]
        if options.signalSeconds > 0 { directives.append("--signal=B:TERM@\(options.signalSeconds)") }
        directives.append(options.requeue ? "--requeue" : "--no-requeue")
        if let p = options.partition { directives.append("--partition=\(p)") }
        if let a = options.account { directives.append("--account=\(a)") }
        if let q = options.qos { directives.append("--qos=\(q)") }
        directives += options.directives

        var runOne = [mixrl, "sweep", "run-one", specPath, "--index"].map(Self.quote) + ["\"$SLURM_ARRAY_TASK_ID\""]
        for o in overrides { runOne += ["--set", Self.quote(o)] }
        runOne += extraArguments.map(Self.quote)

        var lines = [
            "#!/bin/bash",
            "# Written by `mixrl sweep slurm` for the sweep \"\(plan.name)\": \(plan.runs.count) runs, one per array index.",
            "# Submit with: sbatch \(Self.quote(sweepFolder + "/slurm/" + plan.name + ".sbatch"))",
        ]
        lines += directives.map { "#SBATCH \($0)" }
        lines += [
            "",
            "set -u",
            "cd \(Self.quote(workingDirectory)) || exit 1",
            "export OPENBLAS_NUM_THREADS=\(threadsPerRun) OMP_NUM_THREADS=\(threadsPerRun)",
        ]
        lines += options.setup
        lines += [
            "task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"",
            "term_received=0",
            "on_term() {",
            "    term_received=1",
            "    echo \"mixrl sweep: SIGTERM for array task $task (time limit near, or preempted): asking the run to checkpoint\"",
            "    kill -TERM \"$child\" 2>/dev/null",
            "}",
            "trap on_term TERM",
            runOne.joined(separator: " ") + " &",
            "child=$!",
            "wait \"$child\"; status=$?",
            "# A trapped signal ends `wait` early; wait again until the run has checkpointed and exited.",
            "while [ \"$term_received\" = 1 ] && kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; status=$?; done",
        ]
        if options.requeue {
            lines += [
                "if [ \"$term_received\" = 1 ] && [ \"$status\" -ne 0 ]; then",
                "    echo \"mixrl sweep: requeueing array task $task; it resumes from its checkpoint\"",
                "    scontrol requeue \"$task\"",
                "fi",
            ]
        }
        lines.append("exit \"$status\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Single-quotes `s` for the shell.
    static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-=:,+@%".contains($0)) }) { return s }
        var out = "'"
        for c in s { out += c == "'" ? "'\\''" : String(c) }
        return out + "'"
    }
}
