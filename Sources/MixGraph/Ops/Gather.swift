/// Row gathers on the tape (repeats allowed), forward and backward; the indices live in
/// the tape's reused side buffer. The forward kernel is MixTensor's `Tensor.gather`
/// (policies gather outside the tape too); the backward scatter-add is only the tape's.
extension Tape {
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

    /// The backward rule of a gather (node `i`, indices `indexStorage[first ..< first + indexCount]`).
    func gatherBackward(_ i: Int, first: Int, count indexCount: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let inputShape = nodes[a].shape
        writeGradient(a) { d, acc in
            if !acc { d.prepare(shape: inputShape); d.setAll(0) }
            indexStorage.withUnsafeBufferPointer { all in
                Tensor.scatterAdd(g, rows: UnsafeBufferPointer(rebasing: all[first..<(first + indexCount)]), into: &d)
            }
        }
    }
}

extension Tensor {
    /// Adds the rows of `g` into the rows `indices` of `out` (repeated indices add up):
    /// the backward pass of a row gather.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func scatterAdd(_ g: Tensor, rows indices: UnsafeBufferPointer<Int32>, into out: inout Tensor) {
        graphRequire(out.rank >= 1 && g.rank == out.rank, "scatterAdd of \(g.shape) into \(out.shape)")
        let rows = out.shape[0], rowSize = out.count / Swift.max(rows, 1)
        graphRequire(g.shape[0] == indices.count && g.shape.replacing(axis: 0, with: rows) == out.shape,
                     "scatterAdd of \(g.shape) into \(out.shape) with \(indices.count) indices")
        let outShape = out.shape
        let n = indices.count
        g.withUnsafePointer { src in out.withUnsafeMutablePointer { dst in
            guard let base = indices.baseAddress else { return }
            var i = 0
            while i < n {
                let index = Int(base[i])
                graphRequire(index >= 0 && index < rows, "scatterAdd index \(index) out of range for shape \(outShape)")
                let d = dst + index * rowSize, s = src + i * rowSize
                for j in 0..<rowSize { d[j] += s[j] }
                i += 1
            }
        } }
    }
}
