import Foundation
import Testing
import MixAgents
import MixPolicy
import MixTestSupport

/// LR and hybrid are fair by default: a leave-one-out baseline and M = max(K, 2) samples
/// per state (MRP's critic cost); LR without a baseline only when asked for by name.
@Suite struct EstimatorDefaultsTests {
    @Test func likelihoodRatioDefaultsToLeaveOneOutAtEqualCriticCost() {
        var c = TrainingConfiguration()
        c.policy = .mixture
        c.components = 5
        c.estimator = .lr
        #expect(c.resolvedSamples == 5 && c.resolvedBaseline == .leaveOneOut)
        #expect(c.problems.isEmpty)
        c.estimator = .hybrid
        #expect(c.resolvedSamples == 5 && c.resolvedBaseline == .leaveOneOut)
        c.estimator = .mrp
        #expect(c.resolvedSamples == 1 && c.resolvedBaseline == Baseline.none)
        // A Gaussian trained by LR still gets a baseline: two samples per state.
        var g = TrainingConfiguration()
        g.estimator = .lr
        #expect(g.resolvedSamples == 2 && g.resolvedBaseline == .leaveOneOut)
    }

    @Test func noBaselineOnlyByName() {
        var c = TrainingConfiguration()
        c.policy = .mixture
        c.components = 5
        c.estimator = .lr
        c.baseline = Baseline.none
        #expect(c.resolvedSamples == 5 && c.resolvedBaseline == Baseline.none)
        #expect(c.problems.isEmpty)
        // One sample and the default baseline cannot go together: say how to get LR without one.
        c.baseline = nil
        c.samples = 1
        let problem = c.problems.first
        #expect(problem?.key == "baseline")
        #expect(problem?.message.contains("set baseline none") == true, "\(problem?.message ?? "")")
    }

    /// The run's config.json names M and the baseline, so its meaning never depends on defaults.
    @Test func runFolderRecordsTheResolvedOptions() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration(policy: .mixture)
        c.estimator = .lr
        c.steps = 10
        c.randomSteps = 10
        c.evalEpisodes = 1
        let trainer = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("run"))
        #expect(trainer.configuration.samples == 3 && trainer.configuration.baseline == .leaveOneOut)
        let json = try String(contentsOf: dir.appendingPathComponent("run/config.json"), encoding: .utf8)
        #expect(json.contains("\"samples\" : 3") || json.contains("\"samples\":3"), "\(json)")
        #expect(json.contains("leave-one-out"))
    }
}

/// A fixed temperature (`learn_temperature = false`, `mixrl train --alpha X`) stays fixed:
/// every logged `alpha` is exactly the one asked for, and the agent's own is unchanged.
@Suite struct FixedTemperatureTests {
    @Test func alphaIsConstantInTheMetrics() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = TrainingConfiguration.preset(for: "BimodalBandit-v0")
        c.policy = .mixture
        c.components = 3
        c.estimator = .mrp
        c.steps = 600
        c.randomSteps = 100
        c.evalEvery = 300
        c.evalEpisodes = 5
        c.logEvery = 50
        c.learnTemperature = false
        c.initialTemperature = 0.5
        let trainer = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("run"))
        _ = try trainer.run()
        let alphas = try TrainingLog.read(runDirectory: dir.appendingPathComponent("run")).series(name: "alpha", kind: "train")
        #expect(alphas.count == 10, "\(alphas.count) alpha values logged")
        #expect(alphas.allSatisfy { $0.value == 0.5 }, "\(alphas.map(\.value))")
        #expect(trainer.agent.alpha == 0.5)
    }
}
