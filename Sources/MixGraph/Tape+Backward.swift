/// The reverse pass: one backward rule per ``NodeKind``, in the order of
/// `Tape+Operations.swift`. Every rule writes its input's gradient through
/// ``Tape/writeGradient(_:_:)``, which overwrites on the first contribution and
/// accumulates on later ones (BLAS `beta = 0` or `1`, kernel `accumulate: false` or
/// `true`), so no gradient buffer is ever zeroed just to be added into.
extension Tape {
    /// Runs the backward pass from `output`: every value `output` depends on gets
    /// d(sum(seed * output))/d value, and every trainable bound parameter gets it in
    /// `parameter.gradient`.
    ///
    /// - Parameters:
    ///   - output: usually a scalar loss (then `seed` may be omitted: it is 1).
    ///   - seed: the vector in a vector-Jacobian product, shaped like `output`.
    ///   - accumulate: add into `parameter.gradient` instead of overwriting it (to sum
    ///     the gradients of several losses or backward passes). Without it, parameters
    ///     bound on this tape that `output` does not reach get a zero gradient.
    ///
    /// Cost: roughly twice the forward pass (each gemm becomes two, one per operand that
    /// needs a gradient); no allocation when shapes repeat.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(from output: Variable, seed: Tensor<Scalar>? = nil, accumulate: Bool = false) {
        let last = index(output)
        for i in 0..<count { nodes[i].gradientWritten = false }
        for slot in parameterWritten.indices { parameterWritten[slot] = accumulate }
        let shape = nodes[last].shape
        if let seed {
            graphRequire(seed.count == shape.count, "backward seed of shape \(seed.shape) for output \(shape)")
            writeGradient(last) { d, acc in Tensor.copy(seed, into: &d, shape: shape, accumulate: acc) }
        } else {
            graphRequire(shape.count == 1, "backward from a value of shape \(shape) needs a seed (or a scalar loss)")
            writeGradient(last) { d, acc in
                if acc { d.withUnsafeMutablePointer { $0[0] += 1 } } else { d.prepare(shape: shape); d.setAll(1) }
            }
        }
        var i = last
        while i >= 0 {
            if nodes[i].requiresGradient && nodes[i].gradientWritten { backwardRule(i) }
            i -= 1
        }
        if !accumulate {
            for slot in parameters.indices where !parameterFrozen[slot] && !parameterWritten[slot] {
                let p = parameters[slot]
                p.gradient.prepare(shape: p.value.shape)
                p.gradient.setAll(0)
                parameterWritten[slot] = true
            }
        }
    }

    /// Writes into the gradient of node `input` (a parameter's gradient for a bound
    /// parameter): `body(&gradient, accumulate)` with `accumulate` false for the first
    /// contribution of this pass. Does nothing for values that need no gradient. `body`
    /// must use only tensors it captured, not the tape.
    @inline(__always)
    func writeGradient(_ input: Int, _ body: (inout Tensor<Scalar>, Bool) -> Void) {
        guard nodes[input].requiresGradient else { return }
        if case .parameter(let slot) = nodes[input].kind {
            let p = parameters[slot]
            body(&p.gradient, parameterWritten[slot])
            parameterWritten[slot] = true
        } else {
            let accumulate = nodes[input].gradientWritten
            body(&nodes[input].gradient, accumulate)
            nodes[input].gradientWritten = true
        }
    }

    /// Folds the leading dimensions of a stacked value into rows (O(1) view).
    func matrix(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
        if t.rank <= 2 { return t }
        let (rows, columns) = t.shape.matrixView
        return t.reshaped(Shape(rows, columns))
    }

    func backwardRule(_ i: Int) {
        let a = nodes[i].a, b = nodes[i].b, c = nodes[i].c
        let g = nodes[i].gradient
        switch nodes[i].kind {
        case .input, .constant, .parameter, .stopGradient:
            break

        case let .matmul(transposeA, transposeB):
            let x = value(a), y = value(b)
            // C = op(A) op(B):  dA = g op(B)ᵀ (or op(B) gᵀ when A is transposed),
            //                   dB = op(A)ᵀ g (or gᵀ op(A) when B is transposed).
            writeGradient(a) { d, acc in
                if transposeA { Tensor.matmul(y, transposed: transposeB, g, transposed: true, beta: acc ? 1 : 0, into: &d) }
                else { Tensor.matmul(g, transposed: false, y, transposed: !transposeB, beta: acc ? 1 : 0, into: &d) }
            }
            writeGradient(b) { d, acc in
                let x2 = matrix(x), g2 = matrix(g)
                if transposeB { Tensor.matmul(g2, transposed: true, x2, transposed: transposeA, beta: acc ? 1 : 0, into: &d) }
                else { Tensor.matmul(x2, transposed: !transposeA, g2, transposed: false, beta: acc ? 1 : 0, into: &d) }
            }

        case let .batchedMatmul(transposeA, transposeB):
            let x = value(a), y = value(b)
            writeGradient(a) { d, acc in
                if transposeA { Tensor.batchedMatmul(y, transposed: transposeB, g, transposed: true, beta: acc ? 1 : 0, into: &d) }
                else { Tensor.batchedMatmul(g, transposed: false, y, transposed: !transposeB, beta: acc ? 1 : 0, into: &d) }
            }
            writeGradient(b) { d, acc in
                if transposeB { Tensor.batchedMatmul(g, transposed: true, x, transposed: transposeA, beta: acc ? 1 : 0, into: &d) }
                else { Tensor.batchedMatmul(x, transposed: !transposeA, g, transposed: false, beta: acc ? 1 : 0, into: &d) }
            }

        case let .linear(hasBias, relu):
            let x = value(a), w = value(b)
            // With ReLU, g becomes the gradient of the pre-activation first (in place).
            if relu { Tensor.maskInPlace(g, wherePositive: nodes[i].value) }
            // y = x Wᵀ + b:  dW = gᵀ x,  db = column sums of g,  dx = g W.
            writeGradient(b) { d, acc in
                Tensor.matmul(matrix(g), transposed: true, matrix(x), transposed: false, beta: acc ? 1 : 0, into: &d)
            }
            if hasBias {
                let biasShape = nodes[c].shape
                writeGradient(c) { d, acc in Tensor.reduce(g, toBroadcastShape: biasShape, into: &d, accumulate: acc) }
            }
            writeGradient(a) { d, acc in Tensor.matmul(g, transposed: false, w, transposed: false, beta: acc ? 1 : 0, into: &d) }

        case let .unary(op):
            let x = value(a), y = nodes[i].value
            writeGradient(a) { d, acc in
                Tensor.applyBackward(op, input: x, output: y, gradient: g, into: &d, accumulate: acc)
            }

        case let .binary(op):
            let x = value(a), y = value(b)
            writeGradient(a) { d, acc in
                Tensor.applyBackward(op, x, y, gradient: g, withRespectTo: .left, into: &d, accumulate: acc)
            }
            writeGradient(b) { d, acc in
                Tensor.applyBackward(op, x, y, gradient: g, withRespectTo: .right, into: &d, accumulate: acc)
            }

        case let .reduce(op, axis):
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

        case let .reduceAll(mean):
            let shape = nodes[a].shape
            let scale: Scalar = mean ? 1 / Scalar(shape.count) : 1
            writeGradient(a) { d, acc in Tensor.expand(g, axis: nil, to: shape, scale: scale, into: &d, accumulate: acc) }

        case let .normalize(op, axis):
            let y = nodes[i].value
            writeGradient(a) { d, acc in
                Tensor.normalizeBackward(op, output: y, gradient: g, axis: axis, into: &d, accumulate: acc)
            }

        case let .concatenate(axis, first, partCount):
            var offset = 0
            for k in first..<(first + partCount) {
                let part = extraInputs[k]
                let partShape = nodes[part].shape
                let length = partShape[axis]
                let start = offset
                writeGradient(part) { d, acc in
                    if !acc { d.prepare(shape: partShape) }
                    Tensor.copy(g, axis: axis, range: start..<(start + length), into: &d, at: 0, accumulate: acc)
                }
                offset += length
            }

        case let .slice(axis, lower, upper):
            let inputShape = nodes[a].shape
            writeGradient(a) { d, acc in
                if !acc { d.prepare(shape: inputShape); d.setAll(0) }
                Tensor.copy(g, axis: axis, range: 0..<(upper - lower), into: &d, at: lower, accumulate: true)
            }

        case let .gather(first, indexCount):
            let inputShape = nodes[a].shape
            writeGradient(a) { d, acc in
                if !acc { d.prepare(shape: inputShape); d.setAll(0) }
                indexStorage.withUnsafeBufferPointer { all in
                    Tensor.scatterAdd(g, rows: UnsafeBufferPointer(rebasing: all[first..<(first + indexCount)]), into: &d)
                }
            }

        case .reshape:
            let inputShape = nodes[a].shape
            writeGradient(a) { d, acc in Tensor.copy(g, into: &d, shape: inputShape, accumulate: acc) }

        case let .external(slot):
            let x = value(a), y = nodes[i].value, function = externals[slot]
            writeGradient(a) { d, acc in function.backward(x, output: y, outputGradient: g, into: &d, accumulate: acc) }
        }
    }
}
