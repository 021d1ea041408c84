/// Slicing, concatenation and row gathers along the first two axes. (Their backward
/// passes, for the autodiff tape, are MixGraph's.)
extension Tensor {
    /// Rows `range` of axis 0 (for a rank-1 tensor, elements), copied into `out`.
    package static func slice(_ x: Tensor, rows range: Range<Int>, into out: inout Tensor) {
        require(x.rank >= 1 && range.lowerBound >= 0 && range.upperBound <= x.shape[0],
                     "MixTensor: row slice \(range) out of range for shape \(x.shape)")
        let rowSize = x.rank == 0 ? 1 : x.count / Swift.max(x.shape[0], 1)
        out.prepare(shape: x.shape.replacing(axis: 0, with: range.count))
        x.withElements { src in out.withElements { dst in
            dst.update(from: src + range.lowerBound * rowSize, count: range.count * rowSize)
        } }
    }

    /// Columns `range` of axis 1 of a tensor of rank 2 or more, copied into `out`.
    package static func slice(_ x: Tensor, columns range: Range<Int>, into out: inout Tensor) {
        require(x.rank >= 2 && range.lowerBound >= 0 && range.upperBound <= x.shape[1],
                     "MixTensor: column slice \(range) out of range for shape \(x.shape)")
        let (outer, length, inner) = x.shape.split(at: 1)
        out.prepare(shape: x.shape.replacing(axis: 1, with: range.count))
        let chunk = range.count * inner
        x.withElements { src in out.withElements { dst in
            for o in 0..<outer {
                (dst + o * chunk).update(from: src + (o * length + range.lowerBound) * inner, count: chunk)
            }
        } }
    }

    /// A copy of rows `range` of axis 0.
    public func slicing(rows range: Range<Int>) -> Tensor {
        var out = Tensor(uninitializedShape: Shape()); Tensor.slice(self, rows: range, into: &out); return out
    }

    /// A copy of columns `range` of axis 1.
    public func slicing(columns range: Range<Int>) -> Tensor {
        var out = Tensor(uninitializedShape: Shape()); Tensor.slice(self, columns: range, into: &out); return out
    }

    /// Concatenates tensors along `axis` (0 or 1); all other dimensions must agree.
    package static func concatenate(_ parts: [Tensor], axis: Int, into out: inout Tensor) {
        require(!parts.isEmpty, "MixTensor: concatenating no tensors")
        require(axis == 0 || axis == 1, "MixTensor: concatenation is along axis 0 or 1")
        let first = parts[0].shape
        var total = 0
        for p in parts {
            require(p.rank == first.rank && p.rank > axis && p.shape.replacing(axis: axis, with: 1) == first.replacing(axis: axis, with: 1),
                         "MixTensor: cannot concatenate shapes \(first) and \(p.shape) along axis \(axis)")
            total += p.shape[axis]
        }
        out.prepare(shape: first.replacing(axis: axis, with: total))
        let (outer, _, inner) = out.shape.split(at: axis)
        out.withElements { dst in
            var offset = 0
            for p in parts {
                let chunk = p.shape[axis] * inner
                p.withElements { src in
                    for o in 0..<outer {
                        (dst + o * total * inner + offset * inner).update(from: src + o * chunk, count: chunk)
                    }
                }
                offset += p.shape[axis]
            }
        }
    }

    /// Concatenation along `axis`, as a new tensor.
    public static func concatenating(_ parts: [Tensor], axis: Int) -> Tensor {
        var out = Tensor(uninitializedShape: Shape()); concatenate(parts, axis: axis, into: &out); return out
    }

    /// Gathers rows (entries of axis 0) by index into `out`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func gather(_ x: Tensor, rows indices: UnsafeBufferPointer<Int32>, into out: inout Tensor) {
        require(x.rank >= 1, "MixTensor: gather from a rank-0 tensor")
        let rows = x.shape[0], rowSize = x.count / Swift.max(rows, 1)
        out.prepare(shape: x.shape.replacing(axis: 0, with: indices.count))
        guard let base = indices.baseAddress else { return }
        let n = indices.count
        x.withElements { src in out.withElements { dst in
            var i = 0
            while i < n {
                let index = Int(base[i])
                require(index >= 0 && index < rows, "MixTensor: gather index \(index) out of range for shape \(x.shape)")
                let d = dst + i * rowSize, s = src + index * rowSize
                if rowSize <= 16 { for j in 0..<rowSize { d[j] = s[j] } } else { d.update(from: s, count: rowSize) }
                i += 1
            }
        } }
    }

    /// The rows `indices` of axis 0, as a new tensor.
    public func gathering(rows indices: [Int]) -> Tensor {
        let idx = indices.map { Int32($0) }
        var out = Tensor(uninitializedShape: Shape())
        idx.withUnsafeBufferPointer { Tensor.gather(self, rows: $0, into: &out) }
        return out
    }
}
