import MixTensor

/// A box in R^n: per-dimension lower and upper bounds, possibly infinite (Gymnasium's
/// `Box`, flattened).
public struct BoxSpace: Sendable, Equatable, Codable {
    /// Lower bounds, one per dimension (may be `-infinity`).
    public let low: [Double]
    /// Upper bounds, one per dimension (may be `+infinity`).
    public let high: [Double]

    /// Creates a box from its bounds. `low` and `high` must have equal lengths and
    /// `low[i] <= high[i]`; use ``validated(low:high:environment:)`` for untrusted input.
    public init(low: [Double], high: [Double]) {
        require(low.count == high.count, "BoxSpace: low has \(low.count) bounds, high \(high.count)")
        self.low = low
        self.high = high
    }

    /// A box of `dimension` identical intervals `[low, high]`.
    public init(dimension: Int, low: Double, high: Double) {
        self.init(low: Array(repeating: low, count: dimension), high: Array(repeating: high, count: dimension))
    }

    /// Checks bounds that come from outside (a Python worker, a file) and makes a box.
    public static func validated(low: [Double], high: [Double], environment: String) throws(EnvironmentError) -> BoxSpace {
        guard low.count == high.count else {
            throw .invalidSpace(environment: environment, message: "\(low.count) lower but \(high.count) upper bounds")
        }
        for i in low.indices where !(low[i] <= high[i]) {
            throw .invalidSpace(environment: environment, message: "dimension \(i): low \(low[i]) > high \(high[i])")
        }
        return BoxSpace(low: low, high: high)
    }

    /// Number of dimensions.
    public var dimension: Int { low.count }

    /// Whether every bound is finite (required to rescale actions or sample uniformly).
    public var isBounded: Bool { low.allSatisfy(\.isFinite) && high.allSatisfy(\.isFinite) }

    /// Whether `x` lies inside the box (bounds included).
    public func contains(_ x: [Double]) -> Bool {
        x.count == dimension && x.indices.allSatisfy { low[$0] <= x[$0] && x[$0] <= high[$0] }
    }

    /// `x` clamped into the box, dimension by dimension.
    public func clamp(_ x: [Double]) -> [Double] {
        var y = x
        for i in y.indices where i < dimension { y[i] = Swift.min(Swift.max(y[i], low[i]), high[i]) }
        return y
    }
}
