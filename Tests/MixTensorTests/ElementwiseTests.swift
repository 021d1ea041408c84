import Foundation
import MixTensor
import MixTensorTestSupport
import Testing

@Suite("Element-wise operations")
struct ElementwiseTests {
    @Test("every unary op against a double-precision reference", arguments: scalarTypes)
    func unary(_ type: any TensorScalar.Type) { checkUnary(type) }
    func checkUnary<T: TensorScalar>(_: T.Type) {
        for (index, c) in unaryCases.enumerated() {
            let x = unaryInputs(T.self, c.op, c.lower, c.upper, count: 200, seed: UInt64(100 + index))
            let y = x.applying(c.op)
            #expect(y.shape == x.shape)
            let expected = doubles(x).map { unaryReference(c.op, $0).value }
            expectClose(y.scalars, expected, relative: T.ulps16, absolute: T.ulps16, "\(c.op)")
            // The accumulating form adds onto what is there.
            var acc = Tensor<T>.ones(x.shape)
            Tensor.apply(c.op, x, into: &acc, accumulate: true)
            expectClose(acc.scalars, expected.map { $0 + 1 }, relative: T.ulps16, absolute: T.ulps16, "\(c.op) accumulate")
        }
        // The named conveniences are the same ops.
        let x = uniformTensor(T.self, Shape(3, 4), 0.1, 2, seed: 99)
        #expect(x.exp() == x.applying(.exp) && x.log() == x.applying(.log) && x.tanh() == x.applying(.tanh))
        #expect(x.relu() == x.applying(.relu) && x.softplus() == x.applying(.softplus) && x.sigmoid() == x.applying(.sigmoid))
        #expect(x.squared() == x.applying(.square) && x.squareRoot() == x.applying(.sqrt) && -x == x.applying(.negate))
        #expect(x.clamped(to: T(0.5)...T(1.5)) == x.applying(.clamp(lower: 0.5, upper: 1.5)))
    }

    @Test("scalar operators and in-place scale/add", arguments: scalarTypes)
    func scalarOperators(_ type: any TensorScalar.Type) { checkScalarOperators(type) }
    func checkScalarOperators<T: TensorScalar>(_: T.Type) {
        let x = uniformTensor(T.self, Shape(2, 5), seed: 98), y = uniformTensor(T.self, Shape(2, 5), seed: 97)
        let xv = doubles(x), yv = doubles(y)
        let tol = T.ulps16
        expectClose((x + T(2)).scalars, xv.map { $0 + 2 }, relative: tol, absolute: tol, "x + s")
        expectClose((x - T(2)).scalars, xv.map { $0 - 2 }, relative: tol, absolute: tol, "x - s")
        expectClose((x * T(3)).scalars, xv.map { $0 * 3 }, relative: tol, absolute: tol, "x * s")
        expectClose((T(3) * x).scalars, xv.map { $0 * 3 }, relative: tol, absolute: tol, "s * x")
        var z = x
        z.scale(by: T(-2))
        expectClose(z.scalars, xv.map { -2 * $0 }, relative: 0, "scale(by:)")
        expectClose(x.scalars, xv, relative: 0, "scaling a copy leaves the original alone")
        z.add(y, scaledBy: T(0.5))
        expectClose(z.scalars, zip(xv, yv).map { -2 * $0 + 0.5 * $1 }, relative: tol, absolute: tol, "add(_:scaledBy:)")
    }

    /// The broadcasting cases: (left shape, right shape, result shape).
    static let broadcastCases: [([Int], [Int], [Int])] = [
        ([3, 4], [3, 4], [3, 4]),           // same shape
        ([3, 4], [1, 4], [3, 4]),           // rows: a bias row
        ([3, 4], [4], [3, 4]),              // rows, rank-1 operand
        ([4], [3, 4], [3, 4]),              // rows, on the left
        ([3, 4], [3, 1], [3, 4]),           // columns
        ([3, 1], [3, 4], [3, 4]),           // columns, on the left
        ([3, 4], [], [3, 4]),               // scalar
        ([], [3, 4], [3, 4]),               // scalar on the left
        ([3, 4], [1, 1], [3, 4]),           // one-element matrix
        ([3, 1], [1, 4], [3, 4]),           // outer
        ([1, 4], [3, 1], [3, 4]),           // outer, other way round
        ([2, 3, 4], [4], [2, 3, 4]),        // rank 3 with a row
        ([2, 3, 4], [2, 3, 1], [2, 3, 4]),  // rank 3 with a column
        ([2, 3, 4], [2, 3, 4], [2, 3, 4]),  // rank 3, same shape
        ([5, 1], [5, 1], [5, 1]),           // column vectors
    ]

    /// The element of a broadcast operand (given by its matrix view) at result matrix position (r, c).
    static func broadcastElement(_ v: [Double], _ dims: [Int], _ r: Int, _ c: Int) -> Double {
        let rows: Int, columns: Int
        switch dims.count {
        case 0: (rows, columns) = (1, 1)
        case 1: (rows, columns) = (1, dims[0])
        default: columns = dims.last ?? 1; rows = dims.dropLast().reduce(1, *)
        }
        return v[(rows == 1 ? 0 : r) * columns + (columns == 1 ? 0 : c)]
    }

    static func binaryReference(_ op: BinaryOp, _ a: Double, _ b: Double) -> Double {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .minimum: return Swift.min(a, b)
        case .maximum: return Swift.max(a, b)
        }
    }

    @Test("binary ops broadcast rows, columns, scalars and outer products", arguments: scalarTypes)
    func broadcasting(_ type: any TensorScalar.Type) { checkBroadcasting(type) }
    func checkBroadcasting<T: TensorScalar>(_: T.Type) {
        for (index, (aDims, bDims, resultDims)) in Self.broadcastCases.enumerated() {
            let a = uniformTensor(T.self, Shape(aDims), seed: UInt64(200 + index))
            // Denominators away from zero: magnitude in [0.5, 2), random sign.
            var b = uniformTensor(T.self, Shape(bDims), 0.5, 2, seed: UInt64(300 + index))
            let bCount = b.count
            b.withUnsafeMutablePointer { p in for i in 0..<bCount where i % 3 == 1 { p[i] = -p[i] } }
            let plan = Broadcast(Shape(aDims), Shape(bDims))
            #expect(plan.shape == Shape(resultDims), "broadcast \(aDims) with \(bDims)")
            let (rows, columns) = Shape(resultDims).matrixView
            for op in [BinaryOp.add, .subtract, .multiply, .divide, .minimum, .maximum] {
                let c = a.applying(op, b)
                var expected: [Double] = []
                for r in 0..<rows {
                    for col in 0..<columns {
                        expected.append(Self.binaryReference(op, Self.broadcastElement(doubles(a), aDims, r, col),
                                                             Self.broadcastElement(doubles(b), bDims, r, col)))
                    }
                }
                expectTensor(c, shape: Shape(resultDims), expected, relative: T.ulps16, absolute: T.ulps16,
                             "\(op) \(aDims) with \(bDims)")
                var acc = Tensor<T>(shape: Shape(resultDims), repeating: 1)
                Tensor.apply(op, a, b, into: &acc, accumulate: true)
                expectClose(acc.scalars, expected.map { $0 + 1 }, relative: T.ulps16, absolute: T.ulps16,
                            "\(op) \(aDims) with \(bDims) accumulate")
            }
        }
        // The operators are the same ops.
        let a = uniformTensor(T.self, Shape(2, 3), seed: 401), b = uniformTensor(T.self, Shape(3), 0.5, 1, seed: 402)
        #expect(a + b == a.applying(.add, b) && a - b == a.applying(.subtract, b))
        #expect(a * b == a.applying(.multiply, b) && a / b == a.applying(.divide, b))
        #expect(Tensor.minimum(a, b) == a.applying(.minimum, b) && Tensor.maximum(a, b) == a.applying(.maximum, b))
    }
}
