import Foundation
import MixTensor
import Testing

// Test helpers shared by the tests of MixTensor and MixGraph (the MixTensorTestSupport
// target): seeded test data, element-wise comparisons against double-precision
// references, and the unary ops' references and input intervals.

/// Both element types. Generic tests take one of these and open it into a generic
/// helper, so every check runs for `Float` and for `Double` (as swift-numerics does).
package let scalarTypes: [any TensorScalar.Type] = [Float.self, Double.self]

extension TensorScalar {
    /// A relative tolerance for one elementary operation: a few units in the last place.
    package static var ulps16: Double { 16 * Double(Self.ulpOfOne) }
}

/// A seeded stream for test data; each test picks its own seed, so no test depends on
/// the order in which tests run.
package func stream(_ seed: UInt64) -> RandomStream { RandomStream(seed: seed) }

/// A tensor of uniforms in [lower, upper), reproducible from `seed`.
package func uniformTensor<T: TensorScalar>(_: T.Type, _ shape: Shape, _ lower: Double = -1, _ upper: Double = 1,
                                    seed: UInt64) -> Tensor<T> {
    var rng = stream(seed)
    return Tensor<T>.randomUniform(shape, lower: T(lower), upper: T(upper), using: &rng)
}

/// The elements as `Double`, for naive references computed in double precision.
package func doubles<T: TensorScalar>(_ t: Tensor<T>) -> [Double] { t.scalars.map { Double($0) } }

/// Expects `actual` and `expected` to agree element-wise within
/// `absolute + relative * |expected|`; equal infinities and NaN against NaN agree.
/// Reports the first disagreement with its index and both values.
package func expectClose<T: TensorScalar>(
    _ actual: [T], _ expected: [Double], relative: Double, absolute: Double = 0,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what()): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let x = Double(a)
        let ok: Bool
        if e.isNaN { ok = x.isNaN }
        else if e.isInfinite { ok = x == e }
        else { ok = x.isFinite && abs(x - e) <= absolute + relative * abs(e) }
        if !ok {
            Issue.record("\(what()) [\(T.self)] element \(i): got \(a), expected \(e) (tolerance \(absolute) + \(relative) relative)",
                         sourceLocation: sourceLocation)
            return
        }
    }
}

/// Expects a tensor's shape and elements.
package func expectTensor<T: TensorScalar>(
    _ t: Tensor<T>, shape: Shape, _ expected: [Double], relative: Double, absolute: Double = 0,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(t.shape == shape, "\(what()): shape \(t.shape), expected \(shape)", sourceLocation: sourceLocation)
    expectClose(t.scalars, expected, relative: relative, absolute: absolute, what(), sourceLocation: sourceLocation)
}

/// Row-major strides of a shape given as an array.
package func rowMajorStrides(_ dims: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: dims.count)
    var s = 1
    for i in stride(from: dims.count - 1, through: 0, by: -1) { strides[i] = s; s *= dims[i] }
    return strides
}

/// Every multi-index of `dims` in row-major order.
package func allIndices(_ dims: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for d in dims { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
    return result
}

/// An independent double-precision reference for each unary op (Glibc's libm, textbook
/// formulas) and its derivative.
package func unaryReference(_ op: UnaryOp, _ x: Double) -> (value: Double, derivative: Double) {
    switch op {
    case .negate: return (-x, -1)
    case .exp: return (Foundation.exp(x), Foundation.exp(x))
    case .log: return (Foundation.log(x), 1 / x)
    case .tanh: let t = Foundation.tanh(x); return (t, 1 - t * t)
    case .relu: return (x > 0 ? x : 0, x > 0 ? 1 : 0)
    case .softplus:
        let s = 1 / (1 + Foundation.exp(-x))
        return (x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x)), s)
    case .sigmoid: let s = 1 / (1 + Foundation.exp(-x)); return (s, s * (1 - s))
    case .square: return (x * x, 2 * x)
    case .sqrt: return (x.squareRoot(), 0.5 / x.squareRoot())
    case .abs: return (Swift.abs(x), x > 0 ? 1 : -1)
    case let .clamp(lower, upper): return (Swift.min(Swift.max(x, lower), upper), (x > lower && x < upper) ? 1 : 0)
    case let .affine(scale, shift): return (scale * x + shift, scale)
    }
}

/// Every unary op with an input interval on which it is smooth (away from kinks and
/// clamp bounds, so finite differences are meaningful).
package let unaryCases: [(op: UnaryOp, lower: Double, upper: Double)] = [
    (.negate, -3, 3), (.exp, -5, 5), (.log, 0.05, 20), (.tanh, -4, 4), (.relu, -3, 3),
    (.softplus, -20, 20), (.sigmoid, -20, 20), (.square, -3, 3), (.sqrt, 0.01, 9), (.abs, -3, 3),
    (.clamp(lower: -0.5, upper: 0.75), -2, 2), (.affine(scale: 2.5, shift: -1), -3, 3),
]

/// Inputs for one op: uniform in its interval, nudged off the points where it has a kink.
package func unaryInputs<T: TensorScalar>(_: T.Type, _ op: UnaryOp, _ lower: Double, _ upper: Double, count: Int, seed: UInt64) -> Tensor<T> {
    var x = uniformTensor(T.self, Shape(count), lower, upper, seed: seed)
    x.withUnsafeMutablePointer { p in
        for i in 0..<count {
            var v = Double(p[i])
            let kinks: [Double]
            switch op {
            case .relu, .abs: kinks = [0]
            case let .clamp(lo, hi): kinks = [lo, hi]
            default: kinks = []
            }
            for k in kinks where Swift.abs(v - k) < 1e-2 { v = k + 2e-2 }
            p[i] = T(v)
        }
    }
    return x
}

/// Whether `body` ran at least once in `tries` runs without allocating tensor storage.
/// `AllocationCounter` is process-wide and other suites allocate in parallel, so one
/// before-and-after read can see their allocations; a quiet run among `tries` is the
/// evidence instead (a body that allocates is never quiet). Pair it with a hard check,
/// such as buffer addresses that do not move.
package func someRunAllocatesNoTensorStorage(tries: Int = 50, _ body: () throws -> Void) rethrows -> Bool {
    for _ in 0..<tries {
        let count = AllocationCounter.bufferCount
        try body()
        if AllocationCounter.bufferCount == count { return true }
    }
    return false
}
