import MixTensor
import MixTensorTestSupport
import Testing

@Suite("Tensors: creation, shape, copy-on-write")
struct TensorTests {
    @Test("shapes: rank, count, matrix view, split, replacing")
    func shapes() {
        #expect(Shape().rank == 0 && Shape().count == 1 && Shape().matrixView == (1, 1))
        #expect(Shape(5).matrixView == (1, 5))
        #expect(Shape(2, 3, 4).count == 24 && Shape(2, 3, 4).matrixView == (6, 4))
        #expect(Shape(2, 3, 4, 5).matrixView == (24, 5) && Shape(2, 3, 4, 5).dims == [2, 3, 4, 5])
        #expect(Shape(3, 0).matrixView == (3, 0) && Shape(2, 3, 0).matrixView == (6, 0))
        #expect(Shape(2, 3, 4).split(at: 1) == (2, 3, 4) && Shape(2, 3, 4).split(at: 0) == (1, 2, 12))
        #expect(Shape(2, 3, 4).replacing(axis: 2, with: 7) == Shape(2, 3, 7))
        #expect(Shape([2, 3]) == Shape(2, 3) && Shape([]) == Shape())
        #expect(Shape(1) != Shape(1, 1), "rank is part of a shape")
        #expect(Shape(2, 3, 4).description == "[2, 3, 4]" && Shape().description == "[]")
    }

    @Test("creation, element access and conversion", arguments: scalarTypes)
    func creation(_ type: any TensorScalar.Type) { checkCreation(type) }
    func checkCreation<T: TensorScalar>(_: T.Type) {
        #expect(Tensor<T>.zeros(Shape(2, 3)).scalars == [T](repeating: 0, count: 6))
        #expect(Tensor<T>.ones(Shape(4)).scalars == [T](repeating: 1, count: 4))
        #expect(Tensor<T>(shape: Shape(2), repeating: 7).scalars == [7, 7])
        let m = Tensor<T>(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == Shape(2, 3) && m.rank == 2 && m.count == 6)
        #expect(m[1, 0] == 4 && m[0, 2] == 3)
        #expect(m == Tensor<T>(shape: Shape(2, 3), scalars: [1, 2, 3, 4, 5, 6]))
        #expect(m != Tensor<T>(shape: Shape(3, 2), scalars: [1, 2, 3, 4, 5, 6]), "equal elements, different shapes")
        #expect(Tensor<T>(scalar: 2.5).scalar == 2.5 && Tensor<T>(scalar: 2.5).rank == 0)
        #expect(Tensor<T>([1, 2]).shape == Shape(2))
        let r = m.reshaped(3, 2)
        #expect(r.shape == Shape(3, 2) && r.scalars == m.scalars && r[2, 1] == 6)
        #expect(m.transposed() == Tensor<T>(rows: [[1, 4], [2, 5], [3, 6]]))
        let d: Tensor<Double> = m.converted()
        #expect(d.shape == m.shape && d.scalars == [1, 2, 3, 4, 5, 6])
        let f = Tensor<Float>(rows: [[0.1]]).converted(to: T.self)
        #expect(f.scalars == [T(Float(0.1))])
        #expect(m.description.hasPrefix("Tensor[2, 3](1"))
    }

    @Test("copies share storage until written (copy-on-write)", arguments: scalarTypes)
    func copyOnWrite(_ type: any TensorScalar.Type) { checkCopyOnWrite(type) }
    func checkCopyOnWrite<T: TensorScalar>(_: T.Type) {
        var a = Tensor<T>(rows: [[1, 2], [3, 4]])
        let b = a
        #expect(a.withUnsafePointer { $0 } == b.withUnsafePointer { $0 }, "a copy is O(1)")
        a[0, 1] = 9
        #expect(a[0, 1] == 9 && b[0, 1] == 2, "writing to a copy leaves the original alone")
        let view = a.reshaped(4)
        a.fill(0)
        #expect(view.scalars == [1, 9, 3, 4] && a.scalars == [0, 0, 0, 0])
        var c = Tensor<T>.zeros(Shape(3, 3))
        let buffer = c.withUnsafePointer { $0 }
        c.assign(b)
        #expect(c == b && c.withUnsafePointer { $0 } == buffer, "assign reuses a large enough unshared buffer")
        c.prepare(shape: Shape(2, 4))
        #expect(c.shape == Shape(2, 4) && c.withUnsafePointer { $0 } == buffer)
        let keep = c
        c.prepare(shape: Shape(2, 4))
        #expect(c.withUnsafePointer { $0 } != buffer && keep.withUnsafePointer { $0 } == buffer,
                "prepare never hands out a shared buffer")
        c.prepare(shape: Shape(10, 10))
        #expect(c.count == 100)
    }

    @Test("allocation counter counts tensor buffers")
    func allocationCounter() {
        // Other tests allocate concurrently, so only a lower bound can be checked here;
        // buffer reuse itself is checked by pointer identity in the other tests.
        let before = AllocationCounter.bufferCount, bytesBefore = AllocationCounter.byteCount
        let t = Tensor<Double>.zeros(Shape(8, 8))
        #expect(AllocationCounter.bufferCount >= before + 1)
        #expect(AllocationCounter.byteCount >= bytesBefore + 8 * 8 * 8)
        #expect(t.count == 64)
    }
}
