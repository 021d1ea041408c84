import Foundation
import Testing
import MixAgents
import MixTensor

/// A small, fast configuration: Pendulum with tiny networks.
func smallConfiguration(policy: PolicyKind = .gaussian, seed: UInt64 = 7) -> TrainingConfiguration {
    var c = TrainingConfiguration.preset(for: "Pendulum-v1")
    c.policy = policy
    c.components = policy == .mixture ? 3 : 1
    c.estimator = policy == .mixture ? .mrp : .rp
    c.seed = seed
    c.steps = 1_200
    c.randomSteps = 200
    c.batchSize = 32
    c.hiddenSizes = [32, 32]
    c.evalEvery = 400
    c.evalEpisodes = 1
    c.checkpointEvery = 300
    return c
}

/// metrics.csv without the wall-clock column, which legitimately differs between runs.
func metricsWithoutTime(_ dir: URL) throws -> [String] {
    try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        .split(separator: "\n").map { line in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if fields.count > 1 { fields.remove(at: 1) }
            return fields.joined(separator: ",")
        }
}

func fileText(_ dir: URL, _ name: String) throws -> String {
    try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
}

/// The bits of every actor and critic parameter.
func parameterBits(_ agent: SACAgent) -> [[UInt32]] {
    (agent.actor.parameters.elements + agent.critics.flatMap(\.parameters.elements) + [agent.logAlpha])
        .map { $0.value.scalars.map(\.bitPattern) }
}

@Suite(.serialized) struct TrainerTests {
    @Test(arguments: [PolicyKind.gaussian, .mixture])
    func sameSeedGivesBitIdenticalRuns(policy: PolicyKind) throws {
        let a = try temporaryDirectory(), b = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let c = smallConfiguration(policy: policy)
        let first = try Trainer.start(configuration: c, runDirectory: a.appendingPathComponent("run"))
        let second = try Trainer.start(configuration: c, runDirectory: b.appendingPathComponent("run"))
        #expect(try first.run() == second.run())
        #expect(try metricsWithoutTime(a.appendingPathComponent("run")) == metricsWithoutTime(b.appendingPathComponent("run")))
        #expect(try fileText(a.appendingPathComponent("run"), "eval.csv") == fileText(b.appendingPathComponent("run"), "eval.csv"))
        #expect(parameterBits(first.agent) == parameterBits(second.agent))
        // A different seed gives a different run.
        var other = c
        other.seed = 8
        let third = try Trainer.start(configuration: other, runDirectory: b.appendingPathComponent("other"))
        _ = try third.run()
        #expect(parameterBits(third.agent) != parameterBits(first.agent))
    }

    @Test func gracefulStopAndResumeMatchesUninterruptedRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = smallConfiguration(policy: .mixture)
        let straight = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("straight"))
        _ = try straight.run()

        // Stop in the middle of an episode and between checkpoints, then resume.
        let runDir = dir.appendingPathComponent("stopped")
        var steps = 0
        let stopped = try Trainer.start(configuration: c, runDirectory: runDir)
        let outcome = try stopped.run(stopRequested: { steps += 1; return steps > 517 })
        guard case .interrupted(let step) = outcome else { Issue.record("the run did not stop: \(outcome)"); return }
        #expect(step > 400 && step < 600 && step % 300 != 0, "stopped between checkpoints, at step \(step)")
        #expect(try fileText(runDir, "status.json").contains("interrupted"))
        let resumed = try Trainer.resume(runDirectory: runDir)
        _ = try resumed.run()
        #expect(try metricsWithoutTime(runDir) == metricsWithoutTime(dir.appendingPathComponent("straight")))
        #expect(try fileText(runDir, "eval.csv") == fileText(dir.appendingPathComponent("straight"), "eval.csv"))
        #expect(parameterBits(resumed.agent) == parameterBits(straight.agent))
        #expect(try fileText(runDir, "status.json").contains("finished"))
    }

    @Test func startRefusesAFolderThatHoldsARun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration()
        c.steps = 10
        c.randomSteps = 10
        _ = try Trainer.start(configuration: c, runDirectory: dir)
        #expect(throws: TrainingError.self) { _ = try Trainer.start(configuration: c, runDirectory: dir) }
        // Nothing in the folder was touched by the refused start.
        #expect(try Trainer.readConfiguration(dir) == c.resolvingEstimatorDefaults())
    }

    @Test func corruptCheckpointIsRejectedWithItsPath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration()
        c.steps = 350
        let trainer = try Trainer.start(configuration: c, runDirectory: dir)
        _ = try trainer.run()
        let ckpt = dir.appendingPathComponent("checkpoints/latest.ckpt")
        var bytes = [UInt8](try Data(contentsOf: ckpt))
        bytes[bytes.count - 5] ^= 0x40  // flip one bit of the replay data
        try Data(bytes).write(to: ckpt)
        do {
            _ = try Trainer.resume(runDirectory: dir)
            Issue.record("a corrupt checkpoint was accepted")
        } catch {
            #expect("\(error)".contains("checksum"))
            #expect("\(error)".contains(ckpt.path))
        }
    }

    @Test func invalidConfigurationsAreRejectedBeforeAnyWork() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration()
        c.estimator = .mrp  // a gaussian policy cannot use MRP
        #expect(throws: TrainingError.self) { _ = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("a")) }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a").path))
        var unknown = smallConfiguration()
        unknown.environment = "NoSuchEnv-v0"
        do {
            _ = try Trainer.start(configuration: unknown, runDirectory: dir.appendingPathComponent("b"))
            Issue.record("an unknown environment was accepted")
        } catch {
            #expect("\(error)".contains("NoSuchEnv-v0"))
        }
    }
}

/// Extending a finished run (`Trainer.resume(..., extendingTo:)`, `mixrl train --resume DIR
/// --steps N`) gives the run that the larger budget would have given from the start.
@Suite(.serialized) struct RunExtensionTests {
    @Test func extendedRunEqualsTheLongerRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var short = smallConfiguration(policy: .mixture, seed: 5)
        short.steps = 800
        short.evalEvery = 400
        short.checkpointEvery = 400
        var long = short
        long.steps = 1_200
        let a = dir.appendingPathComponent("extended"), b = dir.appendingPathComponent("long")
        _ = try Trainer.start(configuration: short, runDirectory: a).run()
        let extended = try Trainer.resume(runDirectory: a, extendingTo: 1_200)
        #expect(extended.currentStep == 800 && extended.configuration.steps == 1_200)
        _ = try extended.run()
        _ = try Trainer.start(configuration: long, runDirectory: b).run()
        #expect(try metricsWithoutTime(a) == metricsWithoutTime(b))
        #expect(try fileText(a, "eval.csv") == fileText(b, "eval.csv"))
        #expect(try Trainer.readConfiguration(a) == Trainer.readConfiguration(b))
        let x = try Trainer.resume(runDirectory: a), y = try Trainer.resume(runDirectory: b)
        #expect(parameterBits(x.agent) == parameterBits(y.agent))
        // Shrinking is refused, naming the option.
        #expect { _ = try Trainer.resume(runDirectory: a, extendingTo: 900) } throws: { error in
            guard case TrainingError.configuration(let problem) = error else { return false }
            return problem.key == "steps" && problem.message.contains("only be extended")
        }
    }
}
