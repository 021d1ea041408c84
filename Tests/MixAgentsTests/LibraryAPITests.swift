import Foundation
import Synchronization
import Testing
import MixAgents
import MixEnvs
import MixPolicy
import MixTensor

/// MRP, counting its calls: a custom estimator as a user would write one.
struct CountingMRP: GradientEstimator {
    final class Counter: Sendable { let calls = Mutex(0) }
    let counter = Counter()
    var description: String { "CountingMRP" }
    var isUnbiased: Bool { true }
    func criticEvaluationsPerState(componentCount: Int) -> Int { componentCount }
    func validate(componentCount: Int) throws(EstimatorError) {
        guard componentCount >= 2 else { throw .requiresMixture(estimator: description, componentCount: componentCount) }
    }
    func actorLoss<Scalar: TensorScalar>(
        distribution: SquashedGaussianMixture<Scalar>, states: Variable, critic: CriticFunction,
        alpha: Scalar, on tape: Tape<Scalar>, using rng: inout RandomStream
    ) throws(EstimatorError) -> ActorLoss<Scalar> {
        counter.calls.withLock { $0 += 1 }
        return try MRPEstimator().actorLoss(distribution: distribution, states: states, critic: critic,
                                            alpha: alpha, on: tape, using: &rng)
    }
}

/// A custom environment whose observations are longer than its space says.
struct InconsistentEnvironment: Environment {
    let id = "Inconsistent-v0"
    let observationSpace = BoxSpace(low: [-1, -1], high: [1, 1])
    let actionSpace = BoxSpace(low: [-1], high: [1])
    mutating func reset(seed: UInt64?) -> [Double] { [0, 0] }
    mutating func step(_ action: [Double]) -> StepResult { StepResult(observation: [0, 0, 0], reward: 0) }
}

/// The library's public entry points: custom estimators, loading saved agents, reading
/// metrics, and the typed errors of user mistakes.
@Suite(.serialized) struct LibraryAPITests {
    @Test func customEstimatorTrainsIsRecordedAndMustBeGivenToResume() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration(policy: .mixture)
        c.estimator = .rp  // ignored: the custom estimator replaces it
        c.steps = 400
        c.randomSteps = 200
        c.checkpointEvery = 200
        let estimator = CountingMRP()
        let run = dir.appendingPathComponent("run")
        let trainer = try Trainer.start(configuration: c, runDirectory: run, estimator: estimator)
        #expect(trainer.configuration.customEstimator == "CountingMRP")
        _ = try trainer.run(stopRequested: { false })
        // Updates start after the random steps: one actor step per update (policy delay 1).
        #expect(estimator.counter.calls.withLock { $0 } == 400 - 200)
        #expect(try Trainer.readConfiguration(run).customEstimator == "CountingMRP")

        // Resuming without it, or with another estimator, is refused by name.
        #expect { _ = try Trainer.resume(runDirectory: run) } throws: { error in
            guard case TrainingError.mismatch(let m) = error else { return false }
            return m.contains("CountingMRP") && m.contains("no custom estimator")
        }
        #expect(throws: TrainingError.self) { _ = try Trainer.resume(runDirectory: run, estimator: MRPEstimator()) }
        _ = try Trainer.resume(runDirectory: run, estimator: CountingMRP())
    }

    @Test func mixtureOnlyEstimatorWithGaussianPolicyIsATypedError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gaussian = smallConfiguration(policy: .gaussian)
        #expect { _ = try Trainer.start(configuration: gaussian, runDirectory: dir.appendingPathComponent("a"), estimator: CountingMRP()) } throws: { error in
            guard case TrainingError.estimator(.requiresMixture(let name, let k)) = error else { return false }
            return name == "CountingMRP" && k == 1 && "\(error)".contains("at least two components")
        }
        var builtIn = gaussian
        builtIn.estimator = .hybrid
        #expect { _ = try Trainer.start(configuration: builtIn, runDirectory: dir.appendingPathComponent("b")) } throws: { error in
            guard case TrainingError.configuration(let p) = error else { return false }
            return p.key == "estimator"
        }
        // Nothing was written for either.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b").path))
        #expect { _ = try SACAgent(configuration: gaussian, observationSize: 3, actionLow: [-2], actionHigh: [2],
                                   rng: RandomStream(seed: 1), estimator: HybridEstimator(samples: 1)) } throws: { error in
            guard case TrainingError.estimator(.requiresMixture) = error else { return false }
            return true
        }
    }

    @Test func loadedAgentActsLikeTheTrainedOneAndRejectsOtherEnvironments() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration(policy: .mixture)
        c.steps = 400
        c.randomSteps = 200
        let run = dir.appendingPathComponent("run")
        let trainer = try Trainer.start(configuration: c, runDirectory: run)
        _ = try trainer.run(stopRequested: { false })

        let loaded = try SACAgent.load(runDirectory: run)
        #expect(parameterBits(loaded) == parameterBits(trainer.agent))
        #expect(loaded.observationSize == 3 && loaded.actionLow == [-2] && loaded.actionHigh == [2])
        var a = RandomStream(seed: 9), b = RandomStream(seed: 9)
        let observation = [0.5, -0.5, 0.1]
        #expect(try loaded.act(observation, mode: .explore, using: &a) == trainer.agent.act(observation, mode: .explore, using: &b))

        // The deterministic action needs no stream and equals act(... .evaluate(.mostLikely) ...).
        #expect(try loaded.action(for: observation) == loaded.act(observation, mode: .evaluate(.mostLikely), using: &a))
        #expect(throws: TrainingError.self) { _ = try loaded.action(for: [1]) }

        var pendulum = try makeEnvironment(id: "Pendulum-v1")
        let returns = try loaded.evaluate(on: &pendulum, episodes: 2, seed: 3)
        #expect(returns.count == 2 && returns.allSatisfy { $0.isFinite && $0 < 0 })

        // MountainCarContinuous has 2 observations, not 3: a typed error, not a trap.
        var car = try makeEnvironment(id: "MountainCarContinuous-v0")
        #expect { _ = try loaded.evaluate(on: &car, episodes: 1) } throws: { error in
            guard case TrainingError.observationSize(expected: 3, got: 2, environment: "MountainCarContinuous-v0") = error else { return false }
            return "\(error)".contains("size 2") && "\(error)".contains("size 3")
        }
        #expect(throws: TrainingError.self) { _ = try loaded.act([1, 2], mode: .explore, using: &a) }
        #expect(throws: TrainingError.self) { _ = try loaded.act(batch: [[1, 2, 3], [1, 2]], mode: .explore, using: &a) }
    }

    @Test func customEnvironmentIsRegisteredAndItsInconsistencyNamed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var registry = EnvironmentRegistry.standard
        registry.register("Inconsistent-v0", summary: "says 2 observations, returns 3") { _ in InconsistentEnvironment() }
        var c = smallConfiguration()
        c.environment = "Inconsistent-v0"
        let trainer = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("run"), registry: registry)
        #expect(trainer.agent.observationSize == 2)
        #expect { _ = try trainer.run(stopRequested: { false }) } throws: { error in
            guard case TrainingError.observationSize(expected: 2, got: 3, environment: "Inconsistent-v0") = error else { return false }
            return true
        }
        // Without the registry, the id is unknown: a typed environment error listing what exists.
        #expect { _ = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("other")) } throws: { error in
            guard case TrainingError.environment = error else { return false }
            return "\(error)".contains("Pendulum-v1")
        }
        // ... and the failed start left nothing behind, so it can be retried as it is.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("other").path))
        let occupied = dir.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try "keep".write(to: occupied.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { _ = try Trainer.start(configuration: c, runDirectory: occupied) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied.path) == ["notes.txt"])
    }

    @Test func agentLoadErrorsNameTheProblem() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { _ = try SACAgent.load(runDirectory: dir) } throws: { error in
            guard case TrainingError.runFolder(_, let reason) = error else { return false }
            return reason.contains("no checkpoint")
        }
        let junk = dir.appendingPathComponent("junk.ckpt")
        try Data([1, 2, 3]).write(to: junk)
        #expect { _ = try SACAgent.load(checkpoint: junk) } throws: { error in
            guard case TrainingError.checkpoint = error else { return false }
            return "\(error)".contains(junk.path)
        }
    }

    @Test func trainingLogReadsBackWhatTheRunWrote() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration()
        c.steps = 2_000
        c.evalEvery = 1_000
        c.logEvery = 500
        let run = dir.appendingPathComponent("run")
        let outcome = try Trainer.start(configuration: c, runDirectory: run).run(stopRequested: { false })
        let log = try TrainingLog.read(runDirectory: run)
        #expect(log.configuration == c.resolvingEstimatorDefaults())
        #expect(log.evaluations.map(\.step) == [1_000, 2_000])
        #expect(outcome == .finished(finalReturn: log.evaluations.last?.returnMean ?? 0))
        #expect(log.status == TrainingStatus(state: .finished, step: 2_000, finalReturn: log.evaluations.last?.returnMean, error: nil))
        #expect(log.series(name: "alpha", kind: "train").map(\.step) == [500, 1_000, 1_500, 2_000])
        #expect(log.series(name: "return", kind: "episode").count == 10)  // Pendulum: 200-step episodes
        // ... that end at the time limit, never by termination.
        #expect(log.series(name: "terminated", kind: "episode").map(\.value) == Array(repeating: 0, count: 10))

        // A damaged metric file is an error naming the file and line.
        try "step,episodes,return_mean,return_std,success_rate\n1000,1,abc,0,\n"
            .write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        #expect { _ = try TrainingLog.read(runDirectory: run) } throws: { error in
            "\(error)".contains("eval.csv line 2")
        }
    }
}
