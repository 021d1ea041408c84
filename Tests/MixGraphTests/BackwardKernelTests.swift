import Foundation
import MixGraph
import MixTensorTestSupport
import Testing

// The backward kernels MixGraph keeps for its tape (moved from MixTensor with their
// tests): each against an independent double-precision reference, for `Float` and
// `Double`. The tape-level checks of the same rules are in GradientTests.swift.

@Suite("Backward kernels")
struct BackwardKernelTests {
    @Test("unary backward matches central finite differences (Double)")
    func unaryFiniteDifferences() {
        for (index, c) in unaryCases.enumerated() {
            let x = unaryInputs(Double.self, c.op, c.lower, c.upper, count: 64, seed: UInt64(700 + index))
            let g = uniformTensor(Double.self, x.shape, seed: UInt64(800 + index))
            let y = x.applying(c.op)
            var dx = Tensor<Double>.zeros(Shape())
            Tensor.applyBackward(c.op, input: x, output: y, gradient: g, into: &dx)
            // Central difference of the op itself, step scaled to |x|: error O(h^2 f''') + O(u f / h).
            var expected: [Double] = []
            for (xi, gi) in zip(doubles(x), doubles(g)) {
                let h = 1e-5 * Swift.max(1, Swift.abs(xi))
                let plus = Tensor<Double>([xi + h]).applying(c.op).scalar, minus = Tensor<Double>([xi - h]).applying(c.op).scalar
                expected.append(gi * (plus - minus) / (2 * h))
            }
            expectClose(dx.scalars, expected, relative: 1e-6, absolute: 1e-8, "d \(c.op) by finite differences")
            var acc = g
            Tensor.applyBackward(c.op, input: x, output: y, gradient: g, into: &acc, accumulate: true)
            expectClose(acc.scalars, zip(expected, doubles(g)).map(+), relative: 1e-6, absolute: 1e-8, "d \(c.op) accumulate")
        }
    }

    @Test("unary backward matches the analytic derivative", arguments: scalarTypes)
    func unaryAnalytic(_ type: any TensorScalar.Type) { checkUnaryAnalytic(type) }
    func checkUnaryAnalytic<T: TensorScalar>(_: T.Type) {
        for (index, c) in unaryCases.enumerated() {
            let x = unaryInputs(T.self, c.op, c.lower, c.upper, count: 100, seed: UInt64(900 + index))
            let g = uniformTensor(T.self, x.shape, seed: UInt64(950 + index))
            var dx = Tensor<T>.zeros(Shape())
            Tensor.applyBackward(c.op, input: x, output: x.applying(c.op), gradient: g, into: &dx)
            let expected = zip(doubles(x), doubles(g)).map { unaryReference(c.op, $0).derivative * $1 }
            // Derivatives from the output (tanh, sigmoid, exp, sqrt) inherit its rounding.
            expectClose(dx.scalars, expected, relative: 4 * T.ulps16, absolute: 4 * T.ulps16, "d \(c.op)")
        }
    }

    @Test("softplus' and sigmoid' stay finite at +-100 and +-1000", arguments: scalarTypes)
    func extremeSoftplusSigmoid(_ type: any TensorScalar.Type) { checkExtremeSoftplus(type) }
    func checkExtremeSoftplus<T: TensorScalar>(_: T.Type) {
        let x = Tensor<T>([100, -100, 1000, -1000, 0])
        // e^-100 (about 3.7e-44) is subnormal in Float: allow its coarse spacing.
        let tiny = 2 * Double(T.leastNonzeroMagnitude)
        var d = Tensor<T>.zeros(Shape())
        Tensor.applyBackward(.softplus, input: x, output: x.softplus(), gradient: .ones(x.shape), into: &d)
        expectClose(d.scalars, [1, Foundation.exp(-100), 1, 0, 0.5], relative: T.ulps16, absolute: tiny, "softplus' at extremes")
        Tensor.applyBackward(.sigmoid, input: x, output: x.sigmoid(), gradient: .ones(x.shape), into: &d)
        expectClose(d.scalars, [0, Foundation.exp(-100), 0, 0, 0.25], relative: T.ulps16, absolute: tiny, "sigmoid' at extremes")
    }

    /// The broadcasting cases: (left shape, right shape, result shape).
    static let broadcastCases: [([Int], [Int], [Int])] = [
        ([3, 4], [3, 4], [3, 4]), ([3, 4], [1, 4], [3, 4]), ([3, 4], [4], [3, 4]), ([4], [3, 4], [3, 4]),
        ([3, 4], [3, 1], [3, 4]), ([3, 1], [3, 4], [3, 4]), ([3, 4], [], [3, 4]), ([], [3, 4], [3, 4]),
        ([3, 4], [1, 1], [3, 4]), ([3, 1], [1, 4], [3, 4]), ([1, 4], [3, 1], [3, 4]), ([2, 3, 4], [4], [2, 3, 4]),
        ([2, 3, 4], [2, 3, 1], [2, 3, 4]), ([2, 3, 4], [2, 3, 4], [2, 3, 4]), ([5, 1], [5, 1], [5, 1]),
    ]

    @Test("reduce(toBroadcastShape:) is the adjoint of broadcasting", arguments: scalarTypes)
    func reduceToBroadcast(_ type: any TensorScalar.Type) { checkReduceToBroadcast(type) }
    func checkReduceToBroadcast<T: TensorScalar>(_: T.Type) {
        for (index, (aDims, bDims, resultDims)) in Self.broadcastCases.enumerated() {
            let g = uniformTensor(T.self, Shape(resultDims), seed: UInt64(500 + index))
            let (rows, columns) = Shape(resultDims).matrixView
            for dims in [aDims, bDims] {
                let shape = Shape(dims)
                let (r, c) = shape.matrixView
                var expected = [Double](repeating: 0, count: shape.count)
                let gv = doubles(g)
                for i in 0..<rows { for j in 0..<columns { expected[(r == 1 ? 0 : i) * c + (c == 1 ? 0 : j)] += gv[i * columns + j] } }
                var out = Tensor<T>.zeros(Shape())
                Tensor.reduce(g, toBroadcastShape: shape, into: &out)
                let tolerance = Double(rows * columns) * Double(T.ulpOfOne)
                #expect(out.shape == shape, "reduce \(resultDims) to \(dims): shape \(out.shape)")
                expectClose(out.scalars, expected, relative: tolerance, absolute: tolerance, "reduce \(resultDims) to \(dims)")
                var acc = Tensor<T>(shape: shape, repeating: 2)
                Tensor.reduce(g, toBroadcastShape: shape, into: &acc, accumulate: true)
                expectClose(acc.scalars, expected.map { $0 + 2 }, relative: tolerance, absolute: tolerance,
                            "reduce \(resultDims) to \(dims) accumulate")
                // <g, broadcast(x)> = <reduce(g), x> for the broadcasting of x along the other operand.
                let x = uniformTensor(T.self, shape, seed: UInt64(600 + index))
                let broadcast = x + Tensor<T>.zeros(Shape(resultDims))
                let lhs = zip(doubles(g), doubles(broadcast)).map(*).reduce(0, +)
                let rhs = zip(doubles(out), doubles(x)).map(*).reduce(0, +)
                #expect(Swift.abs(lhs - rhs) <= 4 * tolerance * (1 + Swift.abs(lhs)), "adjoint \(resultDims) -> \(dims)")
            }
        }
    }

    @Test("scatterAdd sums repeated indices", arguments: scalarTypes)
    func scatterAdd(_ type: any TensorScalar.Type) { checkScatterAdd(type) }
    func checkScatterAdd<T: TensorScalar>(_: T.Type) {
        for (index, dims) in [[6], [6, 3], [6, 2, 2]].enumerated() {
            let rowSize = dims.dropFirst().reduce(1, *)
            let indices = [5, 0, 2, 2, 5, 1, 2]
            var gDims = dims
            gDims[0] = indices.count
            let upstream = uniformTensor(T.self, Shape(gDims), seed: UInt64(1700 + index))
            var out = Tensor<T>(shape: Shape(dims), repeating: 0.5)
            indices.map(Int32.init).withUnsafeBufferPointer { Tensor.scatterAdd(upstream, rows: $0, into: &out) }
            var expected = [Double](repeating: 0.5, count: Shape(dims).count)
            let u = doubles(upstream)
            for (i, row) in indices.enumerated() { for j in 0..<rowSize { expected[row * rowSize + j] += u[i * rowSize + j] } }
            expectClose(out.scalars, expected, relative: 4 * T.ulps16, "scatterAdd \(dims)")
        }
    }
}
