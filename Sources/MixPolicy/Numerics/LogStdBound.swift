import MixTensor

/// The smooth bound on a policy's log-standard-deviations: a raw head output `x` maps to
/// `lower + (upper - lower) (tanh(x) + 1) / 2`, as in common SAC implementations.
///
/// Unlike a clamp, the map has a non-zero derivative everywhere, so a log-std that runs
/// into a bound is still pulled back by its gradient; and it keeps every standard
/// deviation in `[exp(lower), exp(upper)]`, which is what makes the Gaussian
/// log-densities finite (`1 / sigma^2 <= exp(-2 lower)`).
public struct LogStdBound: Sendable, Equatable, Hashable {
    /// The smallest log-std (default -5, SAC's).
    public var lower: Double
    /// The largest log-std (default 2, SAC's).
    public var upper: Double

    /// A bound `[lower, upper]` (finite, `lower < upper`).
    ///
    /// - Throws: ``DistributionError/invalidValue(operation:message:)`` otherwise.
    public init(lower: Double = -5, upper: Double = 2) throws(DistributionError) {
        guard lower.isFinite && upper.isFinite && lower < upper else {
            throw .invalidValue(operation: "LogStdBound", message: "needs finite bounds with lower < upper, got [\(lower), \(upper)]")
        }
        self.init(uncheckedLower: lower, upper: upper)
    }

    /// A bound the caller has checked.
    package init(uncheckedLower lower: Double, upper: Double) {
        require(lower < upper, "MixPolicy: LogStdBound needs lower < upper, got [\(lower), \(upper)]")
        self.lower = lower
        self.upper = upper
    }

    /// SAC's `[-5, 2]`.
    public static let sac = LogStdBound(uncheckedLower: -5, upper: 2)

    /// The bounded log-std of raw head outputs `x` (one fused affine of `tanh`).
    public func apply<Scalar>(_ x: Variable, on tape: Tape<Scalar>) -> Variable {
        let half = (upper - lower) / 2
        return tape.affine(tape.tanh(x), scale: Scalar(half), shift: Scalar(lower + half))
    }
}
