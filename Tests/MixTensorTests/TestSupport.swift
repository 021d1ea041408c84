import Foundation
import MixTensor
import Testing

/// Both element types. Generic tests take one of these and open it into a generic
/// helper, so every check runs for `Float` and for `Double` (as swift-numerics does).
let scalarTypes: [any TensorScalar.Type] = [Float.self, Double.self]

extension TensorScalar {
    /// A relative tolerance for one elementary operation: a few units in the last place.
    static var ulps16: Double { 16 * Double(Self.ulpOfOne) }
}

/// A seeded stream for test data; each test picks its own seed, so no test depends on
/// the order in which tests run.
func stream(_ seed: UInt64) -> RandomStream { RandomStream(seed: seed) }

/// A tensor of uniforms in [lower, upper), reproducible from `seed`.
func uniformTensor<T: TensorScalar>(_: T.Type, _ shape: Shape, _ lower: Double = -1, _ upper: Double = 1,
                                    seed: UInt64) -> Tensor<T> {
    var rng = stream(seed)
    return Tensor<T>.randomUniform(shape, lower: T(lower), upper: T(upper), using: &rng)
}

/// The elements as `Double`, for naive references computed in double precision.
func doubles<T: TensorScalar>(_ t: Tensor<T>) -> [Double] { t.scalars.map { Double($0) } }

/// Expects `actual` and `expected` to agree element-wise within
/// `absolute + relative * |expected|`; equal infinities and NaN against NaN agree.
/// Reports the first disagreement with its index and both values.
func expectClose<T: TensorScalar>(
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
func expectTensor<T: TensorScalar>(
    _ t: Tensor<T>, shape: Shape, _ expected: [Double], relative: Double, absolute: Double = 0,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(t.shape == shape, "\(what()): shape \(t.shape), expected \(shape)", sourceLocation: sourceLocation)
    expectClose(t.scalars, expected, relative: relative, absolute: absolute, what(), sourceLocation: sourceLocation)
}

/// Row-major strides of a shape given as an array.
func rowMajorStrides(_ dims: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: dims.count)
    var s = 1
    for i in stride(from: dims.count - 1, through: 0, by: -1) { strides[i] = s; s *= dims[i] }
    return strides
}

/// Every multi-index of `dims` in row-major order.
func allIndices(_ dims: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for d in dims { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
    return result
}
