/// Operations that move elements without arithmetic: concatenation, slicing (block
/// copies into the node's buffer), and the views `reshape` and `stopGradient` (no buffer
/// of their own), forward and backward, with the block copy they all share.
extension Tape {
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

    /// The backward rule of a concatenation (node `i`, parts `extraInputs[first ..< first + partCount]`).
    func concatenateBackward(_ i: Int, axis: Int, first: Int, count partCount: Int) {
        let g = nodes[i].gradient
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

    /// The backward rule of ``slice(_:axis:range:)`` for node `i`.
    func sliceBackward(_ i: Int, axis: Int, lower: Int, upper: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let inputShape = nodes[a].shape
        writeGradient(a) { d, acc in
            if !acc { d.prepare(shape: inputShape); d.setAll(0) }
            Tensor.copy(g, axis: axis, range: 0..<(upper - lower), into: &d, at: lower, accumulate: true)
        }
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

    /// The backward rule of ``reshape(_:to:)`` for node `i`.
    func reshapeBackward(_ i: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let inputShape = nodes[a].shape
        writeGradient(a) { d, acc in Tensor.copy(g, into: &d, shape: inputShape, accumulate: acc) }
    }

    /// `x` as a constant: the same value (a view, no copy), through which no gradient
    /// flows (the `stopgrad` of the LR and temperature losses). It has no backward rule.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stopGradient(_ x: Variable) -> Variable {
        let xi = index(x)
        let i = push(.stopGradient, xi, requiresGradient: false)
        nodes[i].shape = nodes[xi].shape
        return variable(i)
    }
}

extension Tensor {
    /// Copies (or adds, with `accumulate`) the entries `sourceRange` of `axis` of `source`
    /// into `destination` starting at entry `destinationOffset` of the same axis. All other
    /// dimensions must agree; `destination` must already have its shape. Slicing,
    /// concatenation and their backward passes are all this one block copy.
    package static func copy(_ source: Tensor, axis: Int, range sourceRange: Range<Int>,
                            into destination: inout Tensor, at destinationOffset: Int, accumulate: Bool = false) {
        let (outer, sourceLength, inner) = source.shape.split(at: axis)
        let (dOuter, destinationLength, dInner) = destination.shape.split(at: axis)
        graphRequire(outer == dOuter && inner == dInner && sourceRange.lowerBound >= 0 && sourceRange.upperBound <= sourceLength
                     && destinationOffset >= 0 && destinationOffset + sourceRange.count <= destinationLength,
                     "copy of \(source.shape)[axis \(axis): \(sourceRange)] into \(destination.shape) at \(destinationOffset)")
        source.withUnsafePointer { s in destination.withUnsafeMutablePointer { d in
            GraphKernels.copyBlocks(s, sourceStride: sourceLength * inner, sourceOffset: sourceRange.lowerBound * inner,
                                    d, destinationStride: destinationLength * inner,
                                    destinationOffset: destinationOffset * inner,
                                    outer: outer, chunk: sourceRange.count * inner, accumulate: accumulate)
        } }
    }

    /// `destination (+)= source` viewed with `shape` (equal element counts): the backward
    /// pass of a reshape. Without `accumulate` the destination takes `shape`.
    package static func copy(_ source: Tensor, into destination: inout Tensor, shape: Shape, accumulate: Bool = false) {
        graphRequire(source.count == shape.count, "copy of \(source.shape) as \(shape)")
        if accumulate { graphRequire(destination.shape == shape, "accumulating copy: \(destination.shape) vs \(shape)") }
        else { destination.prepare(shape: shape) }
        source.withUnsafePointer { s in destination.withUnsafeMutablePointer { d in
            GraphKernels.copyBlocks(s, sourceStride: 0, sourceOffset: 0, d,
                                    destinationStride: 0, destinationOffset: 0, outer: 1, chunk: shape.count, accumulate: accumulate)
        } }
    }
}

extension GraphKernels {
    /// `dst[o][dOffset ..< dOffset + n] (+)= src[o][sOffset ..< sOffset + n]` for each of
    /// `outer` blocks with strides `sStride`, `dStride`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func copyBlocks<T: TensorScalar>(_ src: UnsafePointer<T>, sourceStride: Int, sourceOffset: Int,
                                            _ dst: UnsafeMutablePointer<T>, destinationStride: Int, destinationOffset: Int,
                                            outer: Int, chunk: Int, accumulate: Bool) {
        for o in 0..<outer {
            let s = src + o * sourceStride + sourceOffset, d = dst + o * destinationStride + destinationOffset
            if accumulate { for i in 0..<chunk { d[i] += s[i] } } else { d.update(from: s, count: chunk) }
        }
    }
}
