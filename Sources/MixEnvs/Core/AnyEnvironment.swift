/// An ``Environment`` of any type, so that the generic wrappers can wrap what
/// ``makeEnvironment(id:options:)`` returns: `EpisodeStatistics(try makeEnvironment(id: "Pendulum-v1"))`.
package struct AnyEnvironment: Environment {
    /// The wrapped environment.
    package var base: any Environment

    /// Wraps `base`.
    package init(_ base: any Environment) { self.base = base }

    package var id: String { base.id }
    package var observationSpace: BoxSpace { base.observationSpace }
    package var actionSpace: BoxSpace { base.actionSpace }
    package var maxEpisodeSteps: Int? { base.maxEpisodeSteps }
    package var declaredActionModes: [ActionMode] { base.declaredActionModes }
    package mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] { try base.reset(seed: seed) }
    package mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult { try base.step(action) }
}

/// A ``VectorEnvironment`` of any type (see ``AnyEnvironment``).
package struct AnyVectorEnvironment: VectorEnvironment {
    /// The wrapped vector environment.
    package var base: any VectorEnvironment

    /// Wraps `base`.
    package init(_ base: any VectorEnvironment) { self.base = base }

    package var id: String { base.id }
    package var copyCount: Int { base.copyCount }
    package var observationSpace: BoxSpace { base.observationSpace }
    package var actionSpace: BoxSpace { base.actionSpace }
    package var maxEpisodeSteps: Int? { base.maxEpisodeSteps }
    package mutating func reset(copies: [Int], seeds: [UInt64?]) throws(EnvironmentError) -> [[Double]] {
        try base.reset(copies: copies, seeds: seeds)
    }
    package mutating func step(_ actions: [[Double]]) throws(EnvironmentError) -> [StepResult] { try base.step(actions) }
}

extension TimeLimit where Base == AnyEnvironment {
    /// Wraps an environment of any type.
    package init(_ base: any Environment, maxEpisodeSteps: Int) { self.init(AnyEnvironment(base), maxEpisodeSteps: maxEpisodeSteps) }
}

extension RescaleAction where Base == AnyEnvironment {
    /// Wraps an environment of any type.
    package init(_ base: any Environment) throws(EnvironmentError) { try self.init(AnyEnvironment(base)) }
}

extension NormalizeObservation where Base == AnyEnvironment {
    /// Wraps an environment of any type.
    package init(_ base: any Environment, statistics: RunningMeanStd? = nil, clip: Double = .infinity) {
        self.init(AnyEnvironment(base), statistics: statistics, clip: clip)
    }
}

extension EpisodeStatistics where Base == AnyEnvironment {
    /// Wraps an environment of any type.
    package init(_ base: any Environment, historyLength: Int = 100) { self.init(AnyEnvironment(base), historyLength: historyLength) }
}

extension VectorEpisodeStatistics where Base == AnyVectorEnvironment {
    /// Wraps a vector environment of any type.
    package init(_ base: any VectorEnvironment) { self.init(AnyVectorEnvironment(base)) }
}
