/// The kernels only MixGraph needs: the backward passes of the tape's operations, the
/// optimizer's fused updates, and a few whole-tensor helpers. Each is written once,
/// generically, and carries `@_specialize(where T == Float/Double)`, so a caller in
/// generic code pays one type check per call and none per element. The kernels of one
/// tape operation sit in its file under `Ops/`, beside its forward and backward rules;
/// the optimizer's are in `Adam.swift` and `Parameter.swift`.
enum GraphKernels {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func fill<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, _ n: Int, _ value: T) {
        for i in 0..<n { y[i] = value }
    }
}

extension Tensor {
    /// Sets every element to `value` (specialized; `fill` from generic code is not).
    package mutating func setAll(_ value: Scalar) {
        let n = count
        withUnsafeMutablePointer { GraphKernels.fill($0, n, value) }
    }

    /// Copies `other`'s elements into this tensor's buffer (same shape), specialized.
    package mutating func copyElements(from other: Tensor) {
        graphRequire(shape == other.shape, "copyElements: shapes \(shape) and \(other.shape) differ")
        let n = count
        other.withUnsafePointer { source in withUnsafeMutablePointer { $0.update(from: source, count: n) } }
    }
}
