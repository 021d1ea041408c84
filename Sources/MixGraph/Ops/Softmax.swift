/// Normalizations along one axis on the tape (`softmax`, `logSoftmax`), forward and
/// backward, with the backward kernel only the tape uses.
extension Tape {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func normalize(_ op: NormalizationOp, _ x: Variable, axis: Int) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        graphRequire(axis >= 0 && axis < xv.rank, "axis \(axis) out of range for shape \(xv.shape)")
        let i = push(.normalize(op, axis: axis), xi, requiresGradient: nodes[xi].requiresGradient)
        Tensor.normalize(op, xv, axis: axis, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``normalize(_:_:axis:)`` for node `i`.
    func normalizeBackward(_ i: Int, _ op: NormalizationOp, axis: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let y = nodes[i].value
        writeGradient(a) { d, acc in
            Tensor.normalizeBackward(op, output: y, gradient: g, axis: axis, into: &d, accumulate: acc)
        }
    }

    /// Softmax along `axis` (`exp(x - logsumexp(x))`, so no overflow). Backward from the
    /// output: `y * (g - sum(g * y))`.
    public func softmax(_ x: Variable, axis: Int) -> Variable { normalize(.softmax, x, axis: axis) }
    /// Log-softmax along `axis` (`x - logsumexp(x)`: exact where `log(softmax)` would
    /// underflow to `-inf`). Backward: `g - softmax * sum(g)`.
    public func logSoftmax(_ x: Variable, axis: Int) -> Variable { normalize(.logSoftmax, x, axis: axis) }
}

extension Tensor {
    /// The backward pass of softmax or log-softmax along `axis`, from the op's output `y`.
    static func normalizeBackward(_ op: NormalizationOp, output y: Tensor, gradient g: Tensor, axis: Int,
                                  into dx: inout Tensor, accumulate: Bool = false) {
        graphRequire(y.shape == g.shape, "normalizeBackward: output \(y.shape) and gradient \(g.shape) differ")
        let (outer, length, inner) = y.shape.split(at: axis)
        if accumulate { graphRequire(dx.shape == y.shape, "accumulating normalizeBackward: \(dx.shape) vs \(y.shape)") }
        else { dx.prepare(shape: y.shape) }
        y.withUnsafePointer { py in g.withUnsafePointer { pg in dx.withUnsafeMutablePointer { pdx in
            GraphKernels.normalizeBackward(op, py, pg, outer: outer, length: length, inner: inner, pdx, accumulate: accumulate)
        } } }
    }
}

extension GraphKernels {
    /// Backward of softmax (`dx = y * (g - sum(g * y))`) and log-softmax
    /// (`dx = g - exp(y) * sum(g)`) along the middle axis, from the output `y`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func normalizeBackward<T: TensorScalar>(_ op: NormalizationOp, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                   outer: Int, length: Int, inner: Int,
                                                   _ dx: UnsafeMutablePointer<T>, accumulate: Bool) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var s: T = 0
                switch op {
                case .softmax:
                    for l in 0..<length { s += g[base + l * inner] * y[base + l * inner] }
                    for l in 0..<length {
                        let k = base + l * inner
                        let v = y[k] * (g[k] - s)
                        if accumulate { dx[k] += v } else { dx[k] = v }
                    }
                case .logSoftmax:
                    for l in 0..<length { s += g[base + l * inner] }
                    for l in 0..<length {
                        let k = base + l * inner
                        let v = g[k] - T.exp(y[k]) * s
                        if accumulate { dx[k] += v } else { dx[k] = v }
                    }
                }
            }
        }
    }
}
