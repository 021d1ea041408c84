import MixTensor

/// Running mean and variance of vectors, per dimension, as Gymnasium's
/// `RunningMeanStd` computes them: batches are merged with Chan et al.'s parallel
/// formula, which stays accurate over millions of updates where summing squares would
/// cancel catastrophically. Starts at mean 0, variance 1 and a pseudo-count of 1e-4.
/// `Codable`, so a checkpoint can save and restore it.
public struct RunningMeanStd: Sendable, Equatable, Codable {
    /// Per-dimension mean.
    public private(set) var mean: [Double]
    /// Per-dimension (population) variance.
    public private(set) var variance: [Double]
    /// Number of vectors seen (plus the initial pseudo-count).
    public private(set) var count: Double

    /// A fresh estimate for vectors of `dimension` values.
    public init(dimension: Int) {
        mean = Array(repeating: 0, count: dimension)
        variance = Array(repeating: 1, count: dimension)
        count = 1e-4
    }

    /// Merges one vector into the estimate. Cost: O(dimension), no allocation.
    public mutating func update(_ x: [Double]) {
        require(x.count == mean.count, "RunningMeanStd: vector of \(x.count), expected \(mean.count)")
        let total = count + 1
        for i in mean.indices {
            let delta = x[i] - mean[i]
            mean[i] += delta / total
            // Chan et al. with a batch of one (batch variance 0).
            variance[i] = (variance[i] * count + delta * delta * count / total) / total
        }
        count = total
    }

    /// `(x - mean) / sqrt(variance + epsilon)`, each element clamped to `[-clip, clip]`.
    public func normalize(_ x: [Double], epsilon: Double = 1e-8, clip: Double = .infinity) -> [Double] {
        var y = x
        for i in y.indices where i < mean.count {
            let z = (x[i] - mean[i]) / (variance[i] + epsilon).squareRoot()
            y[i] = min(max(z, -clip), clip)
        }
        return y
    }
}

/// Normalizes observations with a running mean and variance (Gymnasium's
/// `NormalizeObservation`). Every observation first updates the statistics (unless
/// ``isUpdating`` is false, e.g. during evaluation), then is normalized with them.
/// Save ``statistics`` with a checkpoint and assign it back to resume.
public struct NormalizeObservation<Base: Environment>: Environment {
    /// The wrapped environment.
    public var base: Base
    /// The running statistics (savable state).
    public var statistics: RunningMeanStd
    /// Whether new observations update the statistics.
    public var isUpdating = true
    /// Normalized values are clamped to `[-clip, clip]` (infinite: no clamping).
    public var clip: Double

    /// Wraps `base`, starting from `statistics` if given.
    public init(_ base: Base, statistics: RunningMeanStd? = nil, clip: Double = .infinity) {
        self.base = base
        self.statistics = statistics ?? RunningMeanStd(dimension: base.observationSpace.dimension)
        self.clip = clip
    }

    /// The wrapped environment's identifier.
    public var id: String { base.id }
    /// The wrapped environment's action space.
    public var actionSpace: BoxSpace { base.actionSpace }
    /// The wrapped environment's limit.
    public var maxEpisodeSteps: Int? { base.maxEpisodeSteps }
    /// The wrapped environment's modes.
    public var declaredActionModes: [ActionMode] { base.declaredActionModes }
    /// Unbounded (or ±``clip``): normalized values have no fixed range.
    public var observationSpace: BoxSpace {
        BoxSpace(dimension: base.observationSpace.dimension, low: -clip, high: clip)
    }

    private mutating func process(_ observation: [Double]) -> [Double] {
        if isUpdating { statistics.update(observation) }
        return statistics.normalize(observation, clip: clip)
    }

    /// Resets the wrapped environment and returns the normalized first observation
    /// (updating ``statistics`` first when ``isUpdating``).
    public mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] {
        process(try base.reset(seed: seed))
    }

    /// Steps the wrapped environment and normalizes the observation (updating
    /// ``statistics`` first when ``isUpdating``).
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        var result = try base.step(action)
        result.observation = process(result.observation)
        return result
    }
}
