import MixTensor
import MixTensorTestSupport
import Testing

/// `alpha * op(A) op(B) + beta * C0` by the textbook triple loop in `Double`, with the
/// sum of `|A||B|` per entry, which bounds the rounding error of any summation order
/// (Higham: `|error| <= k u sum |a||b|` to first order).
func naiveMatmul(_ a: [Double], _ aDims: (Int, Int), transposeA: Bool,
                 _ b: [Double], _ bDims: (Int, Int), transposeB: Bool,
                 alpha: Double = 1, beta: Double = 0, c0: [Double]? = nil) -> (value: [Double], magnitude: [Double], m: Int, n: Int, k: Int) {
    let m = transposeA ? aDims.1 : aDims.0, k = transposeA ? aDims.0 : aDims.1
    let n = transposeB ? bDims.0 : bDims.1
    var value = [Double](repeating: 0, count: m * n), magnitude = value
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0, s1 = 0.0
            for l in 0..<k {
                let x = transposeA ? a[l * aDims.1 + i] : a[i * aDims.1 + l]
                let y = transposeB ? b[j * bDims.1 + l] : b[l * bDims.1 + j]
                s += x * y; s1 += abs(x * y)
            }
            let prior = c0.map { $0[i * n + j] } ?? 0
            value[i * n + j] = alpha * s + beta * prior
            magnitude[i * n + j] = abs(alpha) * s1 + abs(beta * prior)
        }
    }
    return (value, magnitude, m, n, k)
}

/// Expects `actual` within `(k + 2) u` times the magnitude bound of the naive product.
func expectProduct<T: TensorScalar>(_ actual: Tensor<T>, _ reference: (value: [Double], magnitude: [Double], m: Int, n: Int, k: Int),
                                    _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let u = Double(T.ulpOfOne)
    for (i, x) in actual.scalars.enumerated() {
        let bound = Double(reference.k + 2) * u * reference.magnitude[i] + Double.leastNormalMagnitude
        if abs(Double(x) - reference.value[i]) > bound {
            Issue.record("\(what) [\(T.self)] element \(i): got \(x), expected \(reference.value[i]) ± \(bound)",
                         sourceLocation: sourceLocation)
            return
        }
    }
}

@Suite("Matrix products")
struct MatMulTests {
    static let sizes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (5, 7, 3), (17, 6, 9), (4, 33, 40)]

    @Test("every transpose combination against the naive product", arguments: scalarTypes)
    func transposeCombinations(_ type: any TensorScalar.Type) { check(type) }
    func check<T: TensorScalar>(_: T.Type) {
        for (index, size) in Self.sizes.enumerated() {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let (m, n, k) = size
                    let aDims = transposeA ? (k, m) : (m, k), bDims = transposeB ? (n, k) : (k, n)
                    let a = uniformTensor(T.self, Shape(aDims.0, aDims.1), seed: UInt64(10 + index))
                    let b = uniformTensor(T.self, Shape(bDims.0, bDims.1), seed: UInt64(20 + index))
                    let c = Tensor.matmul(a, transposed: transposeA, b, transposed: transposeB)
                    #expect(c.shape == Shape(m, n))
                    let ref = naiveMatmul(doubles(a), aDims, transposeA: transposeA, doubles(b), bDims, transposeB: transposeB)
                    expectProduct(c, ref, "matmul \(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")")
                }
            }
        }
    }

    @Test("alpha and beta: C = alpha op(A) op(B) + beta C accumulates in place", arguments: scalarTypes)
    func betaAccumulate(_ type: any TensorScalar.Type) { checkBeta(type) }
    func checkBeta<T: TensorScalar>(_: T.Type) {
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let (m, n, k) = (6, 5, 4)
                let aDims = transposeA ? (k, m) : (m, k), bDims = transposeB ? (n, k) : (k, n)
                let a = uniformTensor(T.self, Shape(aDims.0, aDims.1), seed: 31)
                let b = uniformTensor(T.self, Shape(bDims.0, bDims.1), seed: 32)
                var c = uniformTensor(T.self, Shape(m, n), seed: 33)
                let c0 = doubles(c)
                let before = c.withUnsafePointer { $0 }
                Tensor.matmul(a, transposed: transposeA, b, transposed: transposeB, alpha: T(0.5), beta: T(2), into: &c)
                #expect(c.withUnsafePointer { $0 } == before, "accumulating matmul writes into C's own buffer")
                let ref = naiveMatmul(doubles(a), aDims, transposeA: transposeA, doubles(b), bDims, transposeB: transposeB,
                                      alpha: 0.5, beta: 2, c0: c0)
                expectProduct(c, ref, "beta-accumulate \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")")
            }
        }
        // beta == 0 ignores C's old contents entirely, even NaN.
        var c = Tensor<T>(shape: Shape(2, 2), repeating: .nan)
        Tensor.matmul(Tensor<T>(rows: [[1, 2], [3, 4]]), Tensor<T>(rows: [[1, 0], [0, 1]]), into: &c)
        expectTensor(c, shape: Shape(2, 2), [1, 2, 3, 4], relative: 0, "beta = 0 over NaN")
    }

    @Test("stacked rows: a rank-3 input times a shared matrix is one product over the stacked rows", arguments: scalarTypes)
    func stackedRows(_ type: any TensorScalar.Type) { checkStacked(type) }
    func checkStacked<T: TensorScalar>(_: T.Type) {
        let (stack, rows, k, n) = (3, 4, 5, 6)
        let x = uniformTensor(T.self, Shape(stack, rows, k), seed: 41)
        for transposeB in [false, true] {
            let w = uniformTensor(T.self, transposeB ? Shape(n, k) : Shape(k, n), seed: 42)
            let y = Tensor.matmul(x, w, transposed: transposeB)
            #expect(y.shape == Shape(stack, rows, n))
            let ref = naiveMatmul(doubles(x), (stack * rows, k), transposeA: false,
                                  doubles(w), transposeB ? (n, k) : (k, n), transposeB: transposeB)
            expectProduct(y, ref, "stacked rows, B \(transposeB ? "transposed" : "plain")")
            // Slice by slice, the same as separate matrix products.
            for s in 0..<stack {
                let slice = x.slicing(rows: s..<(s + 1)).reshaped(rows, k)
                let ys = Tensor.matmul(slice, w, transposed: transposeB)
                let expected = Array(y.scalars[(s * rows * n)..<((s + 1) * rows * n)]).map { Double($0) }
                expectClose(ys.scalars, expected, relative: T.ulps16, absolute: T.ulps16, "slice \(s)")
            }
        }
    }

    @Test("batchedMatmul: independent products per batch entry, every transpose combination, with beta", arguments: scalarTypes)
    func batched(_ type: any TensorScalar.Type) { checkBatched(type) }
    func checkBatched<T: TensorScalar>(_: T.Type) {
        let (batch, m, n, k) = (3, 4, 2, 5)
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let aDims = transposeA ? (k, m) : (m, k), bDims = transposeB ? (n, k) : (k, n)
                let a = uniformTensor(T.self, Shape(batch, aDims.0, aDims.1), seed: 51)
                let b = uniformTensor(T.self, Shape(batch, bDims.0, bDims.1), seed: 52)
                let c = Tensor.batchedMatmul(a, transposed: transposeA, b, transposed: transposeB)
                #expect(c.shape == Shape(batch, m, n))
                var accumulated = uniformTensor(T.self, Shape(batch, m, n), seed: 53)
                let c0 = doubles(accumulated)
                Tensor.batchedMatmul(a, transposed: transposeA, b, transposed: transposeB, alpha: T(-1), beta: T(0.25), into: &accumulated)
                let (av, bv) = (doubles(a), doubles(b))
                for i in 0..<batch {
                    let aSlice = Array(av[(i * m * k)..<((i + 1) * m * k)]), bSlice = Array(bv[(i * n * k)..<((i + 1) * n * k)])
                    let ref = naiveMatmul(aSlice, aDims, transposeA: transposeA, bSlice, bDims, transposeB: transposeB)
                    let entry = Tensor(Array(c.scalars[(i * m * n)..<((i + 1) * m * n)]))
                    expectProduct(entry, ref, "batched entry \(i) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")")
                    let refBeta = naiveMatmul(aSlice, aDims, transposeA: transposeA, bSlice, bDims, transposeB: transposeB,
                                              alpha: -1, beta: 0.25, c0: Array(c0[(i * m * n)..<((i + 1) * m * n)]))
                    let entryBeta = Tensor(Array(accumulated.scalars[(i * m * n)..<((i + 1) * m * n)]))
                    expectProduct(entryBeta, refBeta, "batched beta entry \(i)")
                }
            }
        }
    }

    @Test("an empty inner dimension gives zeros (or beta C), never stale memory", arguments: scalarTypes)
    func emptyInner(_ type: any TensorScalar.Type) { checkEmpty(type) }
    func checkEmpty<T: TensorScalar>(_: T.Type) {
        let a = Tensor<T>.zeros(Shape(4, 0)), b = Tensor<T>.zeros(Shape(0, 3))
        var c = Tensor<T>(shape: Shape(4, 3), repeating: .nan)
        Tensor.matmul(a, b, into: &c)
        expectTensor(c, shape: Shape(4, 3), [Double](repeating: 0, count: 12), relative: 0, "k = 0")
        var d = Tensor<T>(shape: Shape(4, 3), repeating: 2)
        Tensor.matmul(a, b, beta: T(3), into: &d)
        expectTensor(d, shape: Shape(4, 3), [Double](repeating: 6, count: 12), relative: 0, "k = 0 with beta")
        let stacked = Tensor.matmul(Tensor<T>.zeros(Shape(2, 3, 0)), Tensor<T>.zeros(Shape(0, 5)))
        expectTensor(stacked, shape: Shape(2, 3, 5), [Double](repeating: 0, count: 30), relative: 0, "stacked k = 0")
        let batched = Tensor.batchedMatmul(Tensor<T>.zeros(Shape(2, 3, 0)), Tensor<T>.zeros(Shape(2, 0, 4)))
        expectTensor(batched, shape: Shape(2, 3, 4), [Double](repeating: 0, count: 24), relative: 0, "batched k = 0")
        let none = Tensor.matmul(Tensor<T>.zeros(Shape(0, 3)), Tensor<T>.zeros(Shape(3, 2)))
        #expect(none.shape == Shape(0, 2))
    }

    @Test("matmul(into:) reuses an unshared output buffer and copies a shared one", arguments: scalarTypes)
    func bufferReuse(_ type: any TensorScalar.Type) { checkReuse(type) }
    func checkReuse<T: TensorScalar>(_: T.Type) {
        let a = uniformTensor(T.self, Shape(8, 4), seed: 61), b = uniformTensor(T.self, Shape(4, 8), seed: 62)
        var c = Tensor<T>.zeros(Shape(8, 8))
        let buffer = c.withUnsafePointer { $0 }
        Tensor.matmul(a, b, into: &c)
        Tensor.matmul(a, transposed: true, a, into: &c)     // 4 x 4 fits in the 8 x 8 buffer
        #expect(c.shape == Shape(4, 4))
        #expect(c.withUnsafePointer { $0 } == buffer)
        let shared = c
        Tensor.matmul(a, b, into: &c)
        #expect(c.withUnsafePointer { $0 } != buffer, "a shared output is not overwritten")
        #expect(shared.shape == Shape(4, 4))
        let ref = naiveMatmul(doubles(a), (8, 4), transposeA: true, doubles(a), (8, 4), transposeB: false)
        expectProduct(shared, ref, "the shared copy keeps its value")
    }
}
