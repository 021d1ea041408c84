import RealModule

/// An element-wise function of one tensor.
@usableFromInline package enum UnaryOp: Sendable, Hashable {
    case negate
    case exp
    case log
    case tanh
    case relu
    /// `log(1 + exp(x))`, evaluated as `max(x, 0) + log1p(exp(-|x|))` so it neither
    /// overflows for large `x` nor loses `exp(x)` for very negative `x`.
    case softplus
    /// `1 / (1 + exp(-x))`, evaluated from `exp(-|x|)` so it never overflows.
    case sigmoid
    case square
    case sqrt
    case abs
    /// `min(max(x, lower), upper)`; its derivative is 1 strictly inside, 0 outside.
    case clamp(lower: Double, upper: Double)
    /// `scale * x + shift`.
    case affine(scale: Double, shift: Double)
}

/// An element-wise function of two tensors, with broadcasting of rows and columns.
@usableFromInline package enum BinaryOp: Sendable, Hashable {
    case add, subtract, multiply, divide, minimum, maximum
}

/// The element-wise kernels, written once and specialized for `Float` and `Double`.
/// The `op` switch happens once per call, outside the loops.
@usableFromInline
package enum Kernels {
    @inline(__always)
    static func softplus<T: TensorScalar>(_ x: T) -> T {
        Swift.max(x, 0) + T.log(onePlus: T.exp(-Swift.abs(x)))
    }

    /// `1 / (1 + exp(-x))` from `exp(-|x|)`, so it never overflows. Inlinable: MixGraph's
    /// backward kernel of `softplus` uses it too, and must compute the same bits.
    @inlinable @inline(__always)
    package static func sigmoid<T: TensorScalar>(_ x: T) -> T {
        let e = T.exp(-Swift.abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }

    @inline(__always)
    static func map<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ accumulate: Bool, _ f: (T) -> T) {
        if accumulate { for i in 0..<n { y[i] += f(x[i]) } } else { for i in 0..<n { y[i] = f(x[i]) } }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func unary<T: TensorScalar>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, accumulate: Bool) {
        switch op {
        case .negate: map(x, y, n, accumulate) { -$0 }
        case .exp: map(x, y, n, accumulate) { T.exp($0) }
        case .log: map(x, y, n, accumulate) { T.log($0) }
        case .tanh: map(x, y, n, accumulate) { T.tanh($0) }
        // `x < 0 ? 0 : x` rather than `x > 0 ? x : 0`: NaN passes through instead of
        // turning into a silent 0.
        case .relu: map(x, y, n, accumulate) { $0 < 0 ? 0 : $0 }
        case .softplus: map(x, y, n, accumulate) { softplus($0) }
        case .sigmoid: map(x, y, n, accumulate) { sigmoid($0) }
        case .square: map(x, y, n, accumulate) { $0 * $0 }
        case .sqrt: map(x, y, n, accumulate) { $0.squareRoot() }
        case .abs: map(x, y, n, accumulate) { Swift.abs($0) }
        case let .clamp(lower, upper):
            let lo = T(lower), hi = T(upper)
            map(x, y, n, accumulate) { Swift.min(Swift.max($0, lo), hi) }
        case let .affine(scale, shift):
            let a = T(scale), b = T(shift)
            map(x, y, n, accumulate) { a * $0 + b }
        }
    }

    @inline(__always)
    static func zip<T: TensorScalar>(
        _ a: UnsafePointer<T>, _ aStrides: (Int, Int), _ b: UnsafePointer<T>, _ bStrides: (Int, Int),
        _ c: UnsafeMutablePointer<T>, _ rows: Int, _ columns: Int, _ accumulate: Bool, _ f: (T, T) -> T
    ) {
        if aStrides == (columns, 1) && bStrides == (columns, 1) {
            let n = rows * columns
            if accumulate { for i in 0..<n { c[i] += f(a[i], b[i]) } } else { for i in 0..<n { c[i] = f(a[i], b[i]) } }
            return
        }
        // One loop per column-stride pattern, so that each inner loop has unit or zero
        // strides known at compile time and vectorizes (a bias row added to every row of
        // a batch is the (1, 1) case with a row stride of 0).
        for r in 0..<rows {
            let ar = a + r * aStrides.0, br = b + r * bStrides.0, cr = c + r * columns
            switch (aStrides.1, bStrides.1) {
            case (1, 1): row(cr, columns, accumulate) { f(ar[$0], br[$0]) }
            case (1, _): let bv = br[0]; row(cr, columns, accumulate) { f(ar[$0], bv) }
            case (_, 1): let av = ar[0]; row(cr, columns, accumulate) { f(av, br[$0]) }
            default: let av = ar[0], bv = br[0]; row(cr, columns, accumulate) { _ in f(av, bv) }
            }
        }
    }

    @inline(__always)
    static func row<T: TensorScalar>(_ c: UnsafeMutablePointer<T>, _ n: Int, _ accumulate: Bool, _ value: (Int) -> T) {
        if accumulate { for j in 0..<n { c[j] += value(j) } } else { for j in 0..<n { c[j] = value(j) } }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func binary<T: TensorScalar>(
        _ op: BinaryOp, _ a: UnsafePointer<T>, _ aStrides: (Int, Int), _ b: UnsafePointer<T>, _ bStrides: (Int, Int),
        _ c: UnsafeMutablePointer<T>, rows: Int, columns: Int, accumulate: Bool
    ) {
        switch op {
        case .add: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { $0 + $1 }
        case .subtract: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { $0 - $1 }
        case .multiply: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { $0 * $1 }
        case .divide: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { $0 / $1 }
        case .minimum: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { Swift.min($0, $1) }
        case .maximum: zip(a, aStrides, b, bStrides, c, rows, columns, accumulate) { Swift.max($0, $1) }
        }
    }
}
