import Foundation
import Testing
import MixAgents
import MixTensor

/// A SAC update in steady state allocates no tensor storage, and its actor step issues
/// no weight-gradient product for the frozen critics.
///
/// `AllocationCounter` and `GemmLog` are process-wide, and other suites run in parallel
/// in this process, so each check runs as an exit test: alone in a child process, where
/// the counts are exact. The child exits with the count it found (0 on success).
@Suite struct UpdateAllocationTests {
    @Test func gaussianRPUpdateAllocatesNothing() async {
        await #expect(processExitsWith: .success) {
            exit(Int32(min(steadyStateBuffersPerUpdates(components: 1), 100)))
        }
    }

    @Test func mixtureMRPUpdateAllocatesNothing() async {
        await #expect(processExitsWith: .success) {
            exit(Int32(min(steadyStateBuffersPerUpdates(components: 3), 100)))
        }
    }

    @Test func mixtureMRPWithTwoCriticThreadsAllocatesNothing() async {
        await #expect(processExitsWith: .success) {
            exit(Int32(min(steadyStateBuffersPerUpdates(components: 3, parallelism: .init(kind: .critics, threads: 2)), 100)))
        }
    }

    /// Critic step: weight gradients of both critics (3 each); actor step: the actor's
    /// 3 and none for the critics, which are bound frozen. So 9 `TN` products in all.
    @Test func actorStepComputesNoCriticWeightGradients() async {
        await #expect(processExitsWith: .success) {
            let agent = makeUpdateAgent(components: 3)
            let batch = randomUpdateBatch()
            for _ in 0..<2 { updateOrExit(agent, batch) }
            let gemms = GemmLog.recording { updateOrExit(agent, batch) }.gemms
            let weightGradients = gemms.filter { $0.transposeA && !$0.transposeB }.count
            exit(gemms.count == 45 && weightGradients == 9 ? 0 : 1)
        }
    }
}

let updateObservationSize = 5, updateActionSize = 2, updateBatchSize = 16

/// A small agent (16-state batches, 32x32 networks): RP for one component, MRP otherwise.
func makeUpdateAgent(components k: Int, parallelism: SACAgent.Parallelism = .serial) -> SACAgent {
    var c = TrainingConfiguration()
    c.policy = k == 1 ? .gaussian : .mixture
    c.components = k
    c.estimator = k == 1 ? .rp : .mrp
    c.batchSize = updateBatchSize
    c.hiddenSizes = [32, 32]
    do {
        let agent = try SACAgent(configuration: c, observationSize: updateObservationSize,
                                 actionLow: [-1, -2], actionHigh: [1, 2], rng: RandomStream(seed: 3))
        agent.parallelism = parallelism
        return agent
    } catch {
        fatalError("test configuration rejected: \(error)")
    }
}

func randomUpdateBatch() -> ReplayBatch {
    var rng = RandomStream(seed: 4)
    var b = ReplayBatch(batchSize: updateBatchSize, observationSize: updateObservationSize, actionSize: updateActionSize)
    refill(&b, using: &rng)
    return b
}

/// New random contents, written in place as a replay buffer's `sample(into:)` does (a
/// write into a tensor some tape still referenced would copy it: an allocation).
func refill(_ b: inout ReplayBatch, using rng: inout RandomStream) {
    b.observations.fillNormal(using: &rng)
    b.nextObservations.fillNormal(using: &rng)
    b.actions.fillUniform(lower: -1, upper: 1, using: &rng)
    b.rewards.fillNormal(using: &rng)
    b.terminated.withUnsafeMutablePointer { p in for i in 0..<updateBatchSize { p[i] = rng.uniform() < 0.2 ? 1 : 0 } }
}

/// One update; an update that throws ends the exit test's child with status 99, so a
/// failing update can never pass as "allocated nothing".
func updateOrExit(_ agent: SACAgent, _ batch: ReplayBatch) {
    do { try agent.update(batch: batch) } catch {
        FileHandle.standardError.write(Data("update failed: \(error)\n".utf8))
        exit(99)
    }
}

/// Tensor buffers allocated by 10 updates after 3 warm-up updates, the batch refilled
/// in place before each.
func steadyStateBuffersPerUpdates(components k: Int, parallelism: SACAgent.Parallelism = .serial) -> Int {
    let agent = makeUpdateAgent(components: k, parallelism: parallelism)
    var batch = randomUpdateBatch()
    var rng = RandomStream(seed: 5)
    for _ in 0..<3 { refill(&batch, using: &rng); updateOrExit(agent, batch) }
    let before = AllocationCounter.bufferCount
    for _ in 0..<10 { refill(&batch, using: &rng); updateOrExit(agent, batch) }
    return AllocationCounter.bufferCount - before
}
