/// Presents a bounded action space as [-1, 1]^d: action `x` becomes
/// `low + (x + 1) / 2 * (high - low)` for the wrapped environment. Inputs are clamped
/// to [-1, 1] first, so a tanh output that rounds to 1.0000001 stays legal.
public struct RescaleAction<Base: Environment>: Environment {
    /// The wrapped environment.
    public var base: Base
    private let low: [Double]
    private let halfRange: [Double]

    /// Wraps `base`; throws if its action space has an infinite bound.
    public init(_ base: Base) throws(EnvironmentError) {
        let space = base.actionSpace
        guard space.isBounded else {
            throw .invalidSpace(environment: base.id, message: "cannot rescale actions of an unbounded action space")
        }
        self.base = base
        self.low = space.low
        self.halfRange = zip(space.low, space.high).map { ($1 - $0) / 2 }
    }

    /// The wrapped environment's identifier.
    public var id: String { base.id }
    /// The wrapped environment's observation space.
    public var observationSpace: BoxSpace { base.observationSpace }
    /// [-1, 1] in every dimension of the wrapped action space.
    public var actionSpace: BoxSpace { BoxSpace(dimension: base.actionSpace.dimension, low: -1, high: 1) }
    /// The wrapped environment's limit.
    public var maxEpisodeSteps: Int? { base.maxEpisodeSteps }
    /// The wrapped environment's modes, mapped into [-1, 1]^d (the inverse of ``baseAction(_:)``).
    public var declaredActionModes: [ActionMode] {
        base.declaredActionModes.map { mode in
            ActionMode(center: mode.center.enumerated().map { i, c in i < low.count ? (c - low[i]) / halfRange[i] - 1 : c },
                       halfWidth: mode.halfWidth.enumerated().map { i, w in i < halfRange.count ? w / halfRange[i] : w })
        }
    }

    /// The wrapped environment's action for a rescaled action `x` in [-1, 1]^d.
    public func baseAction(_ x: [Double]) -> [Double] {
        var a = x
        for i in a.indices where i < low.count {
            a[i] = low[i] + (min(max(x[i], -1), 1) + 1) * halfRange[i]
        }
        return a
    }

    /// Resets the wrapped environment.
    public mutating func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] {
        try base.reset(seed: seed)
    }

    /// Steps the wrapped environment with ``baseAction(_:)`` of `action`; throws for an
    /// action of the wrong length.
    public mutating func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try checkAction(action)
        return try base.step(baseAction(action))
    }
}
