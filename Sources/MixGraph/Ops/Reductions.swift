/// Reductions on the tape: along one axis (`sum`, `mean`, `logSumExp`, the axis kept with
/// size 1) and over all elements (`sum(x)`, `mean(x)`, rank 0), forward and backward,
/// with the backward kernels only the tape uses.
extension Tape {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func reduce(_ op: ReductionOp, _ x: Variable, axis: Int) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        graphRequire(axis >= 0 && axis < xv.rank, "axis \(axis) out of range for shape \(xv.shape)")
        let i = push(.reduce(op, axis: axis), xi, requiresGradient: nodes[xi].requiresGradient)
        Tensor.reduce(op, xv, axis: axis, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``reduce(_:_:axis:)`` for node `i`.
    func reduceBackward(_ i: Int, _ op: ReductionOp, axis: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let x = value(a), y = nodes[i].value
        switch op {
        case .sum, .mean:
            let scale: Scalar = op == .mean ? 1 / Scalar(x.shape[axis]) : 1
            writeGradient(a) { d, acc in Tensor.expand(g, axis: axis, to: x.shape, scale: scale, into: &d, accumulate: acc) }
        case .logSumExp:
            writeGradient(a) { d, acc in
                Tensor.logSumExpBackward(input: x, output: y, gradient: g, axis: axis, into: &d, accumulate: acc)
            }
        case .max:
            graphFailure("max along an axis is not differentiable on the tape", file: #fileID, line: #line)
        }
    }

    /// Sum along `axis`, kept with size 1 (so the result broadcasts back against `x`).
    public func sum(_ x: Variable, axis: Int) -> Variable { reduce(.sum, x, axis: axis) }
    /// Mean along `axis`, kept with size 1.
    public func mean(_ x: Variable, axis: Int) -> Variable { reduce(.mean, x, axis: axis) }
    /// `log(sum(exp(x)))` along `axis` (kept with size 1), computed around the maximum so
    /// it neither overflows nor underflows. Backward: `g * softmax(x)`, recomputed from
    /// the saved output.
    public func logSumExp(_ x: Variable, axis: Int) -> Variable { reduce(.logSumExp, x, axis: axis) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func reduceAll(_ x: Variable, mean: Bool) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        let i = push(.reduceAll(mean: mean), xi, requiresGradient: nodes[xi].requiresGradient)
        var s = xv.sumOfElements()
        if mean { s = xv.count == 0 ? .nan : s / Scalar(xv.count) }
        nodes[i].value.prepare(shape: Shape())
        nodes[i].value.setAll(s)
        return finish(i)
    }

    /// The backward rule of ``reduceAll(_:mean:)`` for node `i`.
    func reduceAllBackward(_ i: Int, mean: Bool) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let shape = nodes[a].shape
        let scale: Scalar = mean ? 1 / Scalar(shape.count) : 1
        writeGradient(a) { d, acc in Tensor.expand(g, axis: nil, to: shape, scale: scale, into: &d, accumulate: acc) }
    }

    /// The sum of all elements, as a rank-0 value (eight-accumulator summation).
    public func sum(_ x: Variable) -> Variable { reduceAll(x, mean: false) }
    /// The mean of all elements, as a rank-0 value (the usual scalar loss).
    public func mean(_ x: Variable) -> Variable { reduceAll(x, mean: true) }
}

extension Tensor {
    /// Broadcasts `g` back along `axis` to `shape`: `y (+)= scale * g` where `g` has
    /// `shape` with `axis` of size 1 (the backward pass of a sum or mean along `axis`).
    /// With `axis == nil`, `g` holds one element and fills all of `shape`.
    static func expand(_ g: Tensor, axis: Int?, to shape: Shape, scale: Scalar = 1,
                       into y: inout Tensor, accumulate: Bool = false) {
        let (outer, length, inner): (Int, Int, Int)
        if let axis {
            (outer, length, inner) = shape.split(at: axis)
            graphRequire(g.count == outer * inner, "expand of \(g.shape) along axis \(axis) to \(shape)")
        } else {
            graphRequire(g.count == 1, "expand of \(g.shape) to every element of \(shape)")
            (outer, length, inner) = (1, shape.count, 1)
        }
        if accumulate { graphRequire(y.shape == shape, "accumulating expand: shapes \(y.shape) and \(shape) differ") }
        else { y.prepare(shape: shape) }
        g.withUnsafePointer { pg in y.withUnsafeMutablePointer { py in
            GraphKernels.expand(pg, outer: outer, length: length, inner: inner, scale: scale, py, accumulate: accumulate)
        } }
    }

    /// The backward pass of a log-sum-exp along `axis`: `dx (+)= g * exp(x - y)`.
    static func logSumExpBackward(input x: Tensor, output y: Tensor, gradient g: Tensor, axis: Int,
                                  into dx: inout Tensor, accumulate: Bool = false) {
        let (outer, length, inner) = x.shape.split(at: axis)
        graphRequire(y.count == outer * inner && g.count == y.count,
                     "logSumExpBackward: \(x.shape) along \(axis) with output \(y.shape), gradient \(g.shape)")
        if accumulate { graphRequire(dx.shape == x.shape, "accumulating logSumExpBackward: \(dx.shape) vs \(x.shape)") }
        else { dx.prepare(shape: x.shape) }
        x.withUnsafePointer { px in y.withUnsafePointer { py in g.withUnsafePointer { pg in dx.withUnsafeMutablePointer { pdx in
            GraphKernels.logSumExpBackward(px, py, pg, outer: outer, length: length, inner: inner, pdx, accumulate: accumulate)
        } } } }
    }

    /// The sum of all elements, with eight accumulators (fast and with a smaller rounding
    /// error than a serial sum).
    package func sumOfElements() -> Scalar { withUnsafePointer { GraphKernels.sum($0, count, squared: false) } }

    /// The sum of squared elements (for global gradient norms), eight accumulators.
    package func sumOfSquares() -> Scalar { withUnsafePointer { GraphKernels.sum($0, count, squared: true) } }
}

extension GraphKernels {
    /// `y (+)= scale * g` broadcast along the middle axis: `y[o, l, i] (+)= scale * g[o, i]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func expand<T: TensorScalar>(_ g: UnsafePointer<T>, outer: Int, length: Int, inner: Int, scale: T,
                                        _ y: UnsafeMutablePointer<T>, accumulate: Bool) {
        if inner == 1 {
            // One value per row spread over its `length` columns.
            for o in 0..<outer {
                let v = scale * g[o], yr = y + o * length
                if accumulate { for l in 0..<length { yr[l] += v } } else { for l in 0..<length { yr[l] = v } }
            }
            return
        }
        for o in 0..<outer {
            let go = g + o * inner
            for l in 0..<length {
                let yr = y + (o * length + l) * inner
                if accumulate { for i in 0..<inner { yr[i] += scale * go[i] } }
                else { for i in 0..<inner { yr[i] = scale * go[i] } }
            }
        }
    }

    /// `dx (+)= g * exp(x - y)` with `y = logsumexp(x)` along the middle axis: the
    /// softmax weights, recomputed from the saved output instead of stored.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func logSumExpBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                   outer: Int, length: Int, inner: Int,
                                                   _ dx: UnsafeMutablePointer<T>, accumulate: Bool) {
        for o in 0..<outer {
            let yo = y + o * inner, go = g + o * inner
            for l in 0..<length {
                let base = (o * length + l) * inner
                let xr = x + base, dr = dx + base
                if accumulate { for i in 0..<inner { dr[i] += go[i] * T.exp(xr[i] - yo[i]) } }
                else { for i in 0..<inner { dr[i] = go[i] * T.exp(xr[i] - yo[i]) } }
            }
        }
    }

    /// Sum with eight independent accumulators: eight times the throughput of a serial
    /// loop (no dependency chain on one register) and a smaller rounding error.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sum<T: TensorScalar>(_ x: UnsafePointer<T>, _ n: Int, squared: Bool) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var i = 0
        if squared {
            while i + 8 <= n {
                s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3]
                s4 += x[i + 4] * x[i + 4]; s5 += x[i + 5] * x[i + 5]; s6 += x[i + 6] * x[i + 6]; s7 += x[i + 7] * x[i + 7]
                i += 8
            }
            while i < n { s0 += x[i] * x[i]; i += 1 }
        } else {
            while i + 8 <= n {
                s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
                s4 += x[i + 4]; s5 += x[i + 5]; s6 += x[i + 6]; s7 += x[i + 7]
                i += 8
            }
            while i < n { s0 += x[i]; i += 1 }
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
