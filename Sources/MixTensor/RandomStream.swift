/// A seeded pseudo-random generator whose streams are reproducible across runs and
/// machines: xoshiro256** (Blackman and Vigna) seeded through SplitMix64.
///
/// Only integer arithmetic produces the raw bits. Uniforms are exact dyadic fractions;
/// normals use the Marsaglia polar method, which needs only `log` and a square root
/// (no trigonometry, whose last bit varies more between math libraries). The whole
/// state, including a cached second normal, is `Codable`, so a checkpoint restores the
/// stream exactly.
public struct RandomStream: RandomNumberGenerator, Codable, Hashable, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second normal of the last polar-method pair, if not yet used.
    @usableFromInline var spareNormal: Double?

    /// Creates a stream from a seed. Equal seeds give equal streams on every machine.
    public init(seed: UInt64) {
        var sm = seed
        s0 = RandomStream.splitMix(&sm); s1 = RandomStream.splitMix(&sm)
        s2 = RandomStream.splitMix(&sm); s3 = RandomStream.splitMix(&sm)
        spareNormal = nil
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// An independent stream derived from this one's current state and `index`
    /// (one per environment, one per network, ...). This stream is not advanced, so
    /// the same index always gives the same child.
    public func split(_ index: UInt64) -> RandomStream {
        var h = s0 ^ (s1 &* 0x9E37_79B9_7F4A_7C15) ^ (s2 &* 0xC2B2_AE3D_27D4_EB4F) ^ (s3 &* 0x1656_67B1_9E37_79F9)
        h ^= RandomStream.splitMix(&h) ^ index &* 0xD6E8_FEB8_6659_FD93
        var sm = h
        return RandomStream(seed: RandomStream.splitMix(&sm) ^ index)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform value in [lower, upper).
    ///
    /// The unit uniform is drawn with exactly as many random bits as `T` has
    /// significand bits (24 for `Float`, 53 for `Double`), so it is an exact multiple of
    /// `2^-p` below 1. Rounding a 53-bit `Double` uniform to `Float` instead would return
    /// exactly 1 about once in 2^25 draws, and `log(1 - u)` would become `-inf`. The
    /// affine map to [lower, upper) can still round up to `upper` for some bounds; such
    /// a draw is replaced by the largest value below `upper`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func uniform<T: TensorScalar>(_ lower: T, _ upper: T) -> T {
        let bits = T.significandBitCount + 1
        let unit = T(next() >> UInt64(64 - bits)) * T(sign: .plus, exponent: T.Exponent(-bits), significand: 1)
        let x = lower + (upper - lower) * unit
        return x < upper ? x : Swift.max(lower, upper.nextDown)
    }

    /// A standard normal `Double` (Marsaglia polar method).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * Double.log(s) / s).squareRoot()
                spareNormal = v * f
                return u * f
            }
        }
    }

    /// An index drawn with probabilities proportional to `weights` (non-negative, not all
    /// zero, finite). Zero weights are never drawn. Costs one uniform and O(count).
    ///
    /// Invalid weights (negative, NaN, infinite or all zero) stop the program: a NaN
    /// weight from a diverged network must not turn into a silently chosen last index.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func categorical<T: TensorScalar>(_ weights: UnsafeBufferPointer<T>) -> Int {
        var total: Double = 0
        var valid = true
        for w in weights { total += Double(w); valid = valid && w >= 0 }
        require(valid && total > 0 && total.isFinite,
                "MixTensor: categorical weights must be non-negative, finite and not all zero, got \(Array(weights.prefix(16)))")
        let target = uniform() * total
        var running: Double = 0
        for (i, w) in weights.enumerated() {
            running += Double(w)
            if target < running { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? (weights.count - 1)
    }

    /// An index drawn with probabilities proportional to `weights`.
    public mutating func categorical<T: TensorScalar>(_ weights: [T]) -> Int {
        weights.withUnsafeBufferPointer { categorical($0) }
    }
}

extension Tensor {
    /// A tensor of independent standard normals (times `standardDeviation`, plus `mean`).
    public static func randomNormal(_ shape: Shape, mean: Scalar = 0, standardDeviation: Scalar = 1,
                                    using rng: inout RandomStream) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.fillNormal(mean: mean, standardDeviation: standardDeviation, using: &rng)
        return t
    }

    /// A tensor of independent uniforms in [lower, upper).
    public static func randomUniform(_ shape: Shape, lower: Scalar = 0, upper: Scalar = 1,
                                     using rng: inout RandomStream) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.fillUniform(lower: lower, upper: upper, using: &rng)
        return t
    }

    /// Overwrites every element with an independent normal draw (no allocation).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func fillNormal(mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout RandomStream) {
        let n = count
        withUnsafeMutablePointer { p in for i in 0..<n { p[i] = mean + standardDeviation * Scalar(rng.normal()) } }
    }

    /// Overwrites every element with an independent uniform draw in [lower, upper) (no allocation).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func fillUniform(lower: Scalar = 0, upper: Scalar = 1, using rng: inout RandomStream) {
        let n = count
        withUnsafeMutablePointer { p in for i in 0..<n { p[i] = rng.uniform(lower, upper) } }
    }
}
