import MixTensor

/// Leaves that the tape owns: values written in place into a node's reused buffer, so
/// a step that draws fresh noise every time allocates nothing once warmed up (unlike
/// `input(Tensor.randomNormal(...))`, which allocates a tensor per step).
extension Tape {
    /// Records a leaf of `shape` whose elements `fill` writes into the node's own buffer
    /// (reused from the node recorded at the same position last step; its previous
    /// contents are unspecified, so `fill` must write every element). No gradient flows
    /// into it. `fill` must not use the tape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func constant(shape: Shape, _ fill: (inout Tensor<Scalar>) -> Void) -> Variable {
        let i = push(.constant, requiresGradient: false)
        nodes[i].value.prepare(shape: shape)
        fill(&nodes[i].value)
        graphRequire(nodes[i].value.shape == shape, "a constant leaf of shape \(shape) was filled as \(nodes[i].value.shape)")
        return finish(i)
    }

    /// A leaf of independent standard normals of `shape`, drawn from `rng` in row-major
    /// order: the same draws, in the same order, as `Tensor.randomNormal(shape, using:)`,
    /// written into a reused buffer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func randomNormal(_ shape: Shape, using rng: inout RandomStream) -> Variable {
        constant(shape: shape) { $0.fillNormal(using: &rng) }
    }

    /// Rows of axis 0 chosen by `indexOfRow(row)` for `row` in `0..<rowCount` (repeats
    /// allowed; their gradients add up). The indices go straight into the tape's reused
    /// side buffer, so no index array is built. `indexOfRow` must not use the tape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gather(_ x: Variable, rowCount: Int, indexOfRow: (Int) -> Int32) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        // Filled in a local array (moved out and back, no copy): appending to the stored
        // property would pay a dynamic exclusivity check per index.
        var storage: [Int32] = []
        swap(&storage, &indexStorage)
        let first = storage.count
        storage.reserveCapacity(first + rowCount)
        for row in 0..<rowCount { storage.append(indexOfRow(row)) }
        swap(&storage, &indexStorage)
        let i = push(.gather(first: first, count: rowCount), xi, requiresGradient: nodes[xi].requiresGradient)
        indexStorage.withUnsafeBufferPointer { all in
            Tensor.gather(xv, rows: UnsafeBufferPointer(rebasing: all[first..<(first + rowCount)]), into: &nodes[i].value)
        }
        return finish(i)
    }

    /// Each row of `x` repeated `times` times in place (`[r0, r0, .., r1, r1, ..]`, for
    /// stacking several samples per state); `x` itself when `times == 1`.
    public func repeatingRows(_ x: Variable, times: Int) -> Variable {
        if times == 1 { return x }
        return gather(x, rowCount: shape(of: x)[0] * times) { Int32($0 / times) }
    }
}
