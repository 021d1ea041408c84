import Foundation
import Testing
import MixAgents
import MixEnvs
import MixTensor
import MixTestSupport

/// Evaluations that see multimodality: the stochastic return beside the deterministic
/// one, and the exact mass near each mode of a task that declares its modes.
@Suite(.serialized) struct MultimodalEvaluationTests {
    static let newHeader = "step,episodes,return_mean,return_std,success_rate,return_stochastic_mean,return_stochastic_std"

    /// A short K = 2 run on the bimodal bandit at a fixed temperature.
    static func banditConfiguration(steps: Int = 400, seed: UInt64 = 1) -> TrainingConfiguration {
        var c = TrainingConfiguration.preset(for: "BimodalBandit-v0")
        c.policy = .mixture
        c.components = 2
        c.estimator = .mrp
        c.learnTemperature = false
        c.initialTemperature = 0.5
        c.seed = seed
        c.steps = steps
        c.evalEvery = 200
        c.evalEpisodes = 20
        c.hiddenSizes = [32, 32]
        return c
    }

    /// The lines of metrics.csv without wall-clock times and without the given metric names.
    static func metrics(_ dir: URL, dropping names: Set<String> = []) throws -> [String] {
        try metricsWithoutTime(dir).filter { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            return f.count < 3 || !names.contains(String(f[2]))
        }
    }

    /// The first five columns of each eval.csv line (the layout before the new columns).
    static func baseColumns(_ dir: URL) throws -> [String] {
        try fileText(dir, "eval.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(5).joined(separator: ",") }
    }

    /// The deterministic evaluation, its episode seeds and results, and the whole
    /// training run are bit-identical with and without the stochastic pass.
    @Test(arguments: ["Pendulum-v1", "BimodalBandit-v0"])
    func theStochasticPassLeavesEverythingElseUnchanged(environment: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c: TrainingConfiguration
        if environment == "Pendulum-v1" {
            c = smallConfiguration(policy: .mixture)
            c.steps = 600
            c.evalEvery = 200
            c.evalEpisodes = 2
        } else {
            c = Self.banditConfiguration()
        }
        let without = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("without"))
        without.evaluatesStochastically = false
        _ = try without.run()
        let with = try Trainer.start(configuration: c, runDirectory: dir.appendingPathComponent("with"))
        _ = try with.run()
        let a = dir.appendingPathComponent("without"), b = dir.appendingPathComponent("with")
        #expect(try Self.baseColumns(a) == Self.baseColumns(b))
        #expect(try Self.metrics(a) == Self.metrics(b, dropping: ["return_stochastic_mean", "return_stochastic_std"]))
        #expect(try Self.metrics(b).count > Self.metrics(a).count)
        #expect(parameterBits(without.agent) == parameterBits(with.agent))
        #expect(try fileText(a, "status.json") == fileText(b, "status.json"))
    }

    @Test func evalCSVHasTheNewColumnsAndTrainingLogReadsThem() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let trainer = try Trainer.start(configuration: Self.banditConfiguration(), runDirectory: run)
        _ = try trainer.run()
        let lines = try fileText(run, "eval.csv").split(separator: "\n").map(String.init)
        #expect(lines.first == Self.newHeader + ",mode_mass_0,mode_mass_1")
        #expect(lines.count == 3)  // evaluations at 200 and 400

        let log = try TrainingLog.read(runDirectory: run)
        #expect(log.evaluations.map(\.step) == [200, 400])
        // Every bandit pull is a one-step episode that terminates (no time limit).
        #expect(log.series(name: "terminated", kind: "episode").map(\.value) == Array(repeating: 1, count: 400))
        for e in log.evaluations {
            #expect(e.returnStochasticMean != nil && e.returnStochasticStandardDeviation != nil)
            #expect(e.modeMasses.count == 2)
            #expect(e.modeMasses.allSatisfy { $0 >= 0 && $0 <= 1 } && e.modeMasses.reduce(0, +) <= 1)
        }
        // The masses are the final policy's, exactly (eval.csv keeps every digit).
        #expect(log.evaluations.last?.modeMasses == (try trainer.agent.modeMasses(at: [0], modes: ContinuousBandit(id: "b", reward: .symmetricBimodal).actionModes)))
        // The same values are metric events (metrics.csv, metrics.jsonl, TensorBoard).
        let last = log.evaluations.last
        #expect(log.series(name: "return_stochastic_mean", kind: "eval").map(\.value) == log.evaluations.compactMap(\.returnStochasticMean))
        #expect(log.series(name: "mode_mass_1", kind: "eval").last?.value == last?.modeMasses.last)
        #expect(try fileText(run, "metrics.jsonl").contains("\"kind\":\"eval\",\"name\":\"mode_mass_0\""))

        // The layout before these columns still reads, without them.
        try "step,episodes,return_mean,return_std,success_rate\n200,20,0.5,0.1,\n400,20,0.75,0.2,\n"
            .write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        let old = try TrainingLog.read(runDirectory: run)
        #expect(old.evaluations.map(\.returnMean) == [0.5, 0.75])
        #expect(old.evaluations.allSatisfy { $0.returnStochasticMean == nil && $0.modeMasses.isEmpty })
        // A row that does not fill the new layout's columns is an error naming its line.
        try (Self.newHeader + "\n200,20,0.5,0.1,,0.4\n").write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        #expect { _ = try TrainingLog.read(runDirectory: run) } throws: { error in "\(error)".contains("eval.csv line 2") }
        // Another file is still refused.
        try "step,return\n200,1\n".write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        #expect { _ = try TrainingLog.read(runDirectory: run) } throws: { error in "\(error)".contains("expected") }
    }

    /// With `eval_mode = stochastic` the evaluation already samples: no second pass, the
    /// stochastic columns repeat the evaluation's own return.
    @Test func aStochasticEvaluationModeIsNotEvaluatedTwice() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = Self.banditConfiguration(steps: 300)
        c.evalEvery = 300
        c.evalMode = .stochastic
        let run = dir.appendingPathComponent("run")
        _ = try Trainer.start(configuration: c, runDirectory: run).run()
        let log = try TrainingLog.read(runDirectory: run)
        #expect(log.evaluations.count == 1)
        #expect(log.evaluations.allSatisfy { $0.returnStochasticMean == $0.returnMean && $0.returnStochasticStandardDeviation == $0.returnStandardDeviation })
    }

    /// A run started before eval.csv had the new columns keeps its layout when resumed.
    @Test func aResumedRunKeepsTheLayoutItStartedWith() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        var c = Self.banditConfiguration(steps: 400)
        c.checkpointEvery = 200
        var steps = 0
        let first = try Trainer.start(configuration: c, runDirectory: run)
        _ = try first.run(stopRequested: { steps += 1; return steps > 250 })
        // Rewrite the file as the older code wrote it: the same rows, five columns. The
        // checkpoint recorded the file's size (a resume cuts the file back to it), so the
        // shorter old text keeps that size by zero-padding the episode counts.
        let newText = try fileText(run, "eval.csv")
        var rows = newText.split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(5).map(String.init) }
        #expect(rows.count == 1)
        let oldHeader = "step,episodes,return_mean,return_std,success_rate"
        let shortBy = newText.utf8.count - (([oldHeader] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n").utf8.count + 1)
        rows[0][1] = String(repeating: "0", count: shortBy) + rows[0][1]
        try (([oldHeader] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n") + "\n")
            .write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        #expect(try fileText(run, "eval.csv").utf8.count == newText.utf8.count)
        let resumed = try Trainer.resume(runDirectory: run)
        _ = try resumed.run()
        let lines = try fileText(run, "eval.csv").split(separator: "\n")
        #expect(lines.first == "step,episodes,return_mean,return_std,success_rate")
        #expect(lines.count == 3 && lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 5 })
        #expect(try TrainingLog.read(runDirectory: run).evaluations.map(\.step) == [200, 400])
    }

    /// The case, by hand: a K = 3 mixture whose heaviest component (weight 0.4)
    /// sits between the bandit's modes and whose two others (0.3 each) sit on them, with
    /// tiny standard deviations. The deterministic evaluation scores 0; the stochastic
    /// return and the exact mode masses (0.3 and 0.3) show both modes. (A K = 2 mixture
    /// trained for a few thousand steps at alpha = 0.5 stays close to uniform, mass about
    /// 0.075 near each mode, so no trained run is asserted here.)
    @Test func aHandSetMixtureBetweenTheModesShowsBothModes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = Self.banditConfiguration(steps: 200)
        c.components = 3
        c.randomSteps = 200  // no update: the hand-set policy is what gets evaluated
        c.evalEvery = 0
        c.evalEpisodes = 100
        let run = dir.appendingPathComponent("run")
        let trainer = try Trainer.start(configuration: c, runDirectory: run)
        // Every weight zero, so the network outputs its last bias: [means | raw log-stds | logits].
        let output = [0, Float(atanh(-0.5)), Float(atanh(0.5)), -20, -20, -20, Float(log(0.4)), Float(log(0.3)), Float(log(0.3))]
        var setHeads = false
        for p in trainer.agent.actor.parameters.elements {
            let isOutputBias = p.name.contains("bias") && p.value.count == output.count
            p.value = Tensor(shape: p.value.shape, scalars: isOutputBias ? output : [Float](repeating: 0, count: p.value.count))
            setHeads = setHeads || isOutputBias
        }
        #expect(setHeads)
        _ = try trainer.run()
        let evaluation = try #require(TrainingLog.read(runDirectory: run).evaluations.last)
        #expect(evaluation.step == 200)
        #expect(evaluation.returnMean < 1e-80)  // the action 0: 3 exp(-200)
        let stochastic = try #require(evaluation.returnStochasticMean)
        #expect(stochastic > 0.5 && stochastic < 1.3, "60% of the pulls land on a mode and pay about 1.47: \(stochastic)")
        #expect(evaluation.modeMasses.count == 2)
        #expect(evaluation.modeMasses.allSatisfy { abs($0 - 0.3) < 1e-6 }, "\(evaluation.modeMasses)")
        print("hand-set K=3 bandit evaluation: \(evaluation)")
    }
}
