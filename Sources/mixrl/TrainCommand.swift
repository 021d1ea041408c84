import ArgumentParser
import Foundation
import MixRL
import Synchronization

/// The signal that asked the current command to stop (0: none). Set from a signal
/// handler (an atomic store is async-signal-safe), read by the training loop each step.
let receivedStopSignal = Atomic<Int32>(0)

/// Makes SIGINT and SIGTERM request a clean stop instead of killing the process.
/// The two signals are also unblocked: a process inherits its parent's signal mask, and
/// some launchers (test runners, job schedulers) start children with them blocked.
func installStopHandlers() {
    signal(SIGINT) { receivedStopSignal.store($0, ordering: .relaxed) }
    signal(SIGTERM) { receivedStopSignal.store($0, ordering: .relaxed) }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// `mixrl train`: one SAC run into a run folder (docs/run-folder.md).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train SAC with a Gaussian or mixture policy.",
        discussion: """
        Starts from the defaults and the environment's preset (Pendulum-v1: 20k steps, learning rate 1e-3), \
        or from --config; then the flags, then --set, apply. --dry-run prints the result. SIGINT or SIGTERM \
        checkpoint the run and exit (130 or 143); --resume DIR continues it exactly.

        The options of --set KEY=VALUE (VALUE in TOML syntax: 5000, 3e-4, true, "text", [64, 64]; \
        a bare word is a string for string options) with their defaults and presets; \
        docs/configuration.md documents each:

        """ + TrainingOptions.helpListing)

    @Option(help: "Environment id: Pendulum-v1, MountainCarContinuous-v0, BimodalBandit-v0, gym:ID, dmc:DOMAIN-TASK, metaworld:TASK (\(TrainingOptions.defaultsText("environment"))).")
    var env: String?
    @Option(help: "gaussian or mixture (\(TrainingOptions.defaultsText("policy"))).") var policy: PolicyKind?
    @Option(parsing: .unconditional, help: "Mixture components K (\(TrainingOptions.defaultsText("components")); 5 with --policy mixture).") var components: Int?
    @Option(help: "rp, mrp, lr, hybrid or gumbel (\(TrainingOptions.defaultsText("estimator")); mrp with --policy mixture).") var estimator: EstimatorKind?
    @Option(parsing: .unconditional, help: "Samples per component (MRP) or per state (LR and hybrid) (default: max(K, 2) for LR and hybrid, equal critic cost with MRP; 1 otherwise).") var samples: Int?
    @Option(help: "Baseline for LR and hybrid: leave-one-out or none (default: leave-one-out for LR and hybrid, none otherwise).") var baseline: Baseline?
    @Option(parsing: .unconditional, help: "Random seed (\(TrainingOptions.defaultsText("seed"))).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Environment steps (\(TrainingOptions.defaultsText("steps"))).") var steps: Int?
    @Option(parsing: .unconditional, help: "Evaluate every N steps, 0: only at the end (\(TrainingOptions.defaultsText("eval_every"))).") var evalEvery: Int?
    @Option(parsing: .unconditional, help: "Episodes per evaluation (\(TrainingOptions.defaultsText("eval_episodes"))).") var evalEpisodes: Int?
    @Option(help: "most-likely, sampled-component, highest-q or stochastic (\(TrainingOptions.defaultsText("eval_mode"))).") var evalMode: EvaluationMode?
    @Option(parsing: .unconditional, help: "Checkpoint every N steps (\(TrainingOptions.defaultsText("checkpoint_every"))).") var checkpointEvery: Int?
    @Option(parsing: .unconditional, help: "Learning rate of actor, critics and temperature (\(TrainingOptions.defaultsText("actor_learning_rate"))).") var learningRate: Double?
    @Option(parsing: .unconditional, help: "A fixed entropy temperature alpha (default: learned from \(TrainingOptions.option("initial_temperature")?.defaultValue.description ?? "1.0"), towards the target entropy -d).")
    var alpha: Double?
    @Option(help: "Python module the bridge imports first (repeatable), e.g. myosuite (\(TrainingOptions.defaultsText("environment_imports"))).") var envImport: [String] = []
    @Option(name: .customLong("set"), help: ArgumentHelp("Any option below as KEY=VALUE, VALUE in TOML syntax (repeatable), e.g. --set batch_size=128 --set hidden_sizes=[64,64].",
                                                         valueName: "KEY=VALUE"))
    var overrides: [String] = []
    @Flag(help: "Print the resolved configuration (presets, flags and --set applied, estimator defaults resolved) and exit without training or creating the run folder.")
    var dryRun = false
    @Option(help: "Start from this config.json instead of the preset.") var config: String?
    @Option(help: "The run folder to create.") var out: String?
    @Option(help: "Continue the run in this folder from its checkpoint.") var resume: String?
    @Flag(help: "Print plain progress lines even on a terminal.") var plain = false
    @Option(help: "Cores per update: 2 runs the twin critics side by side (bit-identical results; see `mixrl bench sac`).")
    var threads = 1
    /// For tests of crash recovery: the process stops itself (SIGSTOP) once this many steps
    /// are done, so that a test can SIGKILL it at a known point between checkpoints.
    @Option(help: .hidden) var debugPauseAtStep: Int?

    func validate() throws {
        if resume != nil {
            // A resumed run keeps its configuration; only its budget may grow (--steps).
            let given: [(String, Bool)] = [
                ("--out", out != nil), ("--env", env != nil), ("--config", config != nil), ("--set", !overrides.isEmpty),
                ("--policy", policy != nil), ("--components", components != nil), ("--estimator", estimator != nil),
                ("--samples", samples != nil), ("--baseline", baseline != nil), ("--seed", seed != nil),
                ("--eval-every", evalEvery != nil), ("--eval-episodes", evalEpisodes != nil), ("--eval-mode", evalMode != nil),
                ("--checkpoint-every", checkpointEvery != nil), ("--learning-rate", learningRate != nil),
                ("--alpha", alpha != nil), ("--env-import", !envImport.isEmpty),
            ]
            let refused = given.filter(\.1).map(\.0)
            if !refused.isEmpty {
                throw ValidationError("--resume continues a run with its own configuration; \(refused.joined(separator: ", ")) would change it (only --steps, to extend the run, --threads and --plain go with --resume)")
            }
        }
        if resume != nil && dryRun {
            throw ValidationError("--dry-run shows the configuration of a new run; a run folder's configuration is its config.json")
        }
        if resume == nil && out == nil && !dryRun { throw ValidationError("--out DIR is required (the run folder to create)") }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The configuration from the preset or --config, then the flags, then --set.
    func resolvedConfiguration() throws -> TrainingConfiguration {
        var c: TrainingConfiguration
        if let config {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: config)) }
            catch { throw ValidationError("--config \(config): cannot read the file (\(SystemErrorText.reason(error, operatingOn: config)))") }
            do { c = try decoder.decode(TrainingConfiguration.self, from: data) }
            catch let problem as ConfigurationProblem { throw ValidationError("--config \(config): \(problem)") }
            catch { throw ValidationError("--config \(config): not a readable configuration (\(SystemErrorText.reason(error, operatingOn: config)))") }
        } else {
            c = .preset(for: env ?? "Pendulum-v1")
        }
        if let env { c.environment = env }
        if let policy {
            c.policy = policy
            if policy == .mixture && components == nil && c.components == 1 { c.components = 5 }
            if estimator == nil { c.estimator = policy == .mixture ? .mrp : .rp }
        }
        if let components { c.components = components }
        if let estimator { c.estimator = estimator }
        if let samples { c.samples = samples }
        if let baseline { c.baseline = baseline }
        if let seed { c.seed = seed }
        if let steps { c.steps = steps }
        if let evalEvery { c.evalEvery = evalEvery }
        if let evalEpisodes { c.evalEpisodes = evalEpisodes }
        if let evalMode { c.evalMode = evalMode }
        if let checkpointEvery { c.checkpointEvery = checkpointEvery }
        if let learningRate { (c.actorLearningRate, c.criticLearningRate, c.temperatureLearningRate) = (learningRate, learningRate, learningRate) }
        if let alpha {
            guard alpha > 0 && alpha.isFinite else { throw ValidationError("--alpha must be a positive number, got \(alpha)") }
            c.learnTemperature = false
            c.initialTemperature = alpha
        }
        c.environmentImports += envImport
        do { c = try TrainingOptions.applying(overrides, to: c) }
        catch { throw ValidationError("\(error)") }
        if let problem = c.problems.first { throw ValidationError("invalid configuration: \(problem)") }
        return c
    }

    func run() throws {
        if dryRun {
            print(try resolvedConfiguration().resolvedListing)
            return
        }
        installStopHandlers()
        let trainer: Trainer
        do {
            if let resume {
                trainer = try Trainer.resume(runDirectory: URL(fileURLWithPath: resume), extendingTo: steps)
            } else {
                trainer = try Trainer.start(configuration: try resolvedConfiguration(),
                                            runDirectory: URL(fileURLWithPath: out ?? "run"))
            }
        } catch let error as TrainingError {
            // A value the run cannot start with is a usage error (exit 2, with the usage line).
            if error.isRejectedInput { throw ValidationError(error.description) }
            FileHandle.standardError.write(Data("mixrl train: error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.failure)
        }
        trainer.agent.parallelism = SACAgent.Parallelism(kind: .critics, threads: threads)
        let display = ProgressDisplay(plain: plain, plainInterval: 10)
        trainer.onProgress = { display.show($0) }
        let c = trainer.configuration
        if resume != nil {
            display.line(trainer.restoredFromCheckpoint
                ? "resumed from step \(trainer.currentStep) (its last checkpoint)"
                : "no checkpoint had been written yet (the first was due at step \(min(c.checkpointEvery, c.steps))): "
                    + "the run starts again from step 0, and the metrics it had logged are discarded")
        }
        if c.steps <= c.randomSteps {
            display.line("warning: steps (\(c.steps)) <= random_steps (\(c.randomSteps)): this run acts at random throughout and makes no gradient update")
        }
        display.line("training \(c.policy.rawValue) K=\(c.components) \(c.estimator.rawValue) on \(c.environment), seed \(c.seed), \(c.steps) steps -> \(trainer.runDirectory.path)")
        display.line("matrix products (MIXRL_GEMM): \(GemmBackend.summary)")
        do {
            var paused = false
            let stopRequested = {
                if let pauseStep = debugPauseAtStep, !paused, trainer.currentStep == pauseStep {
                    paused = true
                    raise(SIGSTOP)
                }
                return receivedStopSignal.load(ordering: .relaxed) != 0
            }
            switch try trainer.run(stopRequested: stopRequested) {
            case .finished(let finalReturn):
                display.finish("finished: final evaluation return \(String(format: "%.2f", finalReturn))")
            case .interrupted(let step):
                let sig = receivedStopSignal.load(ordering: .relaxed)
                display.finish("interrupted at step \(step) by signal \(sig); checkpoint written, continue with: mixrl train --resume \(trainer.runDirectory.path)")
                throw ExitCode(128 + sig)
            }
        } catch let error as TrainingError {
            trainer.recordFailure(error)
            display.finish("mixrl train: error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

extension PolicyKind: ExpressibleByArgument {}
extension EstimatorKind: ExpressibleByArgument {}
extension Baseline: ExpressibleByArgument {}
extension EvaluationMode: ExpressibleByArgument {}

extension ProgressDisplay {
    /// Shows a run's progress: step, updates per second, recent and evaluation returns,
    /// time left (plain lines every 10 s and at the last step).
    func show(_ p: TrainingProgress) {
        let fraction = Double(p.step) / Double(max(p.totalSteps, 1))
        var parts = [String(format: "step %d/%d (%.0f%%)", p.step, p.totalSteps, 100 * fraction),
                     String(format: "%.0f updates/s", p.updatesPerSecond)]
        if let r = p.recentReturn { parts.append(String(format: "return %.1f", r)) }
        if let e = p.lastEvaluationReturn { parts.append(String(format: "eval %.1f", e)) }
        if let s = p.secondsLeft { parts.append("left " + DurationText.format(s)) }
        update(parts.joined(separator: "  "), force: p.step == p.totalSteps)
    }
}
