// Kernels the autodiff tape (MixGraph) needs beyond the forward ops: backward passes of
// broadcasting binary ops, of reductions and normalizations along an axis, block copies
// for slicing and concatenation, and the optimizer's fused updates. Each is written once,
// generically, and specialized for Float and Double, so a caller pays one dispatch per
// call and none per element.

/// Which operand of a binary op a gradient is taken with respect to.
@usableFromInline package enum BinaryOperand: Sendable, Hashable {
    /// The first operand, `a` in `op(a, b)`.
    case left
    /// The second operand, `b` in `op(a, b)`.
    case right
}

@inline(__always)
private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    // `precondition` drops its message in optimized builds; shape errors must name shapes.
    if _slowPath(!condition) { fatalError(message()) }
}

extension Kernels {
    /// `y[r, j] = y[r, j] + b[j]` (no `b`: unchanged), then ReLU's `v < 0 ? 0 : v` when asked.
    /// `Float` (the training path) runs an eight-lane loop; other scalars the generic one.
    static func addRows<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>?, rows: Int, columns: Int, relu: Bool) {
        if T.self == Float.self {
            addRowsLoop(UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
                        b.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                        rows: rows, columns: columns, relu: relu)
        } else {
            addRowsLoop(y, b, rows: rows, columns: columns, relu: relu)
        }
    }

    /// `Float`: eight lanes at a time with a blend for the ReLU (a scalar `v < 0 ? 0 : v`
    /// compiles to a branch here, which mispredicts on half the elements).
    static func addRowsLoop(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>?, rows: Int, columns: Int, relu: Bool) {
        typealias V = SIMD8<Float>
        let zero = V(repeating: 0)
        for r in 0..<rows {
            let yr = y + r * columns
            var j = 0
            while j + 8 <= columns {
                let p = UnsafeMutableRawPointer(yr + j)
                var v = p.loadUnaligned(as: V.self)
                if let b { v += UnsafeRawPointer(b + j).loadUnaligned(as: V.self) }
                if relu { v.replace(with: zero, where: v .< zero) }
                p.storeBytes(of: v, as: V.self)
                j += 8
            }
            while j < columns {
                var v = yr[j]
                if let b { v += b[j] }
                yr[j] = relu && v < 0 ? 0 : v
                j += 1
            }
        }
    }

    @inline(__always)
    static func addRowsLoop<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>?, rows: Int, columns: Int, relu: Bool) {
        guard let b else {
            if relu { for i in 0..<(rows * columns) { let v = y[i]; y[i] = v < 0 ? 0 : v } }
            return
        }
        for r in 0..<rows {
            let yr = y + r * columns
            if relu {
                for j in 0..<columns { let v = yr[j] + b[j]; yr[j] = v < 0 ? 0 : v }
            } else {
                for j in 0..<columns { yr[j] += b[j] }
            }
        }
    }

    /// `g[i] = y[i] > 0 ? g[i] : 0` (eight lanes for `Float`, as ``addRows(_:_:rows:columns:relu:)``).
    static func maskWherePositive<T: TensorScalar>(_ g: UnsafeMutablePointer<T>, _ y: UnsafePointer<T>, _ n: Int) {
        if T.self == Float.self {
            maskLoop(UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self),
                     UnsafeRawPointer(y).assumingMemoryBound(to: Float.self), n)
        } else {
            maskLoop(g, y, n)
        }
    }

    /// `Float`: eight lanes at a time with a blend, as ``addRowsLoop(_:_:rows:columns:relu:)``.
    static func maskLoop(_ g: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
        typealias V = SIMD8<Float>
        let zero = V(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let p = UnsafeMutableRawPointer(g + i)
            var v = p.loadUnaligned(as: V.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
            v.replace(with: zero, where: .!(yv .> zero))
            p.storeBytes(of: v, as: V.self)
            i += 8
        }
        while i < n { g[i] = y[i] > 0 ? g[i] : 0; i += 1 }
    }

    @inline(__always)
    static func maskLoop<T: TensorScalar>(_ g: UnsafeMutablePointer<T>, _ y: UnsafePointer<T>, _ n: Int) {
        for i in 0..<n { g[i] = y[i] > 0 ? g[i] : 0 }
    }

    @inline(__always)
    static func binaryBackwardLoop<T: TensorScalar>(
        _ a: UnsafePointer<T>, _ aStrides: (Int, Int), _ b: UnsafePointer<T>, _ bStrides: (Int, Int),
        _ g: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ dStrides: (Int, Int),
        _ rows: Int, _ columns: Int, overwrite: Bool, _ f: (T, T, T) -> T
    ) {
        let ac = aStrides.1, bc = bStrides.1
        let contiguous = aStrides == (columns, 1) && bStrides == (columns, 1)
        if overwrite {
            // The target has the full (rows x columns) layout: no reduction.
            if contiguous {
                for i in 0..<(rows * columns) { d[i] = f(a[i], b[i], g[i]) }
                return
            }
            for r in 0..<rows {
                let ar = a + r * aStrides.0, br = b + r * bStrides.0, gr = g + r * columns, dr = d + r * columns
                // Column strides known at compile time in the common patterns (a bias-like
                // row broadcast to every row has stride 0), so the inner loops vectorize.
                switch (ac, bc) {
                case (1, 1): for j in 0..<columns { dr[j] = f(ar[j], br[j], gr[j]) }
                case (1, 0): let bv = br[0]; for j in 0..<columns { dr[j] = f(ar[j], bv, gr[j]) }
                case (0, 1): let av = ar[0]; for j in 0..<columns { dr[j] = f(av, br[j], gr[j]) }
                default: for j in 0..<columns { dr[j] = f(ar[j * ac], br[j * bc], gr[j]) }
                }
            }
            return
        }
        if contiguous && dStrides == (columns, 1) {
            // Accumulating into a full-layout gradient (a value used more than once).
            for i in 0..<(rows * columns) { d[i] += f(a[i], b[i], g[i]) }
            return
        }
        for r in 0..<rows {
            let ar = a + r * aStrides.0, br = b + r * bStrides.0, gr = g + r * columns, dr = d + r * dStrides.0
            if dStrides.1 == 0 {
                var s: T = 0
                for j in 0..<columns { s += f(ar[j * ac], br[j * bc], gr[j]) }
                dr[0] += s
            } else {
                switch (ac, bc) {
                case (1, 1): for j in 0..<columns { dr[j] += f(ar[j], br[j], gr[j]) }
                case (1, 0): let bv = br[0]; for j in 0..<columns { dr[j] += f(ar[j], bv, gr[j]) }
                case (0, 1): let av = ar[0]; for j in 0..<columns { dr[j] += f(av, br[j], gr[j]) }
                default: for j in 0..<columns { dr[j] += f(ar[j * ac], br[j * bc], gr[j]) }
                }
            }
        }
    }

    /// `d (+)= g * d op(a, b) / d operand`, summed over the operand's broadcast axes.
    /// `overwrite` only when the operand has the full layout; otherwise `d` is accumulated
    /// into (the caller zeroes it first for a fresh gradient).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func binaryBackward<T: TensorScalar>(
        _ op: BinaryOp, _ operand: BinaryOperand,
        _ a: UnsafePointer<T>, _ aStrides: (Int, Int), _ b: UnsafePointer<T>, _ bStrides: (Int, Int),
        _ g: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, rows: Int, columns: Int, overwrite: Bool
    ) {
        let ds = operand == .left ? aStrides : bStrides
        let left = operand == .left
        switch op {
        case .add:
            binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { _, _, g in g }
        case .subtract:
            if left { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { _, _, g in g } }
            else { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { _, _, g in -g } }
        case .multiply:
            if left { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { _, b, g in g * b } }
            else { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, _, g in g * a } }
        case .divide:
            if left { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { _, b, g in g / b } }
            else { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, b, g in -g * (a / b) / b } }
        case .minimum:
            // Ties split the gradient evenly (as PyTorch does): a valid subgradient that
            // keeps min(x, x) = x exact.
            if left { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, b, g in a < b ? g : (a == b ? g / 2 : 0) } }
            else { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, b, g in b < a ? g : (a == b ? g / 2 : 0) } }
        case .maximum:
            if left { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, b, g in a > b ? g : (a == b ? g / 2 : 0) } }
            else { binaryBackwardLoop(a, aStrides, b, bStrides, g, d, ds, rows, columns, overwrite: overwrite) { a, b, g in b > a ? g : (a == b ? g / 2 : 0) } }
        }
    }

    /// `y (+)= scale * g` broadcast along the middle axis: `y[o, l, i] (+)= scale * g[o, i]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func expand<T: TensorScalar>(_ g: UnsafePointer<T>, outer: Int, length: Int, inner: Int, scale: T,
                                        _ y: UnsafeMutablePointer<T>, accumulate: Bool) {
        if inner == 1 {
            // One value per row spread over its `length` columns.
            for o in 0..<outer {
                let v = scale * g[o], yr = y + o * length
                if accumulate { for l in 0..<length { yr[l] += v } } else { for l in 0..<length { yr[l] = v } }
            }
            return
        }
        for o in 0..<outer {
            let go = g + o * inner
            for l in 0..<length {
                let yr = y + (o * length + l) * inner
                if accumulate { for i in 0..<inner { yr[i] += scale * go[i] } }
                else { for i in 0..<inner { yr[i] = scale * go[i] } }
            }
        }
    }

    /// `dx (+)= g * exp(x - y)` with `y = logsumexp(x)` along the middle axis: the
    /// softmax weights, recomputed from the saved output instead of stored.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func logSumExpBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                   outer: Int, length: Int, inner: Int,
                                                   _ dx: UnsafeMutablePointer<T>, accumulate: Bool) {
        for o in 0..<outer {
            let yo = y + o * inner, go = g + o * inner
            for l in 0..<length {
                let base = (o * length + l) * inner
                let xr = x + base, dr = dx + base
                if accumulate { for i in 0..<inner { dr[i] += go[i] * T.exp(xr[i] - yo[i]) } }
                else { for i in 0..<inner { dr[i] = go[i] * T.exp(xr[i] - yo[i]) } }
            }
        }
    }

    /// Backward of softmax (`dx = y * (g - sum(g * y))`) and log-softmax
    /// (`dx = g - exp(y) * sum(g)`) along the middle axis, from the output `y`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func normalizeBackward<T: TensorScalar>(_ op: NormalizationOp, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                   outer: Int, length: Int, inner: Int,
                                                   _ dx: UnsafeMutablePointer<T>, accumulate: Bool) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var s: T = 0
                switch op {
                case .softmax:
                    for l in 0..<length { s += g[base + l * inner] * y[base + l * inner] }
                    for l in 0..<length {
                        let k = base + l * inner
                        let v = y[k] * (g[k] - s)
                        if accumulate { dx[k] += v } else { dx[k] = v }
                    }
                case .logSoftmax:
                    for l in 0..<length { s += g[base + l * inner] }
                    for l in 0..<length {
                        let k = base + l * inner
                        let v = g[k] - T.exp(y[k]) * s
                        if accumulate { dx[k] += v } else { dx[k] = v }
                    }
                }
            }
        }
    }

    /// `dst[o][dOffset ..< dOffset + n] (+)= src[o][sOffset ..< sOffset + n]` for each of
    /// `outer` blocks with strides `sStride`, `dStride`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func copyBlocks<T: TensorScalar>(_ src: UnsafePointer<T>, sourceStride: Int, sourceOffset: Int,
                                            _ dst: UnsafeMutablePointer<T>, destinationStride: Int, destinationOffset: Int,
                                            outer: Int, chunk: Int, accumulate: Bool) {
        for o in 0..<outer {
            let s = src + o * sourceStride + sourceOffset, d = dst + o * destinationStride + destinationOffset
            if accumulate { for i in 0..<chunk { d[i] += s[i] } } else { d.update(from: s, count: chunk) }
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func fill<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, _ n: Int, _ value: T) {
        for i in 0..<n { y[i] = value }
    }

    /// Sum with eight independent accumulators: eight times the throughput of a serial
    /// loop (no dependency chain on one register) and a smaller rounding error.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func sum<T: TensorScalar>(_ x: UnsafePointer<T>, _ n: Int, squared: Bool) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var i = 0
        if squared {
            while i + 8 <= n {
                s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3]
                s4 += x[i + 4] * x[i + 4]; s5 += x[i + 5] * x[i + 5]; s6 += x[i + 6] * x[i + 6]; s7 += x[i + 7] * x[i + 7]
                i += 8
            }
            while i < n { s0 += x[i] * x[i]; i += 1 }
        } else {
            while i + 8 <= n {
                s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
                s4 += x[i + 4]; s5 += x[i + 5]; s6 += x[i + 6]; s7 += x[i + 7]
                i += 8
            }
            while i < n { s0 += x[i]; i += 1 }
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// `y = (1 - t) * y + t * x`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func interpolate<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, toward x: UnsafePointer<T>, _ n: Int, _ t: T) {
        let keep = 1 - t
        for i in 0..<n { y[i] = t * x[i] + keep * y[i] }
    }
    /// One Adam step over `n` scalars; see ``Tensor/adamUpdate(_:gradient:firstMoment:secondMoment:gradientScale:beta1:beta2:stepSize:secondMomentCorrection:epsilon:)``.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @usableFromInline
    static func adam<T: TensorScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                      _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ n: Int,
                                      gradientScale: T, beta1: T, beta2: T, stepSize: T, correction: T, epsilon: T) {
        let c1 = 1 - beta1, c2 = 1 - beta2
        for i in 0..<n {
            let gi = g[i] * gradientScale
            let mi = beta1 * m[i] + c1 * gi
            let vi = beta2 * v[i] + c2 * (gi * gi)
            m[i] = mi
            v[i] = vi
            // `abs` is exact here (v >= 0, NaN stays NaN) and lets LLVM prove the square
            // root cannot set errno, so it becomes a vector instruction instead of a
            // guarded scalar call to `sqrtf` (Linux compiles with -fmath-errno): 10x faster.
            p[i] -= stepSize * mi / (Swift.abs(vi).squareRoot() * correction + epsilon)
        }
    }
}

extension Tensor {
    /// The vector-Jacobian product of a broadcasting binary op with respect to one operand:
    /// `d (+)= sum over broadcast axes of g * d op(a, b) / d operand`, where `g` has the
    /// shape of `op(a, b)`. The result has the operand's shape.
    ///
    /// `minimum`/`maximum` split the gradient evenly at ties. Cost: one pass over `g`;
    /// for a broadcast operand without `accumulate`, one extra pass zeroing `d`.
    package static func applyBackward(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, gradient g: Tensor,
                                     withRespectTo operand: BinaryOperand, into d: inout Tensor, accumulate: Bool = false) {
        let plan = Broadcast(a.shape, b.shape)
        check(g.count == plan.rows * plan.columns,
              "MixTensor: binary backward: gradient \(g.shape) does not match result \(plan.shape) of \(a.shape), \(b.shape)")
        let target = operand == .left ? a.shape : b.shape
        let full = target.count == plan.rows * plan.columns
        if accumulate {
            check(d.shape == target, "MixTensor: accumulating binary backward: shapes \(d.shape) and \(target) differ")
            d.makeUnique()
        } else {
            d.prepare(shape: target)
            if !full { Kernels.fill(d.storage.pointer, target.count, 0) }
        }
        Kernels.binaryBackward(op, operand, a.storage.pointer, plan.leftStrides, b.storage.pointer, plan.rightStrides,
                               g.storage.pointer, d.storage.pointer, rows: plan.rows, columns: plan.columns,
                               overwrite: full && !accumulate)
    }

    /// Broadcasts `g` back along `axis` to `shape`: `y (+)= scale * g` where `g` has
    /// `shape` with `axis` of size 1 (the backward pass of a sum or mean along `axis`).
    /// With `axis == nil`, `g` holds one element and fills all of `shape`.
    package static func expand(_ g: Tensor, axis: Int?, to shape: Shape, scale: Scalar = 1,
                              into y: inout Tensor, accumulate: Bool = false) {
        let (outer, length, inner): (Int, Int, Int)
        if let axis {
            (outer, length, inner) = shape.split(at: axis)
            check(g.count == outer * inner, "MixTensor: expand of \(g.shape) along axis \(axis) to \(shape)")
        } else {
            check(g.count == 1, "MixTensor: expand of \(g.shape) to every element of \(shape)")
            (outer, length, inner) = (1, shape.count, 1)
        }
        if accumulate { check(y.shape == shape, "MixTensor: accumulating expand: shapes \(y.shape) and \(shape) differ"); y.makeUnique() }
        else { y.prepare(shape: shape) }
        Kernels.expand(g.storage.pointer, outer: outer, length: length, inner: inner, scale: scale,
                       y.storage.pointer, accumulate: accumulate)
    }

    /// The backward pass of a log-sum-exp along `axis`: `dx (+)= g * exp(x - y)`.
    package static func logSumExpBackward(input x: Tensor, output y: Tensor, gradient g: Tensor, axis: Int,
                                         into dx: inout Tensor, accumulate: Bool = false) {
        let (outer, length, inner) = x.shape.split(at: axis)
        check(y.count == outer * inner && g.count == y.count,
              "MixTensor: logSumExpBackward: \(x.shape) along \(axis) with output \(y.shape), gradient \(g.shape)")
        if accumulate { check(dx.shape == x.shape, "MixTensor: accumulating logSumExpBackward: \(dx.shape) vs \(x.shape)"); dx.makeUnique() }
        else { dx.prepare(shape: x.shape) }
        Kernels.logSumExpBackward(x.storage.pointer, y.storage.pointer, g.storage.pointer,
                                  outer: outer, length: length, inner: inner, dx.storage.pointer, accumulate: accumulate)
    }

    /// The backward pass of softmax or log-softmax along `axis`, from the op's output `y`.
    package static func normalizeBackward(_ op: NormalizationOp, output y: Tensor, gradient g: Tensor, axis: Int,
                                         into dx: inout Tensor, accumulate: Bool = false) {
        check(y.shape == g.shape, "MixTensor: normalizeBackward: output \(y.shape) and gradient \(g.shape) differ")
        let (outer, length, inner) = y.shape.split(at: axis)
        if accumulate { check(dx.shape == y.shape, "MixTensor: accumulating normalizeBackward: \(dx.shape) vs \(y.shape)"); dx.makeUnique() }
        else { dx.prepare(shape: y.shape) }
        Kernels.normalizeBackward(op, y.storage.pointer, g.storage.pointer, outer: outer, length: length, inner: inner,
                                  dx.storage.pointer, accumulate: accumulate)
    }

    /// Copies (or adds, with `accumulate`) the entries `sourceRange` of `axis` of `source`
    /// into `destination` starting at entry `destinationOffset` of the same axis. All other
    /// dimensions must agree; `destination` must already have its shape. Slicing,
    /// concatenation and their backward passes are all this one block copy.
    package static func copy(_ source: Tensor, axis: Int, range sourceRange: Range<Int>,
                            into destination: inout Tensor, at destinationOffset: Int, accumulate: Bool = false) {
        let (outer, sourceLength, inner) = source.shape.split(at: axis)
        let (dOuter, destinationLength, dInner) = destination.shape.split(at: axis)
        check(outer == dOuter && inner == dInner && sourceRange.lowerBound >= 0 && sourceRange.upperBound <= sourceLength
              && destinationOffset >= 0 && destinationOffset + sourceRange.count <= destinationLength,
              "MixTensor: copy of \(source.shape)[axis \(axis): \(sourceRange)] into \(destination.shape) at \(destinationOffset)")
        destination.makeUnique()
        Kernels.copyBlocks(source.storage.pointer, sourceStride: sourceLength * inner, sourceOffset: sourceRange.lowerBound * inner,
                           destination.storage.pointer, destinationStride: destinationLength * inner,
                           destinationOffset: destinationOffset * inner,
                           outer: outer, chunk: sourceRange.count * inner, accumulate: accumulate)
    }

    /// `destination (+)= source` viewed with `shape` (equal element counts): the backward
    /// pass of a reshape. Without `accumulate` the destination takes `shape`.
    package static func copy(_ source: Tensor, into destination: inout Tensor, shape: Shape, accumulate: Bool = false) {
        check(source.count == shape.count, "MixTensor: copy of \(source.shape) as \(shape)")
        if accumulate { check(destination.shape == shape, "MixTensor: accumulating copy: \(destination.shape) vs \(shape)"); destination.makeUnique() }
        else { destination.prepare(shape: shape) }
        Kernels.copyBlocks(source.storage.pointer, sourceStride: 0, sourceOffset: 0, destination.storage.pointer,
                           destinationStride: 0, destinationOffset: 0, outer: 1, chunk: shape.count, accumulate: accumulate)
    }

    /// `self[r, j] += row[j]` for every row, then, with `relu`, `max(., 0)` (ReLU's
    /// `x < 0 ? 0 : x`): a linear layer's bias and activation in one pass over its
    /// product. Adding the bias after a `beta = 0` product gives the bits of a product
    /// accumulated onto the broadcast bias (`beta = 1`): the library adds the finished
    /// sum to `C` in one rounding either way. Without a row, only the ReLU (or nothing).
    package mutating func addRows(_ row: Tensor?, relu: Bool) {
        let (rows, columns) = shape.matrixView
        if let row { check(row.count == columns, "MixTensor: addRows of \(row.shape) to \(shape)") }
        makeUnique()
        Kernels.addRows(storage.pointer, row.map { UnsafePointer($0.storage.pointer) }, rows: rows, columns: columns, relu: relu)
    }

    /// `gradient[i] = output[i] > 0 ? gradient[i] : 0`, in place in `gradient`'s buffer
    /// even when other handles share it (the tape's own gradient buffer of a fused
    /// linear-ReLU node, which only that node's backward rule reads): ReLU's backward
    /// pass given its output, `y > 0` exactly where the input was `> 0`.
    package static func maskInPlace(_ gradient: Tensor, wherePositive output: Tensor) {
        check(gradient.shape == output.shape, "MixTensor: maskInPlace of \(gradient.shape) by \(output.shape)")
        Kernels.maskWherePositive(gradient.storage.pointer, UnsafePointer(output.storage.pointer), gradient.count)
    }

    /// Sets every element to `value` (specialized; `fill` from generic code is not).
    package mutating func setAll(_ value: Scalar) {
        makeUnique()
        Kernels.fill(storage.pointer, count, value)
    }

    /// The sum of all elements, with eight accumulators (fast and with a smaller rounding
    /// error than a serial sum).
    package func sumOfElements() -> Scalar { Kernels.sum(storage.pointer, count, squared: false) }

    /// The sum of squared elements (for global gradient norms), eight accumulators.
    package func sumOfSquares() -> Scalar { Kernels.sum(storage.pointer, count, squared: true) }

    /// `self = (1 - fraction) * self + fraction * other` in place: Polyak averaging of a
    /// target network. One pass, no allocation when `self` is unshared.
    package mutating func interpolate(toward other: Tensor, fraction: Scalar) {
        check(shape == other.shape, "MixTensor: interpolate: shapes \(shape) and \(other.shape) differ")
        makeUnique()
        Kernels.interpolate(storage.pointer, toward: other.storage.pointer, count, fraction)
    }

    /// Copies `other`'s elements into this tensor's buffer (same shape), specialized.
    package mutating func copyElements(from other: Tensor) {
        check(shape == other.shape, "MixTensor: copyElements: shapes \(shape) and \(other.shape) differ")
        makeUnique()
        storage.pointer.update(from: other.storage.pointer, count: count)
    }

    /// One fused Adam update of `parameter` in place (Kingma and Ba, Algorithm 1):
    /// `g' = gradientScale * g`, `m = beta1 m + (1 - beta1) g'`,
    /// `v = beta2 v + (1 - beta2) g'^2`,
    /// `p -= stepSize * m / (sqrt(v) * secondMomentCorrection + epsilon)`,
    /// with `stepSize = lr / (1 - beta1^t)` and `secondMomentCorrection = 1 / sqrt(1 - beta2^t)`,
    /// so the denominator is `sqrt(v_hat) + epsilon` exactly as in the paper.
    /// One pass reading four tensors and writing three; the gradient is not modified.
    package static func adamUpdate(_ parameter: inout Tensor, gradient: Tensor,
                                  firstMoment: inout Tensor, secondMoment: inout Tensor,
                                  gradientScale: Scalar, beta1: Scalar, beta2: Scalar,
                                  stepSize: Scalar, secondMomentCorrection: Scalar, epsilon: Scalar) {
        check(parameter.shape == gradient.shape && parameter.shape == firstMoment.shape && parameter.shape == secondMoment.shape,
              "MixTensor: adamUpdate: parameter \(parameter.shape), gradient \(gradient.shape), moments \(firstMoment.shape), \(secondMoment.shape)")
        parameter.makeUnique(); firstMoment.makeUnique(); secondMoment.makeUnique()
        Kernels.adam(parameter.storage.pointer, gradient.storage.pointer, firstMoment.storage.pointer,
                     secondMoment.storage.pointer, parameter.count,
                     gradientScale: gradientScale, beta1: beta1, beta2: beta2, stepSize: stepSize,
                     correction: secondMomentCorrection, epsilon: epsilon)
    }

    /// Calls `body` with the raw little-endian bytes of the elements (for serialization).
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: count * MemoryLayout<Scalar>.stride))
    }

    /// Creates a tensor of `shape` from raw little-endian bytes (unaligned reads are fine).
    package init(shape: Shape, bytes: UnsafeRawBufferPointer) {
        let n = shape.count
        check(bytes.count == n * MemoryLayout<Scalar>.stride, "MixTensor: \(bytes.count) bytes for \(n) elements of \(Scalar.self)")
        self.init(uninitializedShape: shape)
        if n > 0, let base = bytes.baseAddress {
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: base, byteCount: bytes.count)
        }
    }
}
