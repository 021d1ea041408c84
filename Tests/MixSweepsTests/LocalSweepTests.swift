import Foundation
import MixAgents
import MixReports
import MixSweeps
import Testing

/// `LocalSweep`: an in-process sweep that survives a stop, skips finished runs, refuses a
/// folder holding another configuration, and leaves folders that `mixrl report` reads.
@Suite(.serialized) struct LocalSweepTests {
    static func configuration(components: Int, seed: UInt64) -> TrainingConfiguration {
        var c = TrainingConfiguration.preset(for: "Pendulum-v1")
        c.policy = .mixture
        c.components = components
        c.estimator = .mrp
        c.seed = seed
        c.steps = 400
        c.randomSteps = 100
        c.batchSize = 32
        c.hiddenSizes = [16, 16]
        c.evalEvery = 200
        c.evalEpisodes = 1
        c.checkpointEvery = 100
        return c
    }

    @Test func stopResumeSkipAndReport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("local-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs = [2, 3].flatMap { k in (0..<2).map { s in ("k\(k)-seed\(s)", Self.configuration(components: k, seed: UInt64(s))) } }

        // Stop in the middle of the second run (each run takes 400 steps plus evaluations).
        var calls = 0
        let first = try LocalSweep.run(runs, in: folder, stopRequested: { calls += 1; return calls > 600 })
        #expect(first.count == 2)
        guard case .finished = first["k2-seed0"], case .interrupted = first["k2-seed1"] else {
            Issue.record("expected the first run finished and the second interrupted, got \(first)")
            return
        }

        // Again: the finished run is skipped, the interrupted one resumes, the rest run.
        var started: [String] = []
        let second = try LocalSweep.run(runs, in: folder, onRunStarted: { name, _ in started.append(name) })
        #expect(started == ["k2-seed1", "k3-seed0", "k3-seed1"])
        #expect(second.count == 4 && second.values.allSatisfy { if case .finished = $0 { true } else { false } })
        #expect(second["k2-seed0"] == first["k2-seed0"])

        // The resumed run equals one that was never interrupted.
        let straight = folder.appendingPathComponent("straight")
        _ = try Trainer.start(configuration: Self.configuration(components: 2, seed: 1), runDirectory: straight).run()
        #expect(try String(contentsOf: straight.appendingPathComponent("eval.csv"), encoding: .utf8)
                == String(contentsOf: folder.appendingPathComponent("runs/k2-seed1/eval.csv"), encoding: .utf8))

        // A run folder that holds another configuration is refused, by name.
        var changed = runs
        changed[0].1.seed = 99
        #expect { _ = try LocalSweep.run(changed, in: folder) } throws: { error in
            "\(error)".contains("k2-seed0") && "\(error)".contains("another configuration")
        }
        #expect(throws: TrainingError.self) { _ = try LocalSweep.run([("a/b", runs[0].1)], in: folder) }
        #expect(throws: TrainingError.self) { _ = try LocalSweep.run([runs[0], runs[0]], in: folder) }

        // `mixrl report` aggregates it: one summary per K over its two seeds.
        try FileManager.default.removeItem(at: straight)
        let report = SweepReport.make(folder: folder)
        #expect(report.aggregate.summaries.map(\.components).sorted() == [2, 3])
        #expect(report.aggregate.summaries.allSatisfy { $0.seeds == 2 })
    }
}
