import MixTensor
import MixTensorTestSupport
import Testing

/// The elements of `dims` whose index along `axis` lies in `range`, in row-major order.
func naiveSlice(_ v: [Double], _ dims: [Int], axis: Int, _ range: Range<Int>) -> [Double] {
    let strides = rowMajorStrides(dims)
    return allIndices(dims).filter { range.contains($0[axis]) }.map { v[zip($0, strides).map(*).reduce(0, +)] }
}

@Suite("Slicing, concatenation and gather")
struct IndexingTests {
    @Test("slices along axis 0 and 1", arguments: scalarTypes)
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

    @Test("gather rows, repeats allowed", arguments: scalarTypes)
    func gather(_ type: any TensorScalar.Type) { checkGather(type) }
    func checkGather<T: TensorScalar>(_: T.Type) {
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
            var into = Tensor<T>.zeros(Shape(1))
            [Int32]([]).withUnsafeBufferPointer { Tensor.gather(x, rows: $0, into: &into) }
            var emptyDims = dims
            emptyDims[0] = 0
            #expect(into.shape == Shape(emptyDims))
        }
    }
}
