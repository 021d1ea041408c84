/// Element-wise operations on the tape: unary functions (`exp`, `tanh`, `softplus`, ...)
/// and broadcasting binary ones (`add`, `minimum`, ...), forward and backward, with the
/// backward kernels only the tape uses. The forward kernels are MixTensor's (they are
/// also its public tensor arithmetic). Broadcasting follows MixTensor: the operands'
/// matrix views (leading dimensions folded into rows) may have 1 row or 1 column (or be
/// a single element) where the other's are larger.
extension Tape {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unary(_ op: UnaryOp, _ x: Variable) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        let i = push(.unary(op), xi, requiresGradient: nodes[xi].requiresGradient)
        Tensor.apply(op, xv, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``unary(_:_:)`` for node `i`.
    func unaryBackward(_ i: Int, _ op: UnaryOp) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let x = value(a), y = nodes[i].value
        writeGradient(a) { d, acc in
            Tensor.applyBackward(op, input: x, output: y, gradient: g, into: &d, accumulate: acc)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func binary(_ op: BinaryOp, _ a: Variable, _ b: Variable) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.binary(op), ai, bi, requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.apply(op, x, y, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``binary(_:_:_:)`` for node `i`.
    func binaryBackward(_ i: Int, _ op: BinaryOp) {
        let a = nodes[i].a, b = nodes[i].b
        let g = nodes[i].gradient
        let x = value(a), y = value(b)
        writeGradient(a) { d, acc in
            Tensor.applyBackward(op, x, y, gradient: g, withRespectTo: .left, into: &d, accumulate: acc)
        }
        writeGradient(b) { d, acc in
            Tensor.applyBackward(op, x, y, gradient: g, withRespectTo: .right, into: &d, accumulate: acc)
        }
    }

    /// `a + b` with broadcasting.
    public func add(_ a: Variable, _ b: Variable) -> Variable { binary(.add, a, b) }
    /// `a - b` with broadcasting.
    public func subtract(_ a: Variable, _ b: Variable) -> Variable { binary(.subtract, a, b) }
    /// `a * b` element-wise with broadcasting.
    public func multiply(_ a: Variable, _ b: Variable) -> Variable { binary(.multiply, a, b) }
    /// `a / b` element-wise with broadcasting.
    public func divide(_ a: Variable, _ b: Variable) -> Variable { binary(.divide, a, b) }
    /// Element-wise minimum with broadcasting (the twin-critic minimum). At ties the
    /// gradient is split evenly between the operands.
    public func minimum(_ a: Variable, _ b: Variable) -> Variable { binary(.minimum, a, b) }
    /// Element-wise maximum with broadcasting; ties split the gradient evenly.
    public func maximum(_ a: Variable, _ b: Variable) -> Variable { binary(.maximum, a, b) }

    /// `-x`.
    public func negate(_ x: Variable) -> Variable { unary(.negate, x) }
    /// `exp(x)`; its backward reuses the output (`g * y`).
    public func exp(_ x: Variable) -> Variable { unary(.exp, x) }
    /// Natural logarithm; backward `g / x`.
    public func log(_ x: Variable) -> Variable { unary(.log, x) }
    /// `tanh(x)`; backward `g * (1 - y^2)` from the output.
    public func tanh(_ x: Variable) -> Variable { unary(.tanh, x) }
    /// `max(x, 0)`; the derivative at 0 is taken as 0.
    public func relu(_ x: Variable) -> Variable { unary(.relu, x) }
    /// `log(1 + exp(x))`, stable for any `x`; backward `g * sigmoid(x)`.
    public func softplus(_ x: Variable) -> Variable { unary(.softplus, x) }
    /// `1 / (1 + exp(-x))`, stable for any `x`; backward `g * y * (1 - y)`.
    public func sigmoid(_ x: Variable) -> Variable { unary(.sigmoid, x) }
    /// `x^2`.
    public func square(_ x: Variable) -> Variable { unary(.square, x) }
    /// `sqrt(x)`; backward `g / (2 y)` (infinite at 0).
    public func sqrt(_ x: Variable) -> Variable { unary(.sqrt, x) }
    /// `|x|`; the derivative at 0 is taken as 0.
    public func abs(_ x: Variable) -> Variable { unary(.abs, x) }
    /// `min(max(x, lower), upper)`; gradient 1 strictly inside, 0 outside (as
    /// `torch.clamp`, except at the bounds themselves, where it is 0 here).
    public func clamp(_ x: Variable, lower: Scalar, upper: Scalar) -> Variable {
        unary(.clamp(lower: Double(lower), upper: Double(upper)), x)
    }
    /// `factor * x` for a constant `factor`.
    public func scale(_ x: Variable, by factor: Scalar) -> Variable { unary(.affine(scale: Double(factor), shift: 0), x) }
    /// `x + offset` for a constant `offset`.
    public func shift(_ x: Variable, by offset: Scalar) -> Variable { unary(.affine(scale: 1, shift: Double(offset)), x) }
    /// `factor * x + offset` for constants, in one pass.
    public func affine(_ x: Variable, scale factor: Scalar, shift offset: Scalar) -> Variable {
        unary(.affine(scale: Double(factor), shift: Double(offset)), x)
    }
}

/// Which operand of a binary op a gradient is taken with respect to.
package enum BinaryOperand: Sendable, Hashable {
    /// The first operand, `a` in `op(a, b)`.
    case left
    /// The second operand, `b` in `op(a, b)`.
    case right
}

extension Tensor {
    /// The vector-Jacobian product of `op` at input `x` with output `y`: `dx (+)= g * op'(x)`.
    package static func applyBackward(_ op: UnaryOp, input x: Tensor, output y: Tensor, gradient g: Tensor,
                                     into dx: inout Tensor, accumulate: Bool = false) {
        graphRequire(x.shape == g.shape, "unary backward: shapes \(x.shape) and \(g.shape) differ")
        if accumulate { graphRequire(x.shape == dx.shape, "accumulating unary backward: shapes \(x.shape) and \(dx.shape) differ") }
        else { dx.prepare(shape: x.shape) }
        graphRequire(x.shape == y.shape, "unary backward output: shapes \(x.shape) and \(y.shape) differ")
        let n = x.count
        x.withUnsafePointer { px in y.withUnsafePointer { py in g.withUnsafePointer { pg in dx.withUnsafeMutablePointer { pdx in
            GraphKernels.unaryBackward(op, x: px, y: py, g: pg, dx: pdx, n, accumulate: accumulate)
        } } } }
    }

    /// The vector-Jacobian product of a broadcasting binary op with respect to one operand:
    /// `d (+)= sum over broadcast axes of g * d op(a, b) / d operand`, where `g` has the
    /// shape of `op(a, b)`. The result has the operand's shape.
    ///
    /// `minimum`/`maximum` split the gradient evenly at ties. Cost: one pass over `g`;
    /// for a broadcast operand without `accumulate`, one extra pass zeroing `d`.
    package static func applyBackward(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, gradient g: Tensor,
                                     withRespectTo operand: BinaryOperand, into d: inout Tensor, accumulate: Bool = false) {
        let plan = Broadcast(a.shape, b.shape)
        graphRequire(g.count == plan.rows * plan.columns,
                     "binary backward: gradient \(g.shape) does not match result \(plan.shape) of \(a.shape), \(b.shape)")
        let target = operand == .left ? a.shape : b.shape
        let full = target.count == plan.rows * plan.columns
        if accumulate {
            graphRequire(d.shape == target, "accumulating binary backward: shapes \(d.shape) and \(target) differ")
        } else {
            d.prepare(shape: target)
        }
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in g.withUnsafePointer { pg in d.withUnsafeMutablePointer { pd in
            if !accumulate && !full { GraphKernels.fill(pd, target.count, 0) }
            GraphKernels.binaryBackward(op, operand, pa, plan.leftStrides, pb, plan.rightStrides, pg, pd,
                                        rows: plan.rows, columns: plan.columns, overwrite: full && !accumulate)
        } } } }
    }
}

extension GraphKernels {
    @inline(__always)
    static func map2<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ n: Int, _ accumulate: Bool, _ f: (T, T, T) -> T) {
        if accumulate { for i in 0..<n { dx[i] += f(x[i], y[i], g[i]) } } else { for i in 0..<n { dx[i] = f(x[i], y[i], g[i]) } }
    }

    /// The vector-Jacobian product of a unary op: `dx (+)= g * f'(x)`, given the input
    /// `x` and the output `y = f(x)` (whichever the derivative is cheaper from).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func unaryBackward<T: TensorScalar>(_ op: UnaryOp, x: UnsafePointer<T>, y: UnsafePointer<T>, g: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, _ n: Int, accumulate: Bool) {
        switch op {
        case .negate: map2(x, y, g, dx, n, accumulate) { _, _, g in -g }
        case .exp: map2(x, y, g, dx, n, accumulate) { _, y, g in g * y }
        case .log: map2(x, y, g, dx, n, accumulate) { x, _, g in g / x }
        case .tanh: map2(x, y, g, dx, n, accumulate) { _, y, g in g * (1 - y * y) }
        case .relu: map2(x, y, g, dx, n, accumulate) { x, _, g in x > 0 ? g : 0 }
        case .softplus: map2(x, y, g, dx, n, accumulate) { x, _, g in g * Kernels.sigmoid(x) }
        case .sigmoid: map2(x, y, g, dx, n, accumulate) { _, y, g in g * y * (1 - y) }
        case .square: map2(x, y, g, dx, n, accumulate) { x, _, g in 2 * x * g }
        case .sqrt: map2(x, y, g, dx, n, accumulate) { _, y, g in g / (2 * y) }
        case .abs: map2(x, y, g, dx, n, accumulate) { x, _, g in x > 0 ? g : (x < 0 ? -g : 0) }
        case let .clamp(lower, upper):
            let lo = T(lower), hi = T(upper)
            map2(x, y, g, dx, n, accumulate) { x, _, g in (x > lo && x < hi) ? g : 0 }
        case let .affine(scale, _):
            let a = T(scale)
            map2(x, y, g, dx, n, accumulate) { _, _, g in a * g }
        }
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
}
