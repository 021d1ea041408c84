/// A reduction along one axis.
@usableFromInline package enum ReductionOp: Sendable, Hashable {
    case sum, mean, max
    /// `log(sum(exp(x)))`, computed as `m + log(sum(exp(x - m)))` with `m` the maximum,
    /// so it neither overflows nor underflows to `-inf` for inputs of any size; a slice
    /// of all `-inf` gives `-inf`.
    case logSumExp
}

/// A normalization along one axis.
@usableFromInline package enum NormalizationOp: Sendable, Hashable {
    /// `exp(x - logsumexp(x))`.
    case softmax
    /// `x - logsumexp(x)`.
    case logSoftmax
}

extension Kernels {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func reduce<T: TensorScalar>(_ op: ReductionOp, _ x: UnsafePointer<T>, outer: Int, length: Int, inner: Int, _ y: UnsafeMutablePointer<T>) {
        if inner == 1 && (op == .sum || op == .mean) {
            // Row sums of a matrix (the common case: per-sample sums over a few action
            // dimensions), in the same order as the general loop, without its per-row setup.
            let s = 1 / T(length)
            for o in 0..<outer {
                let xo = x + o * length
                var total: T = 0
                for l in 0..<length { total += xo[l] }
                y[o] = op == .mean ? total * s : total
            }
            return
        }
        for o in 0..<outer {
            let xo = x + o * length * inner, yo = y + o * inner
            switch op {
            case .sum, .mean:
                for i in 0..<inner { yo[i] = 0 }
                for l in 0..<length { let row = xo + l * inner; for i in 0..<inner { yo[i] += row[i] } }
                // The mean of nothing is 0/0 = NaN, as for `Tensor.mean()`.
                if op == .mean { let s = 1 / T(length); for i in 0..<inner { yo[i] *= s } }
            case .max:
                for i in 0..<inner { yo[i] = -T.infinity }
                for l in 0..<length { let row = xo + l * inner; for i in 0..<inner { yo[i] = maxPropagatingNaN(yo[i], row[i]) } }
            case .logSumExp:
                for i in 0..<inner { yo[i] = logSumExp(xo + i, count: length, stride: inner) }
            }
        }
    }

    /// `max` that returns NaN when either argument is NaN. `Swift.max` keeps its first
    /// argument when the second is NaN, which would let a diverged value vanish from a
    /// maximum (and make the log-sum-exp of all-NaN inputs `-inf`).
    @inline(__always)
    static func maxPropagatingNaN<T: TensorScalar>(_ m: T, _ x: T) -> T {
        (x > m || x.isNaN) ? x : m
    }

    @inline(__always)
    static func logSumExp<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int, stride: Int) -> T {
        var m = -T.infinity
        for l in 0..<count { m = maxPropagatingNaN(m, x[l * stride]) }
        // -inf: every term is exp(-inf) = 0 and the log of 0 is -inf (not the NaN that
        // -inf - (-inf) would give). +inf and NaN pass through unchanged.
        if !m.isFinite { return m }
        var s: T = 0
        for l in 0..<count { s += T.exp(x[l * stride] - m) }
        return m + T.log(s)
    }

    /// Softmax as `exp(x - m) / s` and log-softmax as `(x - m) - log(s)`, with `m` the
    /// maximum and `s = sum(exp(x - m))`. Subtracting `m` first keeps the result exact
    /// where it matters: forming `logsumexp = m + log(s)` and then `x - logsumexp` would
    /// round `log(s)` to the spacing of `m` (6e-5 in `Float` at |m| = 1000, so the
    /// log-probabilities of logits near -1000 would be off by that much).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func normalize<T: TensorScalar>(_ op: NormalizationOp, _ x: UnsafePointer<T>, outer: Int, length: Int, inner: Int, _ y: UnsafeMutablePointer<T>) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var m = -T.infinity
                for l in 0..<length { m = maxPropagatingNaN(m, x[base + l * inner]) }
                var s: T = 0
                switch op {
                case .softmax:
                    for l in 0..<length { let e = T.exp(x[base + l * inner] - m); y[base + l * inner] = e; s += e }
                    for l in 0..<length { y[base + l * inner] /= s }
                case .logSoftmax:
                    for l in 0..<length { s += T.exp(x[base + l * inner] - m) }
                    let logS = T.log(s)
                    for l in 0..<length { y[base + l * inner] = (x[base + l * inner] - m) - logS }
                }
            }
        }
    }
}

extension Tensor {
    /// Reduces along `axis`, keeping it with size 1 (so the result broadcasts back).
    package static func reduce(_ op: ReductionOp, _ x: Tensor, axis: Int, into y: inout Tensor) {
        let (outer, length, inner) = x.shape.split(at: axis)
        y.prepare(shape: x.shape.replacing(axis: axis, with: 1))
        x.withElements { px in y.withElements { py in
            Kernels.reduce(op, px, outer: outer, length: length, inner: inner, py)
        } }
    }

    /// Normalizes along `axis` (softmax or log-softmax); the result has `x`'s shape.
    package static func normalize(_ op: NormalizationOp, _ x: Tensor, axis: Int, into y: inout Tensor) {
        let (outer, length, inner) = x.shape.split(at: axis)
        y.prepare(shape: x.shape)
        x.withElements { px in y.withElements { py in
            Kernels.normalize(op, px, outer: outer, length: length, inner: inner, py)
        } }
    }

    func reduced(_ op: ReductionOp, axis: Int) -> Tensor {
        var y = Tensor(uninitializedShape: Shape())
        Tensor.reduce(op, self, axis: axis, into: &y)
        return y
    }

    func normalized(_ op: NormalizationOp, axis: Int) -> Tensor {
        var y = Tensor(uninitializedShape: Shape())
        Tensor.normalize(op, self, axis: axis, into: &y)
        return y
    }

    /// Sum along `axis` (kept with size 1).
    public func sum(axis: Int) -> Tensor { reduced(.sum, axis: axis) }
    /// Mean along `axis` (kept with size 1).
    public func mean(axis: Int) -> Tensor { reduced(.mean, axis: axis) }
    /// Maximum along `axis` (kept with size 1).
    public func max(axis: Int) -> Tensor { reduced(.max, axis: axis) }
    /// Stable log-sum-exp along `axis` (kept with size 1).
    public func logSumExp(axis: Int) -> Tensor { reduced(.logSumExp, axis: axis) }
    /// Softmax along `axis`.
    public func softmax(axis: Int) -> Tensor { normalized(.softmax, axis: axis) }
    /// Log-softmax along `axis`.
    public func logSoftmax(axis: Int) -> Tensor { normalized(.logSoftmax, axis: axis) }

    /// The sum of all elements.
    public func sum() -> Scalar { withUnsafePointer { p in var s: Scalar = 0; for i in 0..<count { s += p[i] }; return s } }
    /// The mean of all elements.
    public func mean() -> Scalar { count == 0 ? .nan : sum() / Scalar(count) }
}
