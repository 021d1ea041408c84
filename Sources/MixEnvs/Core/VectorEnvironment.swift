/// Several copies of one environment stepped together: one action per copy in, one
/// ``StepResult`` per copy out.
///
/// Copies are not reset automatically. A copy whose last result had ``StepResult/isLast``
/// must be reset with ``reset(copy:seed:)`` before the next ``step(_:)`` (the step result
/// keeps the episode's final observation, which a replay buffer needs for bootstrapping).
/// ``BridgeVectorEnvironment`` hosts all copies in one Python worker, so a vector step
/// is one round trip whatever the number of copies.
package protocol VectorEnvironment {
    /// The identifier the copies were made from.
    var id: String { get }
    /// Number of copies.
    var copyCount: Int { get }
    /// The observation space of every copy.
    var observationSpace: BoxSpace { get }
    /// The action space of every copy.
    var actionSpace: BoxSpace { get }
    /// The episode limit each copy applies itself, if any.
    var maxEpisodeSteps: Int? { get }
    /// Resets the copies at `copies` (with `seeds[k]` for `copies[k]`) and returns their
    /// first observations in the same order.
    mutating func reset(copies: [Int], seeds: [UInt64?]) throws(EnvironmentError) -> [[Double]]
    /// Steps every copy with its action (`actions.count == copyCount`).
    mutating func step(_ actions: [[Double]]) throws(EnvironmentError) -> [StepResult]
}

extension VectorEnvironment {
    /// Resets one copy.
    package mutating func reset(copy: Int, seed: UInt64?) throws(EnvironmentError) -> [Double] {
        let observations = try reset(copies: [copy], seeds: [seed])
        return observations[0]
    }

    /// Resets every copy; copy `i` gets `seed + i` (or no seed).
    package mutating func resetAll(seed: UInt64?) throws(EnvironmentError) -> [[Double]] {
        try reset(copies: Array(0..<copyCount), seeds: (0..<copyCount).map { i in seed.map { $0 &+ UInt64(i) } })
    }

    func checkReset(copies: [Int], seeds: [UInt64?]) throws(EnvironmentError) {
        guard copies.count == seeds.count else {
            throw .invalidArgument(environment: id, message: "reset of \(copies.count) copies with \(seeds.count) seeds")
        }
        for c in copies where !(0..<copyCount).contains(c) {
            throw .invalidArgument(environment: id, message: "copy \(c) does not exist (\(copyCount) copies)")
        }
    }

    func checkActions(_ actions: [[Double]]) throws(EnvironmentError) {
        guard actions.count == copyCount else {
            throw .invalidArgument(environment: id, message: "\(actions.count) actions for \(copyCount) copies")
        }
        for a in actions where a.count != actionSpace.dimension {
            throw .invalidAction(environment: id, expected: actionSpace.dimension, got: a.count)
        }
    }
}

/// Copies of any ``Environment`` stepped one after the other in this thread; the
/// vector form of native environments (whose steps cost well under a microsecond, so
/// threads would only add overhead).
package struct SerialVectorEnvironment: VectorEnvironment {
    /// The copies, in order.
    package private(set) var copies: [any Environment]

    /// Wraps existing copies (all with equal spaces).
    package init(copies: [any Environment]) throws(EnvironmentError) {
        guard let first = copies.first else {
            throw .invalidArgument(environment: "SerialVectorEnvironment", message: "needs at least one copy")
        }
        for c in copies where c.observationSpace != first.observationSpace || c.actionSpace != first.actionSpace {
            throw .invalidArgument(environment: first.id, message: "copies have different spaces (\(c.id))")
        }
        self.copies = copies
    }

    package var id: String { copies[0].id }
    package var copyCount: Int { copies.count }
    package var observationSpace: BoxSpace { copies[0].observationSpace }
    package var actionSpace: BoxSpace { copies[0].actionSpace }
    package var maxEpisodeSteps: Int? { copies[0].maxEpisodeSteps }

    package mutating func reset(copies indices: [Int], seeds: [UInt64?]) throws(EnvironmentError) -> [[Double]] {
        try checkReset(copies: indices, seeds: seeds)
        var observations: [[Double]] = []
        observations.reserveCapacity(indices.count)
        for (k, i) in indices.enumerated() { observations.append(try copies[i].reset(seed: seeds[k])) }
        return observations
    }

    package mutating func step(_ actions: [[Double]]) throws(EnvironmentError) -> [StepResult] {
        try checkActions(actions)
        var results: [StepResult] = []
        results.reserveCapacity(copies.count)
        for i in copies.indices { results.append(try copies[i].step(actions[i])) }
        return results
    }
}
