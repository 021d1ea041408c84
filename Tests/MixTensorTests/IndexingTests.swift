import MixTensor
import Testing

/// The elements of `dims` whose index along `axis` lies in `range`, in row-major order.
func naiveSlice(_ v: [Double], _ dims: [Int], axis: Int, _ range: Range<Int>) -> [Double] {
    let strides = rowMajorStrides(dims)
    return allIndices(dims).filter { range.contains($0[axis]) }.map { v[zip($0, strides).map(*).reduce(0, +)] }
}

@Suite("Slicing, concatenation, gather and scatter")
struct IndexingTests {
    @Test("slices along axis 0 and 1, and their backward addSlice", arguments: scalarTypes)
    func slicing(_ type: any TensorScalar.Type) { checkSlicing(type) }
    func checkSlicing<T: TensorScalar>(_: T.Type) {
        for (index, dims) in [[6], [5, 4], [4, 5, 3]].enumerated() {
            let x = uniformTensor(T.self, Shape(dims), seed: UInt64(1300 + index))
            let v = doubles(x)
            for axis in 0..<min(2, dims.count) {
                for range in [0..<1, 1..<3, 0..<dims[axis], 2..<2] {
                    var outDims = dims
                    outDims[axis] = range.count
                    let s = axis == 0 ? x.slicing(rows: range) : x.slicing(columns: range)
                    expectTensor(s, shape: Shape(outDims), naiveSlice(v, dims, axis: axis, range), relative: 0,
                                 "slice \(dims) axis \(axis) \(range)")
                    // addSlice adds g into exactly the sliced positions.
                    let g = uniformTensor(T.self, Shape(outDims), seed: UInt64(1400 + index))
                    var out = Tensor<T>(shape: Shape(dims), repeating: 1)
                    Tensor.addSlice(g, axis: axis, range: range, into: &out)
                    var expected = [Double](repeating: 1, count: v.count)
                    let strides = rowMajorStrides(dims)
                    let positions = allIndices(dims).filter { range.contains($0[axis]) }.map { zip($0, strides).map(*).reduce(0, +) }
                    for (p, gv) in zip(positions, doubles(g)) { expected[p] += gv }
                    expectClose(out.scalars, expected, relative: T.ulps16, "addSlice \(dims) axis \(axis) \(range)")
                }
            }
        }
    }

    @Test("concatenation along axis 0 and 1 inverts slicing", arguments: scalarTypes)
    func concatenation(_ type: any TensorScalar.Type) { checkConcatenation(type) }
    func checkConcatenation<T: TensorScalar>(_: T.Type) {
        for (index, dims) in [[7], [5, 4], [3, 6, 2]].enumerated() {
            let x = uniformTensor(T.self, Shape(dims), seed: UInt64(1500 + index))
            for axis in 0..<min(2, dims.count) {
                let n = dims[axis]
                let cuts = [0..<2, 2..<2, 2..<(n - 1), (n - 1)..<n]
                let parts = cuts.map { axis == 0 ? x.slicing(rows: $0) : x.slicing(columns: $0) }
                let joined = Tensor.concatenating(parts, axis: axis)
                #expect(joined == x, "concatenate slices of \(dims) along \(axis)")
                var into = Tensor<T>.zeros(Shape(1))
                Tensor.concatenate([x, x], axis: axis, into: &into)
                var doubled = dims
                doubled[axis] *= 2
                let v = doubles(x)
                var expected: [Double] = []
                // Row-major: for each outer block, x's slab then x's slab again.
                let outer = dims[..<axis].reduce(1, *), slab = dims[axis...].reduce(1, *)
                for o in 0..<outer { expected += v[(o * slab)..<((o + 1) * slab)] + v[(o * slab)..<((o + 1) * slab)] }
                expectTensor(into, shape: Shape(doubled), expected, relative: 0, "concatenate [x, x] \(dims) axis \(axis)")
            }
        }
    }

    @Test("gather rows, and scatterAdd summing repeated indices", arguments: scalarTypes)
    func gatherScatter(_ type: any TensorScalar.Type) { checkGatherScatter(type) }
    func checkGatherScatter<T: TensorScalar>(_: T.Type) {
        for (index, dims) in [[6], [6, 3], [6, 2, 2]].enumerated() {
            let x = uniformTensor(T.self, Shape(dims), seed: UInt64(1600 + index))
            let v = doubles(x)
            let rowSize = dims.dropFirst().reduce(1, *)
            let indices = [5, 0, 2, 2, 5, 1, 2]
            let g = x.gathering(rows: indices)
            var gDims = dims
            gDims[0] = indices.count
            expectTensor(g, shape: Shape(gDims), indices.flatMap { v[($0 * rowSize)..<(($0 + 1) * rowSize)] }, relative: 0,
                         "gather \(dims)")
            let upstream = uniformTensor(T.self, Shape(gDims), seed: UInt64(1700 + index))
            var out = Tensor<T>(shape: Shape(dims), repeating: 0.5)
            indices.map(Int32.init).withUnsafeBufferPointer { Tensor.scatterAdd(upstream, rows: $0, into: &out) }
            var expected = [Double](repeating: 0.5, count: v.count)
            let u = doubles(upstream)
            for (i, row) in indices.enumerated() { for j in 0..<rowSize { expected[row * rowSize + j] += u[i * rowSize + j] } }
            expectClose(out.scalars, expected, relative: 4 * T.ulps16, "scatterAdd \(dims)")
            var into = Tensor<T>.zeros(Shape(1))
            [Int32]([]).withUnsafeBufferPointer { Tensor.gather(x, rows: $0, into: &into) }
            var emptyDims = dims
            emptyDims[0] = 0
            #expect(into.shape == Shape(emptyDims))
        }
    }
}
