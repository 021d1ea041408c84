import Foundation
import MixAgents
import MixTensor
import Testing

/// Two threads give the bits of one: the twin critics side by side, and the large
/// products outside the critics' lanes split by rows with the critic thread.
@Suite struct ParallelismTests {
    /// An agent big enough that its actor products pass the splitting threshold.
    static func agent(components k: Int, parallelism: SACAgent.Parallelism) throws -> SACAgent {
        var c = TrainingConfiguration()
        c.policy = k == 1 ? .gaussian : .mixture
        c.components = k
        c.estimator = k == 1 ? .rp : .mrp
        c.batchSize = 128
        c.hiddenSizes = [128, 128]
        let agent = try SACAgent(configuration: c, observationSize: 17, actionLow: Array(repeating: -1, count: 6),
                                 actionHigh: Array(repeating: 1, count: 6), rng: RandomStream(seed: 11))
        agent.parallelism = parallelism
        return agent
    }

    static func parameterBits(_ agent: SACAgent) -> [UInt32] {
        (agent.actor.parameters.elements + agent.critics.flatMap(\.parameters.elements)
            + agent.targetCritics.flatMap(\.parameters.elements) + [agent.logAlpha])
            .flatMap { $0.value.scalars.map(\.bitPattern) }
    }

    @Test(arguments: [1, 3])
    func twoThreadsGiveTheBitsOfOne(components k: Int) throws {
        let serial = try Self.agent(components: k, parallelism: .serial)
        let parallel = try Self.agent(components: k, parallelism: .init(kind: .critics, threads: 2))
        var batch = ReplayBatch(batchSize: 128, observationSize: 17, actionSize: 6)
        var rng = RandomStream(seed: 12)
        let splitsBefore = GemmSplit.splitCount.load(ordering: .relaxed)
        for _ in 0..<4 {
            batch.observations.fillNormal(using: &rng)
            batch.nextObservations.fillNormal(using: &rng)
            batch.actions.fillUniform(lower: -1, upper: 1, using: &rng)
            batch.rewards.fillNormal(using: &rng)
            try serial.update(batch: batch)
            try parallel.update(batch: batch)
        }
        #expect(Self.parameterBits(serial) == Self.parameterBits(parallel))
        if GemmBackend.selection != .openblas && GemmBackend.isBLISAvailable {
            // Other tests may split too; this one must have added splits of its own.
            #expect(GemmSplit.splitCount.load(ordering: .relaxed) > splitsBefore)
        }
    }

    /// The critic thread starts and stops when the parallelism changes between updates
    /// (each change joins or creates the thread), and results stay those of one thread.
    @Test func switchingParallelismBetweenUpdatesKeepsTheBits() throws {
        let serial = try Self.agent(components: 3, parallelism: .serial)
        let switching = try Self.agent(components: 3, parallelism: .serial)
        var batch = ReplayBatch(batchSize: 128, observationSize: 17, actionSize: 6)
        var rng = RandomStream(seed: 13)
        // Only `critics` promises the bits of one thread (OpenBLAS's own threads may split
        // sums differently), so the switches are between it and one thread.
        let settings: [SACAgent.Parallelism] = [.init(kind: .critics, threads: 2), .serial, .serial,
                                                 .init(kind: .critics, threads: 2), .init(kind: .critics, threads: 2), .serial]
        for parallelism in settings {
            switching.parallelism = parallelism
            batch.observations.fillNormal(using: &rng)
            batch.nextObservations.fillNormal(using: &rng)
            batch.actions.fillUniform(lower: -1, upper: 1, using: &rng)
            batch.rewards.fillNormal(using: &rng)
            try serial.update(batch: batch)
            try switching.update(batch: batch)
        }
        #expect(Self.parameterBits(serial) == Self.parameterBits(switching))
    }
}
