/// How two operands of a broadcasting op line up, in their matrix views
/// (leading dimensions folded into rows, the last dimension as columns).
package struct Broadcast: Sendable, Equatable {
    /// The result's shape.
    package var shape: Shape
    /// Rows and columns of the result's matrix view.
    package var rows: Int, columns: Int
    /// (row stride, column stride) of each operand: 0 along a broadcast axis.
    package var leftStrides: (Int, Int), rightStrides: (Int, Int)

    /// Two plans are equal when they produce the same shape from the same strides.
    package static func == (l: Broadcast, r: Broadcast) -> Bool {
        l.shape == r.shape && l.leftStrides == r.leftStrides && l.rightStrides == r.rightStrides
    }

    /// Resolves the broadcast of two shapes. Rows or columns of one operand may be 1
    /// (or the operand a single element) where the other's are larger.
    package init(_ a: Shape, _ b: Shape) {
        let (ra, ca) = a.matrixView, (rb, cb) = b.matrixView
        let rows = max(ra, rb), columns = max(ca, cb)
        let compatible = (ra == rows || ra == 1) && (rb == rows || rb == 1)
            && (ca == columns || ca == 1) && (cb == columns || cb == 1)
        require(compatible, "MixTensor: shapes \(a) and \(b) do not broadcast")
        if a.count == rows * columns && (a.rank >= b.rank || a == b) { shape = a }
        else if b.count == rows * columns { shape = b }
        else { shape = Shape(rows, columns) }
        self.rows = rows
        self.columns = columns
        // A stride is 0 only along an axis that is actually broadcast; an operand that
        // matches the result keeps the contiguous strides (columns, 1), which selects
        // the kernel's flat loop.
        leftStrides = (ra == rows ? ca : 0, ca == columns ? 1 : 0)
        rightStrides = (rb == rows ? cb : 0, cb == columns ? 1 : 0)
    }
}

extension Tensor {
    /// Applies `op` element-wise: `y = op(x)`, or `y += op(x)` when `accumulate`.
    package static func apply(_ op: UnaryOp, _ x: Tensor, into y: inout Tensor, accumulate: Bool = false) {
        if accumulate { checkSameShape(x.shape, y.shape, "accumulating unary op"); y.makeUnique() }
        else { y.prepare(shape: x.shape) }
        x.withElements { px in y.withElements { py in Kernels.unary(op, px, py, x.count, accumulate: accumulate) } }
    }

    /// `op` applied element-wise, as a new tensor.
    package func applying(_ op: UnaryOp) -> Tensor {
        var y = Tensor(uninitializedShape: shape)
        Tensor.apply(op, self, into: &y)
        return y
    }

    /// Applies `op` element-wise with broadcasting: `c = op(a, b)` (or `c += op(a, b)`).
    package static func apply(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into c: inout Tensor, accumulate: Bool = false) {
        let plan = Broadcast(a.shape, b.shape)
        if accumulate { checkSameShape(c.shape, plan.shape, "accumulating binary op"); c.makeUnique() }
        else { c.prepare(shape: plan.shape) }
        a.withElements { pa in b.withElements { pb in c.withElements { pc in
            Kernels.binary(op, pa, plan.leftStrides, pb, plan.rightStrides, pc,
                           rows: plan.rows, columns: plan.columns, accumulate: accumulate)
        } } }
    }

    /// `op(self, other)` with broadcasting, as a new tensor.
    package func applying(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        var c = Tensor(uninitializedShape: Shape())
        Tensor.apply(op, self, other, into: &c)
        return c
    }

    /// Multiplies every element by `factor` in place.
    @inlinable public mutating func scale(by factor: Scalar) {
        let n = count
        withUnsafeMutablePointer { p in for i in 0..<n { p[i] *= factor } }
    }

    /// `self += factor * other` in place (shapes must match).
    public mutating func add(_ other: Tensor, scaledBy factor: Scalar = 1) {
        checkSameShape(shape, other.shape, "add(_:scaledBy:)")
        let n = count
        other.withElements { src in withUnsafeMutablePointer { p in for i in 0..<n { p[i] += factor * src[i] } } }
    }

    /// `e^x` element-wise; overflows to `+inf` above `log(greatestFiniteMagnitude)`
    /// (88.72 for `Float`, 709.78 for `Double`).
    public func exp() -> Tensor { applying(.exp) }
    /// Natural logarithm element-wise (`-inf` at 0, NaN below).
    public func log() -> Tensor { applying(.log) }
    /// Hyperbolic tangent element-wise.
    public func tanh() -> Tensor { applying(.tanh) }
    /// `max(x, 0)` element-wise; NaN stays NaN.
    public func relu() -> Tensor { applying(.relu) }
    /// `log(1 + exp(x))`, stable for inputs of any size.
    public func softplus() -> Tensor { applying(.softplus) }
    /// `1 / (1 + exp(-x))`, stable for inputs of any size.
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    /// `x * x` element-wise.
    public func squared() -> Tensor { applying(.square) }
    /// Square root element-wise.
    public func squareRoot() -> Tensor { applying(.sqrt) }
    /// Each element limited to `range`; NaN stays NaN.
    public func clamped(to range: ClosedRange<Scalar>) -> Tensor {
        applying(.clamp(lower: Double(range.lowerBound), upper: Double(range.upperBound)))
    }

    /// Element-wise sum with broadcasting of rows and columns: in the matrix views
    /// (leading dimensions folded into rows, the last dimension as columns), either
    /// operand may have 1 row, 1 column or one element where the other has more; the
    /// result takes the larger sizes. Mismatched shapes stop with both shapes named.
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.applying(.add, b) }
    /// Element-wise difference with broadcasting of rows and columns.
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.applying(.subtract, b) }
    /// Element-wise product with broadcasting of rows and columns.
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.applying(.multiply, b) }
    /// Element-wise quotient with broadcasting of rows and columns.
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.applying(.divide, b) }
    /// Element-wise negation.
    public static prefix func - (a: Tensor) -> Tensor { a.applying(.negate) }
    /// Adds `s` to every element.
    public static func + (a: Tensor, s: Scalar) -> Tensor { a.applying(.affine(scale: 1, shift: Double(s))) }
    /// Subtracts `s` from every element.
    public static func - (a: Tensor, s: Scalar) -> Tensor { a.applying(.affine(scale: 1, shift: -Double(s))) }
    /// Multiplies every element by `s`.
    public static func * (a: Tensor, s: Scalar) -> Tensor { a.applying(.affine(scale: Double(s), shift: 0)) }
    /// Multiplies every element by `s`.
    public static func * (s: Scalar, a: Tensor) -> Tensor { a * s }
    /// Element-wise minimum (with broadcasting).
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.applying(.minimum, b) }
    /// Element-wise maximum (with broadcasting).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.applying(.maximum, b) }
}
