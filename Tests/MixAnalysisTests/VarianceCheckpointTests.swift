import Foundation
import MixAgents
import MixAnalysis
import Testing

/// The benchmark on a real checkpoint: a short Pendulum-v1 SAC run with a K = 3 mixture,
/// trained here, then measured with its own critics and replay states.
@Suite(.serialized) struct VarianceCheckpointTests {
    /// A 300-step run (100 random steps, batch 64, hidden [32, 32]) in a fresh folder.
    static func trainTinyRun() throws -> URL {
        var c = TrainingConfiguration.preset(for: "Pendulum-v1")
        c.policy = .mixture
        c.components = 3
        c.estimator = .mrp
        c.steps = 300
        c.randomSteps = 100
        c.batchSize = 64
        c.hiddenSizes = [32, 32]
        c.evalEvery = 0
        c.evalEpisodes = 1
        c.checkpointEvery = 300
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("variance-run-\(UUID().uuidString)")
        let trainer = try Trainer.start(configuration: c, runDirectory: folder)
        _ = try trainer.run()
        return folder
    }

    @Test func checkpointProducesTheTables() throws {
        let run = try Self.trainTinyRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let options = CheckpointOptions(location: run, stateCount: 8, referenceSamplesPerComponent: 16, referenceEstimates: 60)

        // The policy shape is checked against the request before any sampling.
        for (ks, estimators) in [([5], nil), ([3], [VarianceEstimatorKind.rp])] as [([Int], [VarianceEstimatorKind]?)] {
            #expect(throws: VarianceError.self) {
                try VarianceBenchmark(VarianceRequest(problem: .checkpoint(options), componentCounts: ks, estimators: estimators))
            }
        }
        do {
            _ = try VarianceBenchmark(VarianceRequest(problem: .checkpoint(options), componentCounts: [2, 3]))
            Issue.record("K = 2 was accepted for a K = 3 checkpoint")
        } catch {
            #expect(error.description.contains("K = 3 components"))
        }

        let benchmark = try VarianceBenchmark(VarianceRequest(problem: .checkpoint(options), samplesPerState: [1, 2], estimateCount: 60, seed: 2))
        #expect(benchmark.componentCounts == [3] && benchmark.stateCount == 8)
        var progressCalls = 0
        let report = try benchmark.run { _ in progressCalls += 1 }
        #expect(progressCalls == benchmark.plan.count + 1)
        let estimators = Set(report.rows.map(\.plan.estimator))
        #expect(estimators == [.mrp, .lr, .lrLeaveOneOut, .hybrid, .gumbel])
        for row in report.rows {
            #expect(row.groups.map(\.group) == [.logits, .means, .logStds, .all])
            #expect(row.groups.allSatisfy { $0.totalVariance.isFinite && $0.totalVariance > 0 && $0.largestEigenvalue > 0 })
            #expect(row.groups.first { $0.group == .all }?.dimension == 8 * (3 + 2 * 3))
            #expect(row.secondsPerEstimate > 0)
        }
        // MRP against its own high-sample average: no bias beyond the noise of both.
        let mrp = try #require(report.row(.mrp, componentCount: 3, budget: 2)?.statistics(.all))
        #expect(mrp.maxStandardizedBias < 5)
        #expect(mrp.cosineSimilarity > 0.5)
        let markdown = report.markdown()
        #expect(markdown.contains("### K = 3") && markdown.contains("### Logit variance relative to MRP") && markdown.contains("MRP average"))
        #expect(report.references.first?.varianceOfMean != nil)
        #expect(report.charts().contains { $0.fileName == "variance-vs-samples-logits-K3.svg" })

        // The checkpoint is verified as a resume verifies it: one flipped bit in the data
        // section (the last byte of the file) is refused, naming the checksum.
        let file = run.appendingPathComponent("checkpoints/latest.ckpt")
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[bytes.count - 1] ^= 1
        try Data(bytes).write(to: file)
        do {
            _ = try VarianceBenchmark(VarianceRequest(problem: .checkpoint(options), componentCounts: [3]))
            Issue.record("a checkpoint with a flipped data bit was accepted")
        } catch {
            #expect(error.description.contains("checksum"))
        }
    }
}
