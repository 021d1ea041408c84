import Foundation
import MixTensor
import MixTensorTestSupport
import Testing

/// Naive reduction along `axis`: for every output position, the list of inputs it reduces.
func reductionGroups(_ dims: [Int], axis: Int) -> [[Int]] {
    let strides = rowMajorStrides(dims)
    var outDims = dims
    outDims[axis] = 1
    return allIndices(outDims).map { index in
        (0..<dims[axis]).map { l in
            var i = index
            i[axis] = l
            return zip(i, strides).map(*).reduce(0, +)
        }
    }
}

/// log(sum(exp(x))) in double precision, shifted by the maximum (the reference must not
/// overflow either).
func referenceLogSumExp(_ xs: [Double]) -> Double {
    guard let m = xs.max(), m.isFinite else { return xs.max() ?? -.infinity }
    return m + Foundation.log(xs.map { Foundation.exp($0 - m) }.reduce(0, +))
}

@Suite("Reductions and normalizations")
struct ReductionTests {
    static let shapes: [[Int]] = [[7], [4, 5], [1, 6], [6, 1], [2, 3, 4], [3, 1, 5]]

    @Test("sum, mean, max and logsumexp over every axis of ranks 1 to 3", arguments: scalarTypes)
    func reductions(_ type: any TensorScalar.Type) { checkReductions(type) }
    func checkReductions<T: TensorScalar>(_: T.Type) {
        for (index, dims) in Self.shapes.enumerated() {
            let x = uniformTensor(T.self, Shape(dims), -3, 3, seed: UInt64(1000 + index))
            let v = doubles(x)
            for axis in 0..<dims.count {
                var outDims = dims
                outDims[axis] = 1
                let groups = reductionGroups(dims, axis: axis)
                let length = Double(dims[axis])
                let tol = (length + 2) * Double(T.ulpOfOne) * 3   // values are O(1), sums of `length` terms
                expectTensor(x.sum(axis: axis), shape: Shape(outDims), groups.map { $0.map { v[$0] }.reduce(0, +) },
                             relative: tol, absolute: tol, "sum \(dims) axis \(axis)")
                expectTensor(x.mean(axis: axis), shape: Shape(outDims), groups.map { $0.map { v[$0] }.reduce(0, +) / length },
                             relative: tol, absolute: tol, "mean \(dims) axis \(axis)")
                expectTensor(x.max(axis: axis), shape: Shape(outDims), groups.map { $0.map { v[$0] }.max() ?? -.infinity },
                             relative: 0, "max \(dims) axis \(axis)")
                expectTensor(x.logSumExp(axis: axis), shape: Shape(outDims), groups.map { referenceLogSumExp($0.map { v[$0] }) },
                             relative: tol, absolute: tol, "logsumexp \(dims) axis \(axis)")
                var into = Tensor<T>.zeros(Shape())
                Tensor.reduce(.sum, x, axis: axis, into: &into)
                #expect(into == x.sum(axis: axis))
            }
        }
        let x = uniformTensor(T.self, Shape(3, 4), seed: 1100)
        let total = doubles(x).reduce(0, +)
        expectClose([x.sum()], [total], relative: 16 * Double(T.ulpOfOne), absolute: 16 * Double(T.ulpOfOne), "sum()")
        expectClose([x.mean()], [total / 12], relative: 16 * Double(T.ulpOfOne), absolute: 16 * Double(T.ulpOfOne), "mean()")
    }

    @Test("softmax and log-softmax along every axis", arguments: scalarTypes)
    func normalizations(_ type: any TensorScalar.Type) { checkNormalizations(type) }
    func checkNormalizations<T: TensorScalar>(_: T.Type) {
        for (index, dims) in Self.shapes.enumerated() {
            let x = uniformTensor(T.self, Shape(dims), -5, 5, seed: UInt64(1200 + index))
            let v = doubles(x)
            for axis in 0..<dims.count {
                var softmax = [Double](repeating: 0, count: v.count), logSoftmax = softmax
                for group in reductionGroups(dims, axis: axis) {
                    let lse = referenceLogSumExp(group.map { v[$0] })
                    for i in group { logSoftmax[i] = v[i] - lse; softmax[i] = Foundation.exp(v[i] - lse) }
                }
                let tol = 8 * T.ulps16
                let s = x.softmax(axis: axis)
                expectTensor(s, shape: Shape(dims), softmax, relative: tol, absolute: tol, "softmax \(dims) axis \(axis)")
                expectTensor(x.logSoftmax(axis: axis), shape: Shape(dims), logSoftmax, relative: tol, absolute: tol,
                             "log-softmax \(dims) axis \(axis)")
                var outDims = dims
                outDims[axis] = 1
                expectTensor(s.sum(axis: axis), shape: Shape(outDims), [Double](repeating: 1, count: Shape(outDims).count),
                             relative: tol, absolute: tol, "softmax sums to 1")
            }
        }
    }

    @Test("softplus and sigmoid at +-100 and +-1000", arguments: scalarTypes)
    func extremeSoftplusSigmoid(_ type: any TensorScalar.Type) { checkExtremeSoftplus(type) }
    func checkExtremeSoftplus<T: TensorScalar>(_: T.Type) {
        let x = Tensor<T>([100, -100, 1000, -1000, 0])
        let softplus = x.softplus()
        // softplus(-100) = e^-100 (about 3.7e-44) is subnormal in Float: allow its coarse spacing.
        let tiny = 2 * Double(T.leastNonzeroMagnitude)
        expectClose(softplus.scalars, [100, Foundation.exp(-100), 1000, 0, Foundation.log(2)],
                    relative: T.ulps16, absolute: tiny, "softplus at extremes")
        #expect(softplus.scalars.allSatisfy { $0.isFinite && $0 >= 0 })
        let sigmoid = x.sigmoid()
        expectClose(sigmoid.scalars, [1, Foundation.exp(-100), 1, 0, 0.5], relative: T.ulps16, absolute: tiny, "sigmoid at extremes")
        // Their derivatives (MixGraph's backward kernels) are checked in MixGraphTests.
    }

    @Test("logsumexp and softmax at +-100, +-1000, infinities and NaN", arguments: scalarTypes)
    func extremeLogSumExp(_ type: any TensorScalar.Type) { checkExtremeLogSumExp(type) }
    func checkExtremeLogSumExp<T: TensorScalar>(_: T.Type) {
        let inf = Double.infinity
        let rows: [[Double]] = [
            [100, 100], [-100, -100], [1000, 999], [-1000, -1000], [1000, -1000],
            [-inf, -inf], [-inf, 0], [inf, 1], [.nan, 1], [.nan, .nan],
        ]
        let x = Tensor<T>(rows: rows.map { $0.map { T($0) } })
        let expected: [Double] = [
            100 + Foundation.log(2), -100 + Foundation.log(2), 1000 + Foundation.log1p(Foundation.exp(-1)),
            -1000 + Foundation.log(2), 1000, -inf, 0, inf, .nan, .nan,
        ]
        expectTensor(x.logSumExp(axis: 1), shape: Shape(rows.count, 1), expected, relative: T.ulps16, "logsumexp at extremes")
        // Along axis 0 (strided access) as well.
        expectTensor(x.transposed().logSumExp(axis: 0), shape: Shape(1, rows.count), expected, relative: T.ulps16,
                     "logsumexp at extremes, axis 0")
        let wide = Tensor<T>(rows: [[1000, 0, -1000], [-1000, -1000, -1000], [100, 100, -100]])
        expectTensor(wide.softmax(axis: 1), shape: Shape(3, 3),
                     [1, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, 0.5, Foundation.exp(-200) / 2],
                     relative: T.ulps16, absolute: 2 * Double(T.leastNonzeroMagnitude), "softmax at extremes")
        expectTensor(wide.logSoftmax(axis: 1), shape: Shape(3, 3),
                     [0, -1000, -2000, -Foundation.log(3), -Foundation.log(3), -Foundation.log(3),
                      -Foundation.log(2), -Foundation.log(2), -200 - Foundation.log(2)],
                     relative: T.ulps16, absolute: T.ulps16, "log-softmax at extremes")
        // max propagates NaN instead of skipping it.
        let withNaN = Tensor<T>(rows: [[1, .nan, 3], [.nan, 2, 1]])
        #expect(withNaN.max(axis: 1).scalars.allSatisfy { $0.isNaN })
        // The mean over an empty axis is 0/0.
        #expect(Tensor<T>.zeros(Shape(0, 3)).mean(axis: 0).scalars.allSatisfy { $0.isNaN })
        #expect(Tensor<T>.zeros(Shape(0, 3)).sum(axis: 0).scalars == [0, 0, 0])
    }

    @Test("exp at its overflow boundary, log at zero", arguments: scalarTypes)
    func expBoundary(_ type: any TensorScalar.Type) { checkExpBoundary(type) }
    func checkExpBoundary<T: TensorScalar>(_: T.Type) {
        // log(greatestFiniteMagnitude): 88.72284 for Float, 709.78271 for Double.
        let edge = Foundation.log(Double(T.greatestFiniteMagnitude))
        let below = T(edge).nextDown, above = T(edge).nextUp.nextUp
        let y = Tensor<T>([below, above, T(-edge) - 60, -.infinity, .infinity]).exp()
        #expect(y.scalars[0].isFinite && y.scalars[0] > T.greatestFiniteMagnitude / 2, "exp just below log(max) is finite")
        #expect(y.scalars[1] == .infinity, "exp just above log(max) overflows to +inf")
        #expect(y.scalars[2] == 0 && y.scalars[3] == 0 && y.scalars[4] == .infinity)
        expectClose([y.scalars[0]], [Foundation.exp(Double(below))], relative: T.ulps16, "exp(\(below))")
        // Pinned, so a type mix-up (Float computed as Double or back) shows up.
        if T.self == Float.self { #expect(edge > 88.72 && edge < 88.73) } else { #expect(edge > 709.78 && edge < 709.79) }
        let l = Tensor<T>([0, 1, -1, .infinity]).log().scalars
        #expect(l[0] == -.infinity && l[1] == 0 && l[2].isNaN && l[3] == .infinity)
    }

    @Test("relu, clamp and max let NaN through", arguments: scalarTypes)
    func nanPropagation(_ type: any TensorScalar.Type) { checkNaN(type) }
    func checkNaN<T: TensorScalar>(_: T.Type) {
        let x = Tensor<T>([.nan, -1, 2])
        #expect(x.relu().scalars[0].isNaN && x.relu().scalars[1] == 0 && x.relu().scalars[2] == 2)
        #expect(x.clamped(to: T(-0.5)...T(0.5)).scalars[0].isNaN)
        #expect(x.softplus().scalars[0].isNaN && x.sigmoid().scalars[0].isNaN && x.tanh().scalars[0].isNaN)
    }
}
