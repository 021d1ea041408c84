/// The recorded operations. Each computes its value now, into the node's reused buffer,
/// and records only its kind and input positions; the matching backward rule is in
/// `Tape+Backward.swift`, in the same order. Broadcasting follows MixTensor: the
/// operands' matrix views (leading dimensions folded into rows) may have 1 row or
/// 1 column (or be a single element) where the other's are larger.
extension Tape {
    // MARK: Products

    /// `op(a) * op(b)` through one gemm (transposes are BLAS flags, never copies). `b` is
    /// a matrix; `a` is a matrix or, untransposed, a stack of rows of any rank whose
    /// leading dimensions fold into one gemm (K actions per state through one weight).
    /// Backward: two gemms (one per operand that needs a gradient).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ a: Variable, transposed transposeA: Bool = false,
                       _ b: Variable, transposed transposeB: Bool = false) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.matmul(transposeA: transposeA, transposeB: transposeB), ai, bi,
                     requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.matmul(x, transposed: transposeA, y, transposed: transposeB, into: &nodes[i].value)
        return finish(i)
    }

    /// `op(a[i]) * op(b[i])` for rank-3 `a` and `b` with one batch size (one gemm per
    /// batch entry). Backward: the same, per operand.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func batchedMatmul(_ a: Variable, transposed transposeA: Bool = false,
                              _ b: Variable, transposed transposeB: Bool = false) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.batchedMatmul(transposeA: transposeA, transposeB: transposeB), ai, bi,
                     requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.batchedMatmul(x, transposed: transposeA, y, transposed: transposeB, into: &nodes[i].value)
        return finish(i)
    }

    /// `x * weightᵀ + bias`, the affine map of `torch.nn.Linear` (weight `[out, in]`,
    /// bias `[out]`), for `x` of shape `[batch, in]` or stacked `[..., in]`.
    ///
    /// The bias is written into the output rows first and the product added by the gemm
    /// itself (`beta = 1`), so the bias costs one write pass and no extra read.
    /// Backward: `dW = gᵀ x` and `dx = g W` (one gemm each, skipped when not needed) and
    /// `db` = column sums of `g`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
        linear(x, weight: weight, bias: bias, relu: false)
    }

    /// ``linear(_:weight:bias:)`` followed by ReLU when `relu`, as one node: the bias and
    /// the activation are applied in one pass over the product, and the backward pass
    /// masks the incoming gradient in place. Same values, bit for bit, as the two
    /// separate operations.
    func linear(_ x: Variable, weight: Variable, bias: Variable?, relu: Bool) -> Variable {
        let xi = index(x), wi = index(weight), bi = bias.map(index) ?? -1
        let xv = value(xi), wv = value(wi)
        graphRequire(xv.rank >= 2 && wv.rank == 2,
                     "linear needs x of rank >= 2 and a weight matrix, got \(xv.shape) and \(wv.shape)")
        let outputs = wv.shape[0]
        let shape = xv.rank > 2 ? xv.shape.replacing(axis: xv.rank - 1, with: outputs)
                                : Shape(xv.shape[0], outputs)
        let needs = nodes[xi].requiresGradient || nodes[wi].requiresGradient || (bi >= 0 && nodes[bi].requiresGradient)
        let i = push(.linear(hasBias: bi >= 0, relu: relu), xi, wi, bi, requiresGradient: needs)
        Tensor.matmul(xv, transposed: false, wv, transposed: true, into: &nodes[i].value)
        if bi >= 0 || relu { nodes[i].value.addRows(bi >= 0 ? value(bi) : nil, relu: relu) }
        return finish(i)
    }

    // MARK: Element-wise

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unary(_ op: UnaryOp, _ x: Variable) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        let i = push(.unary(op), xi, requiresGradient: nodes[xi].requiresGradient)
        Tensor.apply(op, xv, into: &nodes[i].value)
        return finish(i)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func binary(_ op: BinaryOp, _ a: Variable, _ b: Variable) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.binary(op), ai, bi, requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.apply(op, x, y, into: &nodes[i].value)
        return finish(i)
    }

    /// `a + b` with broadcasting.
    public func add(_ a: Variable, _ b: Variable) -> Variable { binary(.add, a, b) }
    /// `a - b` with broadcasting.
    public func subtract(_ a: Variable, _ b: Variable) -> Variable { binary(.subtract, a, b) }
    /// `a * b` element-wise with broadcasting.
    public func multiply(_ a: Variable, _ b: Variable) -> Variable { binary(.multiply, a, b) }
    /// `a / b` element-wise with broadcasting.
    public func divide(_ a: Variable, _ b: Variable) -> Variable { binary(.divide, a, b) }
    /// Element-wise minimum with broadcasting (the twin-critic minimum). At ties the
    /// gradient is split evenly between the operands.
    public func minimum(_ a: Variable, _ b: Variable) -> Variable { binary(.minimum, a, b) }
    /// Element-wise maximum with broadcasting; ties split the gradient evenly.
    public func maximum(_ a: Variable, _ b: Variable) -> Variable { binary(.maximum, a, b) }

    /// `-x`.
    public func negate(_ x: Variable) -> Variable { unary(.negate, x) }
    /// `exp(x)`; its backward reuses the output (`g * y`).
    public func exp(_ x: Variable) -> Variable { unary(.exp, x) }
    /// Natural logarithm; backward `g / x`.
    public func log(_ x: Variable) -> Variable { unary(.log, x) }
    /// `tanh(x)`; backward `g * (1 - y^2)` from the output.
    public func tanh(_ x: Variable) -> Variable { unary(.tanh, x) }
    /// `max(x, 0)`; the derivative at 0 is taken as 0.
    public func relu(_ x: Variable) -> Variable { unary(.relu, x) }
    /// `log(1 + exp(x))`, stable for any `x`; backward `g * sigmoid(x)`.
    public func softplus(_ x: Variable) -> Variable { unary(.softplus, x) }
    /// `1 / (1 + exp(-x))`, stable for any `x`; backward `g * y * (1 - y)`.
    public func sigmoid(_ x: Variable) -> Variable { unary(.sigmoid, x) }
    /// `x^2`.
    public func square(_ x: Variable) -> Variable { unary(.square, x) }
    /// `sqrt(x)`; backward `g / (2 y)` (infinite at 0).
    public func sqrt(_ x: Variable) -> Variable { unary(.sqrt, x) }
    /// `|x|`; the derivative at 0 is taken as 0.
    public func abs(_ x: Variable) -> Variable { unary(.abs, x) }
    /// `min(max(x, lower), upper)`; gradient 1 strictly inside, 0 outside (as
    /// `torch.clamp`, except at the bounds themselves, where it is 0 here).
    public func clamp(_ x: Variable, lower: Scalar, upper: Scalar) -> Variable {
        unary(.clamp(lower: Double(lower), upper: Double(upper)), x)
    }
    /// `factor * x` for a constant `factor`.
    public func scale(_ x: Variable, by factor: Scalar) -> Variable { unary(.affine(scale: Double(factor), shift: 0), x) }
    /// `x + offset` for a constant `offset`.
    public func shift(_ x: Variable, by offset: Scalar) -> Variable { unary(.affine(scale: 1, shift: Double(offset)), x) }
    /// `factor * x + offset` for constants, in one pass.
    public func affine(_ x: Variable, scale factor: Scalar, shift offset: Scalar) -> Variable {
        unary(.affine(scale: Double(factor), shift: Double(offset)), x)
    }

    // MARK: Reductions and normalizations

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

    /// The sum of all elements, as a rank-0 value (eight-accumulator summation).
    public func sum(_ x: Variable) -> Variable { reduceAll(x, mean: false) }
    /// The mean of all elements, as a rank-0 value (the usual scalar loss).
    public func mean(_ x: Variable) -> Variable { reduceAll(x, mean: true) }

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

    /// Softmax along `axis` (`exp(x - logsumexp(x))`, so no overflow). Backward from the
    /// output: `y * (g - sum(g * y))`.
    public func softmax(_ x: Variable, axis: Int) -> Variable { normalize(.softmax, x, axis: axis) }
    /// Log-softmax along `axis` (`x - logsumexp(x)`: exact where `log(softmax)` would
    /// underflow to `-inf`). Backward: `g - softmax * sum(g)`.
    public func logSoftmax(_ x: Variable, axis: Int) -> Variable { normalize(.logSoftmax, x, axis: axis) }

    // MARK: Structure

    /// Concatenates `parts` along `axis`; all other dimensions must agree. The parts are
    /// recorded in a reused side buffer (no allocation in steady state, though building
    /// the argument array may allocate; see ``concatenate(_:_:axis:)``).
    public func concatenate(_ parts: [Variable], axis: Int) -> Variable {
        graphRequire(!parts.isEmpty, "concatenating no values")
        let first = extraInputs.count
        for p in parts { extraInputs.append(index(p)) }
        return recordConcatenation(first: first, count: parts.count, axis: axis)
    }

    /// Concatenates two values along `axis` (no argument array).
    public func concatenate(_ a: Variable, _ b: Variable, axis: Int) -> Variable {
        let first = extraInputs.count
        extraInputs.append(index(a))
        extraInputs.append(index(b))
        return recordConcatenation(first: first, count: 2, axis: axis)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func recordConcatenation(first: Int, count partCount: Int, axis: Int) -> Variable {
        let reference = nodes[extraInputs[first]].shape
        graphRequire(axis >= 0 && axis < reference.rank, "axis \(axis) out of range for shape \(reference)")
        var total = 0
        var needs = false
        for k in first..<(first + partCount) {
            let s = nodes[extraInputs[k]].shape
            graphRequire(s.rank == reference.rank && s.replacing(axis: axis, with: 1) == reference.replacing(axis: axis, with: 1),
                         "cannot concatenate shapes \(reference) and \(s) along axis \(axis)")
            total += s[axis]
            needs = needs || nodes[extraInputs[k]].requiresGradient
        }
        let i = push(.concatenate(axis: axis, first: first, count: partCount), requiresGradient: needs)
        nodes[i].value.prepare(shape: reference.replacing(axis: axis, with: total))
        var offset = 0
        for k in first..<(first + partCount) {
            let part = value(extraInputs[k])
            let length = part.shape[axis]
            Tensor.copy(part, axis: axis, range: 0..<length, into: &nodes[i].value, at: offset)
            offset += length
        }
        return finish(i)
    }

    /// Entries `range` of `axis` (a copy into the node's buffer). Backward adds the
    /// gradient into that block of a zeroed input gradient.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func slice(_ x: Variable, axis: Int, range: Range<Int>) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        graphRequire(axis >= 0 && axis < xv.rank && range.lowerBound >= 0 && range.upperBound <= xv.shape[axis],
                     "slice \(range) of axis \(axis) out of range for shape \(xv.shape)")
        let i = push(.slice(axis: axis, lower: range.lowerBound, upper: range.upperBound), xi,
                     requiresGradient: nodes[xi].requiresGradient)
        nodes[i].value.prepare(shape: xv.shape.replacing(axis: axis, with: range.count))
        Tensor.copy(xv, axis: axis, range: range, into: &nodes[i].value, at: 0)
        return finish(i)
    }

    /// Rows `indices` of axis 0 (repeats allowed; their gradients add up). The indices are
    /// copied into a reused side buffer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func gather(_ x: Variable, rows indices: UnsafeBufferPointer<Int32>) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        let first = indexStorage.count
        indexStorage.append(contentsOf: indices)
        let i = push(.gather(first: first, count: indices.count), xi, requiresGradient: nodes[xi].requiresGradient)
        indexStorage.withUnsafeBufferPointer { all in
            Tensor.gather(xv, rows: UnsafeBufferPointer(rebasing: all[first..<(first + indices.count)]), into: &nodes[i].value)
        }
        return finish(i)
    }

    /// Rows `indices` of axis 0 of `x` (`[indices.count, columns]`); the gradient
    /// scatter-adds back into the gathered rows.
    public func gather(_ x: Variable, rows indices: [Int32]) -> Variable {
        indices.withUnsafeBufferPointer { gather(x, rows: $0) }
    }

    /// The same elements with another shape of equal count: a view (no copy forward; the
    /// backward pass copies the gradient once).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshape(_ x: Variable, to shape: Shape) -> Variable {
        let xi = index(x)
        graphRequire(nodes[xi].shape.count == shape.count, "cannot reshape \(nodes[xi].shape) to \(shape)")
        let i = push(.reshape, xi, requiresGradient: nodes[xi].requiresGradient)
        nodes[i].shape = shape
        return variable(i)
    }

    /// `x` as a constant: the same value (a view, no copy), through which no gradient
    /// flows (the `stopgrad` of the LR and temperature losses).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stopGradient(_ x: Variable) -> Variable {
        let xi = index(x)
        let i = push(.stopGradient, xi, requiresGradient: false)
        nodes[i].shape = nodes[xi].shape
        return variable(i)
    }
}
