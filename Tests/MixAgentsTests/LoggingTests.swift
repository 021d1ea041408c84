import Foundation
import Testing
import MixTestSupport
import MixAgents
import MixTensor
import MixTensorTestSupport

/// A fresh temporary directory; the caller removes it.
func temporaryDirectory() throws -> URL { try TestEnvironment.temporaryDirectory() }

@Suite struct LoggingTests {
    @Test(.needsVenv) func tensorBoardEventsReadBackWithTensorBoard() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let sink = try TensorBoardMetricsSink(directory: dir)
            try sink.record([
                MetricEvent(step: 10, wallSeconds: 1, kind: "train", name: "critic_loss", value: 0.5),
                MetricEvent(step: 20, wallSeconds: 2, kind: "train", name: "critic_loss", value: 0.25),
                MetricEvent(step: 20, wallSeconds: 2, kind: "eval", name: "return_mean", value: -150.75),
            ])
            try sink.flush()
        }
        // A second sink continues the same file (as a resumed run does).
        do {
            let sink = try TensorBoardMetricsSink(directory: dir)
            try sink.record([MetricEvent(step: 30, wallSeconds: 3, kind: "train", name: "critic_loss", value: 0.125)])
            try sink.flush()
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count == 1)
        let script = """
        import sys
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        acc = EventAccumulator(sys.argv[1]); acc.Reload()
        for tag in sorted(acc.Tags()['scalars']):
            for e in acc.Scalars(tag):
                print(tag, e.step, e.value)
        """
        let out = try TestEnvironment.runPython(script, arguments: [dir.path])
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines == [
            "eval/return_mean 20 -150.75",
            "train/critic_loss 10 0.5",
            "train/critic_loss 20 0.25",
            "train/critic_loss 30 0.125",
        ])
    }

    @Test func csvAndJSONLinesAppendAcrossSinks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("metrics.csv"), jsonl = dir.appendingPathComponent("metrics.jsonl")
        for step in [1, 2] {
            let a = try CSVMetricsSink(url: csv), b = try JSONLinesMetricsSink(url: jsonl)
            let e = [MetricEvent(step: step, wallSeconds: 0.5, kind: "episode", name: "return", value: Double(step) * 1.5)]
            try a.record(e); try b.record(e); try a.flush(); try b.flush()
        }
        let text = try String(contentsOf: csv, encoding: .utf8)
        #expect(text == "step,wall_seconds,kind,name,value\n1,0.500,episode,return,1.5\n2,0.500,episode,return,3.0\n")
        let lines = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let decoded = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        #expect(decoded?["value"] as? Double == 3.0)
        #expect(decoded?["name"] as? String == "return")
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("status.json")
        try AtomicFile.write("{\"state\":\"running\"}", to: url)
        try AtomicFile.write("{\"state\":\"finished\"}", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"state\":\"finished\"}")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["status.json"])
        #expect(throws: AtomicFile.WriteError.self) {
            try AtomicFile.write("x", to: dir.appendingPathComponent("no/such/folder/file"))
        }
    }
}

@Suite struct ReplayBufferTests {
    func transition(_ i: Int) -> Transition {
        Transition(observation: [Double(i), -Double(i)], action: [Double(i) / 10], reward: Double(i),
                   nextObservation: [Double(i + 1), -Double(i + 1)], terminated: i % 3 == 0, truncated: i % 5 == 0)
    }

    @Test func wrongSizesAreTypedErrorsNotTraps() throws {
        #expect(throws: TrainingError.self) { _ = try ReplayBuffer(capacity: 0, observationSize: 2, actionSize: 1) }
        var buffer = try ReplayBuffer(capacity: 4, observationSize: 2, actionSize: 1)
        var batch = ReplayBatch(batchSize: 3, observationSize: 2, actionSize: 1)
        var rng = RandomStream(seed: 1)
        #expect(throws: TrainingError.self) { try buffer.sample(into: &batch, using: &rng) }  // empty
        #expect { try buffer.add(Transition(observation: [1, 2, 3], action: [0], reward: 0, nextObservation: [1, 2, 3],
                                            terminated: false, truncated: false)) } throws: { error in
            guard case TrainingError.observationSize(expected: 2, got: 3, environment: nil) = error else { return false }
            return true
        }
        #expect(buffer.count == 0)
        try buffer.add(transition(1))
        var wide = ReplayBatch(batchSize: 3, observationSize: 5, actionSize: 1)
        #expect(throws: TrainingError.self) { try buffer.sample(into: &wide, using: &rng) }
        try buffer.sample(into: &batch, using: &rng)
        #expect(batch.rewards[0, 0] == 1)
    }

    @Test func ringOverwritesOldestAndSamplesConsistentRows() throws {
        var buffer = try ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1)
        for i in 0..<13 { try buffer.add(transition(i)) }
        #expect(buffer.count == 8)
        #expect(buffer.nextIndex == 5)
        var batch = ReplayBatch(batchSize: 64, observationSize: 2, actionSize: 1)
        var rng = RandomStream(seed: 3)
        try buffer.sample(into: &batch, using: &rng)
        var seen = Set<Int>()
        for r in 0..<64 {
            let i = Int(batch.rewards[r, 0])
            seen.insert(i)
            #expect(i >= 5 && i <= 12, "only the 8 newest transitions remain")
            #expect(batch.observations[r, 0] == Float(i) && batch.observations[r, 1] == -Float(i))
            #expect(batch.nextObservations[r, 0] == Float(i + 1))
            #expect(batch.actions[r, 0] == Float(i) / 10)
            #expect(batch.terminated[r, 0] == (i % 3 == 0 ? 1 : 0))
        }
        #expect(seen.count == 8, "64 uniform draws from 8 rows hit every row (probability > 0.9997)")
    }

    /// Sampling writes into the batch's own storage: one quiet sample in 50 is the count's
    /// evidence (see `someRunAllocatesNoTensorStorage`), the batch's buffer addresses the
    /// hard check.
    @Test func samplingAllocatesNoTensorStorage() throws {
        var buffer = try ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1)
        for i in 0..<13 { try buffer.add(transition(i)) }
        var batch = ReplayBatch(batchSize: 64, observationSize: 2, actionSize: 1)
        var rng = RandomStream(seed: 3)
        func addresses(_ b: ReplayBatch) -> [UInt] {
            [b.observations, b.actions, b.rewards, b.nextObservations, b.terminated]
                .map { t in t.withUnsafePointer { UInt(bitPattern: $0) } }
        }
        let before = addresses(batch)
        let quiet = try someRunAllocatesNoTensorStorage { try buffer.sample(into: &batch, using: &rng) }
        #expect(quiet, "no sample ran without tensor allocations in 50 tries")
        #expect(addresses(batch) == before)
    }
}
