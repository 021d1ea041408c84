/// The reverse pass. Each operation's backward rule sits beside its forward computation
/// (`Ops/MatMul.swift`, `Ops/Linear.swift`, ...); this file holds the pass itself, the
/// single dispatch over ``NodeKind``, and ``Tape/writeGradient(_:_:)``, through which
/// every rule writes its input's gradient: it overwrites on the first contribution and
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

    /// Runs the backward rule of node `i`: the one dispatch over ``NodeKind`` (a plain
    /// switch, no closure per node), to the rule written beside the operation's forward
    /// computation in `Ops/`.
    func backwardRule(_ i: Int) {
        switch nodes[i].kind {
        case .input, .constant, .parameter, .stopGradient:
            break
        case let .matmul(transposeA, transposeB):
            matmulBackward(i, transposeA: transposeA, transposeB: transposeB)
        case let .batchedMatmul(transposeA, transposeB):
            batchedMatmulBackward(i, transposeA: transposeA, transposeB: transposeB)
        case let .linear(hasBias, relu):
            linearBackward(i, hasBias: hasBias, relu: relu)
        case let .unary(op):
            unaryBackward(i, op)
        case let .binary(op):
            binaryBackward(i, op)
        case let .reduce(op, axis):
            reduceBackward(i, op, axis: axis)
        case let .reduceAll(mean):
            reduceAllBackward(i, mean: mean)
        case let .normalize(op, axis):
            normalizeBackward(i, op, axis: axis)
        case let .concatenate(axis, first, partCount):
            concatenateBackward(i, axis: axis, first: first, count: partCount)
        case let .slice(axis, lower, upper):
            sliceBackward(i, axis: axis, lower: lower, upper: upper)
        case let .gather(first, indexCount):
            gatherBackward(i, first: first, count: indexCount)
        case .reshape:
            reshapeBackward(i)
        case let .external(slot):
            externalBackward(i, slot: slot)
        }
    }
}
