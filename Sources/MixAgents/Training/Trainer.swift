import Foundation
import MixEnvs
import MixPolicy
import MixTensor

/// Runs SAC on an environment into a run folder (see docs/run-folder.md): random actions
/// for the first steps, then one action from the policy and `updatesPerStep` updates per
/// environment step; evaluation every `evalEvery` steps; checkpoints every
/// `checkpointEvery` steps, at the end and when a stop is requested.
///
/// The algorithm is ``SACAgent``; this type is the plumbing around it: environment,
/// replay buffer, metric files, checkpoints. Runs are deterministic: the same
/// configuration gives bit-identical metrics and parameters, and a run resumed from a
/// checkpoint continues exactly as if it had not stopped (the current episode is rebuilt
/// by resetting with its seed and replaying its actions).
public final class Trainer {
    /// The run's configuration, as stored in its `config.json`.
    public let configuration: TrainingConfiguration
    /// The run folder (layout in docs/run-folder.md).
    public let runDirectory: URL
    /// The agent being trained.
    public let agent: SACAgent
    /// Called about twice a second with the run's progress.
    public var onProgress: ((TrainingProgress) -> Void)?

    var buffer: ReplayBuffer
    var batch: ReplayBatch
    var environment: any Environment
    var evaluationEnvironment: any Environment
    var state: TrainerState
    var observation: [Double] = []
    let actionLow: [Double], actionHigh: [Double]
    let sinks: [MetricsSink]
    let evaluationFile: AppendFile
    /// The columns of `eval.csv`: the header this run's file was started with (an older
    /// run resumed keeps its layout).
    let evaluationColumns: [String]
    /// The evaluation environment's modes (``/MixEnvs/MultimodalEnvironment``); empty for most tasks.
    let actionModes: [ActionMode]
    /// Whether evaluations add the stochastic pass (`eval/return_stochastic_mean`). Off
    /// only in tests that compare against an evaluation without it.
    package var evaluatesStochastically = true
    let startTime = Date()
    var lastProgress = Date.distantPast
    var stepsAtStart = 0
    /// The run folder's lock: taken by ``start(configuration:runDirectory:registry:environmentOptions:estimator:)``
    /// and ``resume(runDirectory:registry:environmentOptions:estimator:extendingTo:)``, released when
    /// ``run(stopRequested:)`` returns or throws (taken again if the trainer runs again).
    var folderLock: RunFolderLock?
    /// Whether this trainer continued from a checkpoint (false for a new run, and for a
    /// resumed run that had stopped before its first checkpoint).
    package private(set) var restoredFromCheckpoint = false
    /// Estimates the time left from the throughput of the current phase.
    lazy var timeLeft = TimeLeftEstimator(randomSteps: configuration.randomSteps)

    static let metricFiles = ["metrics.csv", "metrics.jsonl", "eval.csv"]
    /// The first columns of `eval.csv`, in every version of the layout.
    static let baseEvaluationColumns = ["step", "episodes", "return_mean", "return_std", "success_rate"]

    /// The columns of a new `eval.csv`: the base columns, the stochastic return, and one
    /// mode mass per declared mode (appended, so readers by position keep working).
    static func evaluationColumns(modeCount: Int) -> [String] {
        baseEvaluationColumns + ["return_stochastic_mean", "return_stochastic_std"] + (0..<modeCount).map { "mode_mass_\($0)" }
    }
    /// Update statistics (`train/...`) are logged every this many steps unless the
    /// configuration says otherwise (``TrainingConfiguration/resolvedLogEvery``). A fixed
    /// cadence, not one derived from `steps`, so that a run extended with `--resume
    /// --steps` stays equal to a run started with the larger budget: 30 points per curve
    /// for the bandits' 3000 steps, 200 for Pendulum's 20k, 10,000 for a million steps
    /// (about 10 MB of metric files, small next to a checkpoint's replay buffer). Logging
    /// at every step costs nothing measurable next to the updates.
    static let defaultLogEvery = 100

    var checkpointURL: URL { runDirectory.appendingPathComponent("checkpoints/latest.ckpt") }

    /// Starts a new run in `runDirectory` (created if missing; it must not already hold a
    /// run, nor anything else: an existing folder must be empty).
    ///
    /// - Parameters:
    ///   - configuration: the run's settings; validated before anything is written.
    ///   - runDirectory: the run folder, created if missing.
    ///   - registry: where the configuration's environment id is looked up; register
    ///     your own environments in a copy of ``/MixEnvs/EnvironmentRegistry/standard``.
    ///   - environmentOptions: how bridged environments are started (the seed comes from
    ///     the configuration).
    ///   - estimator: a gradient estimator of your own, used instead of the
    ///     configuration's built-in one; its description is recorded as
    ///     ``TrainingConfiguration/customEstimator``.
    /// - Throws: ``TrainingError`` before anything is written if the configuration is
    ///   invalid or the estimator cannot train the configured policy; also, writing
    ///   nothing, if the folder already holds a run, holds other files, or is in use by
    ///   another trainer; or if the environment cannot be made.
    public static func start(configuration: TrainingConfiguration, runDirectory: URL,
                             registry: EnvironmentRegistry = .standard,
                             environmentOptions: EnvironmentOptions = EnvironmentOptions(),
                             estimator: (any GradientEstimator)? = nil) throws(TrainingError) -> Trainer {
        var configuration = configuration
        if let estimator {
            configuration.customEstimator = estimator.description
            do { try estimator.validate(componentCount: configuration.components) } catch { throw .estimator(error) }
        }
        // config.json records the estimator's options explicitly (M and the baseline).
        configuration = configuration.resolvingEstimatorDefaults()
        do { try configuration.validate() } catch { throw .configuration(error) }
        let fm = FileManager.default
        let configURL = runDirectory.appendingPathComponent("config.json")
        let alreadyARun = "already holds a run (config.json exists); resume it (Trainer.resume, mixrl train --resume) or choose another folder"
        var isDirectory: ObjCBool = false
        let folderExisted = fm.fileExists(atPath: runDirectory.path, isDirectory: &isDirectory)
        if folderExisted {
            guard isDirectory.boolValue else {
                throw .runFolder(path: runDirectory.path, reason: "is a file, not a folder; choose a new or empty folder for the run")
            }
            if !fm.fileExists(atPath: configURL.path) {
                // Never write into a folder that holds something else (only the leftovers
                // of a start that failed are allowed).
                let foreign = try foreignEntries(in: runDirectory)
                if !foreign.isEmpty {
                    let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", ... (\(foreign.count) entries)" : "")
                    throw .runFolder(path: runDirectory.path, reason: "is not empty and is not a MixRL run folder (no config.json); it holds "
                                     + "\(shown). Nothing was written. Choose a new or empty folder for the run")
                }
            }
        }
        do { try fm.createDirectory(at: runDirectory, withIntermediateDirectories: true) }
        catch { throw .runFolder(path: runDirectory.path, reason: "cannot create it: \(SystemErrorText.reason(error, operatingOn: runDirectory.path))") }
        let lock = try RunFolderLock.acquire(runDirectory)
        if fm.fileExists(atPath: configURL.path) { throw .runFolder(path: runDirectory.path, reason: alreadyARun) }
        // A start that fails (say, the environment cannot be made) leaves the folder as it
        // found it, so the same command can simply be run again.
        func undo() {
            if folderExisted {
                for name in ["config.json", "checkpoints"] + metricFiles + eventFiles(in: runDirectory) {
                    try? fm.removeItem(at: runDirectory.appendingPathComponent(name))
                }
            } else {
                try? fm.removeItem(at: runDirectory)
            }
        }
        do {
            try fm.createDirectory(at: runDirectory.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            try AtomicFile.write(encodeConfiguration(configuration), to: configURL)
        } catch {
            undo()
            throw .runFolder(path: runDirectory.path, reason: "cannot create it: \(SystemErrorText.reason(error, operatingOn: runDirectory.path))")
        }
        do {
            let trainer = try Trainer(configuration: configuration, runDirectory: runDirectory, registry: registry,
                                      environmentOptions: environmentOptions, estimator: estimator, resume: false)
            trainer.folderLock = lock
            return trainer
        } catch {
            undo()
            throw error
        }
    }

    /// Continues the run in `runDirectory` from its checkpoint (or from the start if it
    /// stopped before its first checkpoint). Refused while another trainer, in this
    /// process or another, is training the run (the folder is locked; a process that died
    /// holds no lock).
    ///
    /// - Parameters:
    ///   - runDirectory: a folder written by ``start(configuration:runDirectory:registry:environmentOptions:estimator:)``.
    ///   - registry: where the environment id is looked up (the one the run started with).
    ///   - environmentOptions: how bridged environments are started.
    ///   - estimator: the custom estimator the run was started with, if any (matched by
    ///     description).
    ///   - steps: extends the run to this many environment steps (at least its current
    ///     budget; `nil` keeps it). Nothing else about a run can change on resume. The
    ///     extended run equals a run started with the larger budget, except that an
    ///     evaluation the shorter run made at its last step stays in `eval.csv` when that
    ///     step is not a multiple of `evalEvery`.
    /// - Throws: ``TrainingError/mismatch(_:)`` if the run was started with a custom
    ///   estimator and `estimator` is missing or describes itself differently (or the
    ///   other way round); ``TrainingError/configuration(_:)`` for `steps` below the run's
    ///   budget; the errors of ``start(configuration:runDirectory:registry:environmentOptions:estimator:)``.
    public static func resume(runDirectory: URL, registry: EnvironmentRegistry = .standard,
                              environmentOptions: EnvironmentOptions = EnvironmentOptions(),
                              estimator: (any GradientEstimator)? = nil,
                              extendingTo steps: Int? = nil) throws(TrainingError) -> Trainer {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: runDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .runFolder(path: runDirectory.path, reason: "does not exist (or is not a folder); there is no run to resume")
        }
        guard fm.fileExists(atPath: runDirectory.appendingPathComponent("config.json").path) else {
            throw .runFolder(path: runDirectory.path, reason: "is not a MixRL run folder (no config.json); there is no run to resume")
        }
        var configuration = try readConfiguration(runDirectory)
        guard configuration.customEstimator == estimator?.description else {
            let started = configuration.customEstimator.map { "the custom estimator \($0)" } ?? "the built-in estimator \(configuration.estimator.rawValue)"
            let given = estimator.map { "the custom estimator \($0.description)" } ?? "no custom estimator"
            throw .mismatch("run \(runDirectory.path) was started with \(started) but is resumed with \(given)")
        }
        if let steps, steps < configuration.steps {
            throw .configuration(ConfigurationProblem(
                key: "steps", message: "a resumed run can only be extended: it has a budget of \(configuration.steps) steps, asked for \(steps)"))
        }
        // Taken before anything is written: a second trainer must not cut back the metric
        // files the first one is writing. (The checks above only read.)
        let lock = try RunFolderLock.acquire(runDirectory)
        if let steps, steps != configuration.steps {
            configuration = try readConfiguration(runDirectory)  // as it is now that the folder is ours
            configuration.steps = max(steps, configuration.steps)
            do { try AtomicFile.write(encodeConfiguration(configuration), to: runDirectory.appendingPathComponent("config.json")) }
            catch { throw .runFolder(path: runDirectory.path, reason: "cannot extend the run's config.json: \(SystemErrorText.reason(error))") }
        }
        let trainer = try Trainer(configuration: configuration, runDirectory: runDirectory, registry: registry,
                                  environmentOptions: environmentOptions, estimator: estimator, resume: true)
        trainer.folderLock = lock
        return trainer
    }

    /// The entries of an existing folder that no run start leaves behind: everything but
    /// the lock file and an empty `checkpoints` folder (the leftovers of a start that failed).
    static func foreignEntries(in directory: URL) throws(TrainingError) -> [String] {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory.path) }
        catch { throw .runFolder(path: directory.path, reason: "cannot list it: \(SystemErrorText.reason(error))") }
        return names.sorted().filter { name in
            if name == RunFolderLock.fileName { return false }
            if name == "checkpoints" {
                let inside = (try? fm.contentsOfDirectory(atPath: directory.appendingPathComponent(name).path)) ?? ["?"]
                return !inside.isEmpty
            }
            return true
        }
    }

    /// The configuration stored in a run folder.
    public static func readConfiguration(_ runDirectory: URL) throws(TrainingError) -> TrainingConfiguration {
        let url = runDirectory.appendingPathComponent("config.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(TrainingConfiguration.self, from: Data(contentsOf: url)) }
        catch let problem as ConfigurationProblem { throw .runFolder(path: runDirectory.path, reason: "config.json: \(problem)") }
        catch { throw .runFolder(path: runDirectory.path, reason: "no readable config.json (\(SystemErrorText.reason(error)))") }
    }

    static func encodeConfiguration(_ c: TrainingConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return ((try? encoder.encode(c)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    init(configuration c: TrainingConfiguration, runDirectory: URL, registry: EnvironmentRegistry,
         environmentOptions: EnvironmentOptions, estimator: (any GradientEstimator)?, resume: Bool) throws(TrainingError) {
        configuration = c
        self.runDirectory = runDirectory
        var options = environmentOptions
        options.seed = c.seed
        options.bridge.environmentImports += c.environmentImports
        do {
            environment = try registry.make(id: c.environment, options: options)
            options.seed = c.seed &+ 0x5EED
            evaluationEnvironment = try registry.make(id: c.environment, options: options)
        } catch { throw .environment(error) }
        let space = environment.actionSpace
        actionLow = space.low
        actionHigh = space.high
        guard actionLow.allSatisfy(\.isFinite), actionHigh.allSatisfy(\.isFinite) else {
            throw .mismatch("\(c.environment) has an unbounded action space (\(actionLow) to \(actionHigh)); SAC's squashed policy needs finite bounds")
        }
        let observationSize = environment.observationSpace.dimension
        let root = RandomStream(seed: c.seed)
        agent = try SACAgent(configuration: c, observationSize: observationSize,
                             actionLow: actionLow, actionHigh: actionHigh, rng: root, estimator: estimator)
        try agent.checkCompatible(with: evaluationEnvironment)
        actionModes = evaluationEnvironment.declaredActionModes
        for mode in actionModes where mode.center.count != actionLow.count || mode.halfWidth.count != actionLow.count {
            throw .mismatch("\(c.environment) declares a mode at \(mode.center) (half-width \(mode.halfWidth)) for actions of dimension \(actionLow.count)")
        }
        buffer = try ReplayBuffer(capacity: min(c.replayCapacity, c.steps), observationSize: observationSize, actionSize: actionLow.count)
        batch = ReplayBatch(batchSize: c.batchSize, observationSize: observationSize, actionSize: actionLow.count)
        state = TrainerState(seedStream: root.split(4), actionStream: root.split(5), replayStream: root.split(6),
                             agentStream: agent.rng)

        let fm = FileManager.default
        if resume && fm.fileExists(atPath: runDirectory.appendingPathComponent("checkpoints/latest.ckpt").path) {
            do { state = try Checkpoint.restore(from: runDirectory.appendingPathComponent("checkpoints/latest.ckpt"), into: agent, buffer: &buffer) }
            catch { throw .checkpoint(error) }
            restoredFromCheckpoint = true
        }
        // Cut the append-only files back to what the checkpoint saw (or to nothing).
        for name in Trainer.metricFiles + Trainer.eventFiles(in: runDirectory) {
            let url = runDirectory.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path) else { continue }
            let keep = state.fileSizes[name] ?? 0
            if keep == 0 { try? fm.removeItem(at: url); continue }
            guard let handle = try? FileHandle(forWritingTo: url) else { continue }
            try? handle.truncate(atOffset: keep)
            try? handle.close()
        }
        let evaluationURL = runDirectory.appendingPathComponent("eval.csv")
        var columns = Trainer.evaluationColumns(modeCount: actionModes.count)
        if let existing = Trainer.header(of: evaluationURL) { columns = existing }
        evaluationColumns = columns
        do {
            sinks = [try CSVMetricsSink(url: runDirectory.appendingPathComponent("metrics.csv")),
                     try JSONLinesMetricsSink(url: runDirectory.appendingPathComponent("metrics.jsonl")),
                     try TensorBoardMetricsSink(directory: runDirectory)]
            evaluationFile = try AppendFile(url: evaluationURL, header: columns.joined(separator: ",") + "\n")
        } catch {
            throw .runFolder(path: runDirectory.path, reason: "cannot open the metric files: \(SystemErrorText.reason(error))")
        }
        try startEpisode(replaying: state.episodeActions)
        stepsAtStart = state.step
    }

    /// The column names of the CSV file at `url`, if it has a complete first line.
    static func header(of url: URL) -> [String]? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 65_536), let end = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: data[data.startIndex..<end], as: UTF8.self)
        return line.isEmpty ? nil : line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    static func eventFiles(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix("events.out.tfevents.") }
    }

    /// Resets the environment with the current episode's seed and, on resume, replays the
    /// actions it had taken, so the environment is exactly where the checkpoint left it.
    func startEpisode(replaying actions: [[Double]]) throws(TrainingError) {
        if state.step == 0 && state.episodeIndex == 0 { newEpisodeSeed() }
        do {
            observation = try environment.reset(seed: state.episodeSeed)
            for a in actions { observation = try environment.step(a).observation }
        } catch { throw .environment(error) }
        try checkObservation(observation)
    }

    /// Throws if the environment returned an observation of another length than its
    /// observation space promised (a bug in a custom environment, named here rather than
    /// surfacing as a shape error deep in the agent).
    func checkObservation(_ o: [Double]) throws(TrainingError) {
        guard o.count == agent.observationSize else {
            throw .observationSize(expected: agent.observationSize, got: o.count, environment: configuration.environment)
        }
    }

    func newEpisodeSeed() {
        state.episodeSeed = state.seedStream.next() >> 1
        state.episodeIndex += 1
        state.episodeActions.removeAll(keepingCapacity: true)
        state.episodeReturn = 0
        state.episodeLength = 0
    }

    var wallSeconds: Double { state.wallSecondsBefore + Date().timeIntervalSince(startTime) }

    /// The environment steps taken so far.
    package var currentStep: Int { state.step }

    /// Trains until the configured number of steps, or until `stopRequested()` returns
    /// true (checked every step; then the run checkpoints and returns `.interrupted`).
    ///
    /// The run folder stays locked against other trainers (in any process) from
    /// ``start(configuration:runDirectory:registry:environmentOptions:estimator:)`` or
    /// ``resume(runDirectory:registry:environmentOptions:estimator:extendingTo:)`` until
    /// this returns; a trainer run again takes the lock again, and throws
    /// ``TrainingError/runFolder(path:reason:)`` if another trainer holds it meanwhile.
    public func run(stopRequested: () -> Bool = { false }) throws(TrainingError) -> TrainingOutcome {
        if folderLock == nil { folderLock = try RunFolderLock.acquire(runDirectory) }
        defer {
            folderLock?.release()
            folderLock = nil
        }
        let c = configuration
        let logEvery = c.resolvedLogEvery
        while true {
            if stopRequested() {
                try checkpoint()
                try writeStatus(.interrupted)
                return .interrupted(step: state.step)
            }
            if evaluationPending {
                // An evaluation cut short by a stop is redone (identically) after resuming.
                guard try evaluate(stopRequested: stopRequested) else { continue }
                if checkpointDue { try checkpoint() }
            }
            if state.step >= c.steps { break }
            try environmentStep()
            if state.step > c.randomSteps || c.randomSteps == 0 {
                for _ in 0..<c.updatesPerStep { try update() }
            }
            if state.updateSamples > 0 && state.step % logEvery == 0 { try logUpdates() }
            if !evaluationPending && checkpointDue { try checkpoint() }
            reportProgress(force: false)
        }
        try checkpoint()
        try writeStatus(.finished)
        reportProgress(force: true)
        return .finished(finalReturn: state.lastEvaluationReturn ?? .nan)
    }

    /// An evaluation is due at this step (every `evalEvery` steps and at the end) and not done yet.
    var evaluationPending: Bool {
        let c = configuration
        let due = state.step == c.steps || (c.evalEvery > 0 && state.step % c.evalEvery == 0)
        return state.step > 0 && due && state.lastEvaluationStep != state.step
    }

    var checkpointDue: Bool { state.step % configuration.checkpointEvery == 0 && state.step < configuration.steps }

    /// One environment step: act, store the transition, handle the episode's end.
    func environmentStep() throws(TrainingError) {
        let action: [Double]
        if state.step < configuration.randomSteps {
            action = zip(actionLow, actionHigh).map { lo, hi in state.actionStream.uniform(lo, hi) }
        } else {
            action = try agent.act(observation, mode: .explore, using: &state.actionStream)
        }
        let result: StepResult
        do { result = try environment.step(action) } catch { throw .environment(error) }
        try checkObservation(result.observation)
        try buffer.add(Transition(observation: observation, action: action, reward: result.reward,
                              nextObservation: result.observation, terminated: result.terminated,
                              truncated: result.truncated))
        state.step += 1
        state.episodeActions.append(action)
        state.episodeReturn += result.reward
        state.episodeLength += 1
        if result.isLast {
            let ended = [("return", state.episodeReturn), ("length", Double(state.episodeLength)), ("terminated", result.terminated ? 1.0 : 0.0)]
            try record(ended.map { MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "episode", name: $0.0, value: $0.1) })
            state.recentReturns.append(state.episodeReturn)
            if state.recentReturns.count > 10 { state.recentReturns.removeFirst() }
            newEpisodeSeed()
            do { observation = try environment.reset(seed: state.episodeSeed) } catch { throw .environment(error) }
            try checkObservation(observation)
        } else {
            observation = result.observation
        }
    }

    /// One SAC update on a fresh minibatch.
    func update() throws(TrainingError) {
        try buffer.sample(into: &batch, using: &state.replayStream)
        let m = try agent.update(batch: batch)
        state.updateSamples += 1
        state.updateSums["critic_loss", default: 0] += Double(m.criticLoss)
        state.updateSums["q_mean", default: 0] += Double(m.meanQ)
        state.updateSums["alpha", default: 0] += Double(m.alpha)
        if let a = m.actorLoss { state.updateSums["actor_loss", default: 0] += Double(a); state.updateSums["actor_updates", default: 0] += 1 }
        if let e = m.entropy { state.updateSums["entropy", default: 0] += Double(e) }
    }

    /// Logs the means of the update metrics since the last log.
    func logUpdates() throws(TrainingError) {
        let n = Double(state.updateSamples), actorN = state.updateSums["actor_updates"] ?? 0
        var events: [MetricEvent] = []
        for name in ["critic_loss", "q_mean", "alpha"] {
            events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "train", name: name, value: (state.updateSums[name] ?? 0) / n))
        }
        if actorN > 0 {
            for name in ["actor_loss", "entropy"] {
                events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "train", name: name, value: (state.updateSums[name] ?? 0) / actorN))
            }
        }
        state.updateSums.removeAll()
        state.updateSamples = 0
        try record(events)
    }

    func record(_ events: [MetricEvent]) throws(TrainingError) {
        do { for s in sinks { try s.record(events) } }
        catch { throw .runFolder(path: runDirectory.path, reason: "cannot write metrics: \(SystemErrorText.reason(error))") }
    }

    /// Evaluates `evalEpisodes` episodes with the deterministic action of `evalMode`, then
    /// as many acting stochastically (skipped when `evalMode` is already `stochastic`),
    /// then, for a task that declares its modes, the policy's exact probability mass near
    /// each mode at the first observation of an episode. Each part has its own random
    /// stream derived from the run's seed and the step (the deterministic part's is the
    /// one it always had), so an evaluation repeated after a resume gives the same result
    /// and the deterministic results do not depend on the parts after it. Returns false
    /// if a stop interrupted it.
    func evaluate(stopRequested: () -> Bool) throws(TrainingError) -> Bool {
        let c = configuration
        let step = UInt64(state.step)
        var rng = RandomStream(seed: c.seed).split(0xE7A1).split(step)
        guard let deterministic = try evaluationEpisodes(mode: c.evalMode, using: &rng, stopRequested: stopRequested) else { return false }
        var stochastic: (mean: Double, std: Double)?
        if c.evalMode == .stochastic {
            stochastic = (deterministic.mean, deterministic.std)
        } else if evaluatesStochastically {
            var stochasticRNG = RandomStream(seed: c.seed).split(0xE7A2).split(step)
            guard let s = try evaluationEpisodes(mode: .stochastic, using: &stochasticRNG, stopRequested: stopRequested) else { return false }
            stochastic = (s.mean, s.std)
        }
        var masses: [Double] = []
        if !actionModes.isEmpty {
            var modeRNG = RandomStream(seed: c.seed).split(0xE7A3).split(step)
            let first: [Double]
            do { first = try evaluationEnvironment.reset(seed: modeRNG.next() >> 1) } catch { throw .environment(error) }
            try checkObservation(first)
            masses = try agent.modeMasses(at: first, modes: actionModes)
        }
        let mean = deterministic.mean, std = deterministic.std, successRate = deterministic.successRate
        state.lastEvaluationStep = state.step
        state.lastEvaluationReturn = mean
        var fields: [String: String] = [
            "step": "\(state.step)", "episodes": "\(deterministic.count)", "return_mean": "\(mean)", "return_std": "\(std)",
            "success_rate": successRate.map { "\($0)" } ?? "",
        ]
        if let stochastic {
            fields["return_stochastic_mean"] = "\(stochastic.mean)"
            fields["return_stochastic_std"] = "\(stochastic.std)"
        }
        for (i, m) in masses.enumerated() { fields["mode_mass_\(i)"] = "\(m)" }
        evaluationFile.append(evaluationColumns.map { fields[$0] ?? "" }.joined(separator: ",") + "\n")
        var events = [MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "return_mean", value: mean),
                      MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "return_std", value: std)]
        if let successRate { events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "success_rate", value: successRate)) }
        if let stochastic {
            events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "return_stochastic_mean", value: stochastic.mean))
            events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "return_stochastic_std", value: stochastic.std))
        }
        for (i, m) in masses.enumerated() {
            events.append(MetricEvent(step: state.step, wallSeconds: wallSeconds, kind: "eval", name: "mode_mass_\(i)", value: m))
        }
        try record(events)
        reportProgress(force: true)
        return true
    }

    /// `evalEpisodes` evaluation episodes acting with `mode`: the mean and standard
    /// deviation of their returns and the success rate (nil if the task reports none);
    /// nil if a stop interrupted them.
    func evaluationEpisodes(mode: EvaluationMode, using rng: inout RandomStream,
                            stopRequested: () -> Bool) throws(TrainingError) -> (count: Int, mean: Double, std: Double, successRate: Double?)? {
        var returns: [Double] = [], successes: [Double] = []
        let limit = evaluationEnvironment.maxEpisodeSteps ?? 1_000_000
        for _ in 0..<configuration.evalEpisodes {
            if stopRequested() { return nil }
            let (total, success) = try agent.runEpisode(on: &evaluationEnvironment, mode: mode, maxSteps: limit, using: &rng)
            returns.append(total)
            if let success { successes.append(success) }
        }
        let mean = returns.reduce(0, +) / Double(returns.count)
        let std = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count)).squareRoot()
        let successRate = successes.isEmpty ? nil : successes.reduce(0, +) / Double(successes.count)
        return (returns.count, mean, std, successRate)
    }

    /// Flushes the metric files and writes the checkpoint atomically.
    func checkpoint() throws(TrainingError) {
        do {
            for s in sinks { try s.flush() }
            try evaluationFile.flush()
        } catch { throw .runFolder(path: runDirectory.path, reason: "cannot flush metrics: \(SystemErrorText.reason(error))") }
        var sizes: [String: UInt64] = [:]
        for name in Trainer.metricFiles + Trainer.eventFiles(in: runDirectory) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: runDirectory.appendingPathComponent(name).path)
            sizes[name] = (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        var saved = state
        saved.fileSizes = sizes
        saved.agentStream = agent.rng
        saved.updateCount = agent.updateCount
        saved.replayCount = buffer.count
        saved.replayNextIndex = buffer.nextIndex
        saved.wallSecondsBefore = wallSeconds
        do { try Checkpoint.write(agent: agent, buffer: buffer, state: saved, to: checkpointURL) }
        catch { throw .checkpoint(error) }
    }

    /// Writes `status.json` atomically.
    func writeStatus(_ status: TrainingStatus.State) throws(TrainingError) {
        let record = TrainingStatus(state: status, step: state.step, finalReturn: state.lastEvaluationReturn, error: nil)
        do { try AtomicFile.write(record.encoded(), to: runDirectory.appendingPathComponent("status.json")) }
        catch { throw .runFolder(path: runDirectory.path, reason: SystemErrorText.reason(error)) }
    }

    /// Records a failure in `status.json` (best effort: the run is already failing).
    package func recordFailure(_ error: TrainingError) {
        let record = TrainingStatus(state: .failed, step: state.step, finalReturn: nil, error: "\(error)")
        try? AtomicFile.write(record.encoded(), to: runDirectory.appendingPathComponent("status.json"))
    }

    func reportProgress(force: Bool) {
        guard let onProgress else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return }
        lastProgress = now
        let elapsed = now.timeIntervalSince(startTime)
        let updates = max(0, state.step - max(configuration.randomSteps, stepsAtStart)) * configuration.updatesPerStep
        timeLeft.record(step: state.step, at: elapsed)
        onProgress(TrainingProgress(
            step: state.step, totalSteps: configuration.steps,
            updatesPerSecond: elapsed > 0 ? Double(updates) / elapsed : 0,
            recentReturn: state.recentReturns.isEmpty ? nil : state.recentReturns.reduce(0, +) / Double(state.recentReturns.count),
            lastEvaluationReturn: state.lastEvaluationReturn,
            secondsLeft: timeLeft.secondsLeft(totalSteps: configuration.steps)))
    }
}
