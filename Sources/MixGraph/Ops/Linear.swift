/// The affine layer `x Wᵀ + b`, optionally fused with the ReLU that follows it: the
/// tape operation, its backward rule, and the kernels only it uses (bias and ReLU in one
/// pass over the product, the in-place ReLU mask of the gradient, the bias gradient as a
/// reduction to the broadcast operand's shape).
extension Tape {
    /// `x * weightᵀ + bias`, the affine map of `torch.nn.Linear` (weight `[out, in]`,
    /// bias `[out]`), for `x` of shape `[batch, in]` or stacked `[..., in]`.
    ///
    /// The product runs with `beta = 0`; one pass over it then adds the bias (the same
    /// bits as a product accumulated onto the broadcast bias).
    /// Backward: `dW = gᵀ x` and `dx = g W` (one gemm each, skipped when not needed) and
    /// `db` = column sums of `g`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
        linear(x, weight: weight, bias: bias, relu: false)
    }

    /// ``linear(_:weight:bias:)`` followed by ReLU when `relu`, as one node: the bias and
    /// the activation are applied in one pass over the product, and the backward pass
    /// masks the incoming gradient in place. Same values, bit for bit, as the two
    /// separate operations.
    func linear(_ x: Variable, weight: Variable, bias: Variable?, relu: Bool) -> Variable {
        let xi = index(x), wi = index(weight), bi = bias.map(index) ?? -1
        let xv = value(xi), wv = value(wi)
        graphRequire(xv.rank >= 2 && wv.rank == 2,
                     "linear needs x of rank >= 2 and a weight matrix, got \(xv.shape) and \(wv.shape)")
        let needs = nodes[xi].requiresGradient || nodes[wi].requiresGradient || (bi >= 0 && nodes[bi].requiresGradient)
        let i = push(.linear(hasBias: bi >= 0, relu: relu), xi, wi, bi, requiresGradient: needs)
        Tensor.matmul(xv, transposed: false, wv, transposed: true, into: &nodes[i].value)
        if bi >= 0 || relu { nodes[i].value.addRows(bi >= 0 ? value(bi) : nil, relu: relu) }
        return finish(i)
    }

    /// The backward rule of ``linear(_:weight:bias:relu:)`` for node `i`.
    func linearBackward(_ i: Int, hasBias: Bool, relu: Bool) {
        let a = nodes[i].a, b = nodes[i].b, c = nodes[i].c
        let g = nodes[i].gradient
        let x = value(a), w = value(b)
        // With ReLU, g becomes the gradient of the pre-activation first (in place).
        if relu { Tensor.maskInPlace(g, wherePositive: nodes[i].value) }
        // y = x Wᵀ + b:  dW = gᵀ x,  db = column sums of g,  dx = g W.
        writeGradient(b) { d, acc in
            Tensor.matmul(matrix(g), transposed: true, matrix(x), transposed: false, beta: acc ? 1 : 0, into: &d)
        }
        if hasBias {
            let biasShape = nodes[c].shape
            writeGradient(c) { d, acc in Tensor.reduce(g, toBroadcastShape: biasShape, into: &d, accumulate: acc) }
        }
        writeGradient(a) { d, acc in Tensor.matmul(g, transposed: false, w, transposed: false, beta: acc ? 1 : 0, into: &d) }
    }
}

extension Tensor {
    /// `self[r, j] += row[j]` for every row, then, with `relu`, `max(., 0)` (ReLU's
    /// `x < 0 ? 0 : x`): a linear layer's bias and activation in one pass over its
    /// product. Adding the bias after a `beta = 0` product gives the bits of a product
    /// accumulated onto the broadcast bias (`beta = 1`): the library adds the finished
    /// sum to `C` in one rounding either way. Without a row, only the ReLU (or nothing).
    mutating func addRows(_ row: Tensor?, relu: Bool) {
        let (rows, columns) = shape.matrixView
        if let row { graphRequire(row.count == columns, "addRows of \(row.shape) to \(shape)") }
        withUnsafeMutablePointer { y in
            if let row {
                row.withUnsafePointer { b in GraphKernels.addRows(y, b, rows: rows, columns: columns, relu: relu) }
            } else {
                GraphKernels.addRows(y, nil, rows: rows, columns: columns, relu: relu)
            }
        }
    }

    /// `gradient[i] = output[i] > 0 ? gradient[i] : 0`, in place in `gradient`'s buffer
    /// even when other handles share it (the tape's own gradient buffer of a fused
    /// linear-ReLU node, which only that node's backward rule reads): ReLU's backward
    /// pass given its output, `y > 0` exactly where the input was `> 0`.
    static func maskInPlace(_ gradient: Tensor, wherePositive output: Tensor) {
        graphRequire(gradient.shape == output.shape, "maskInPlace of \(gradient.shape) by \(output.shape)")
        let n = gradient.count
        gradient.withUnsafePointer { g in
            output.withUnsafePointer { y in GraphKernels.maskWherePositive(UnsafeMutablePointer(mutating: g), y, n) }
        }
    }

    /// Sums `g` (shaped like a broadcast result) down to `shape`, the shape of one
    /// operand of that broadcast: the backward pass of broadcasting (a linear layer's
    /// bias gradient).
    package static func reduce(_ g: Tensor, toBroadcastShape shape: Shape, into out: inout Tensor, accumulate: Bool = false) {
        let (rows, columns) = g.shape.matrixView
        let (r, c) = shape.matrixView
        graphRequire((r == rows || r == 1) && (c == columns || c == 1) && shape.count == r * c,
                     "cannot reduce \(g.shape) to broadcast operand \(shape)")
        if accumulate { graphRequire(out.shape == shape, "accumulating broadcast reduction: shapes \(out.shape) and \(shape) differ") }
        else { out.prepare(shape: shape) }
        g.withUnsafePointer { pg in out.withUnsafeMutablePointer { po in
            GraphKernels.reduceToBroadcast(pg, rows: rows, columns: columns, keepRows: r == rows, keepColumns: c == columns,
                                           po, accumulate: accumulate)
        } }
    }
}

extension GraphKernels {
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

    /// Sums a rows x columns matrix down to a broadcast operand's layout:
    /// (1 x columns), (rows x 1), (1 x 1) or unchanged.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func reduceToBroadcast<T: TensorScalar>(_ g: UnsafePointer<T>, rows: Int, columns: Int, keepRows: Bool, keepColumns: Bool, _ out: UnsafeMutablePointer<T>, accumulate: Bool) {
        switch (keepRows, keepColumns) {
        case (true, true):
            let n = rows * columns
            if accumulate { for i in 0..<n { out[i] += g[i] } } else { out.update(from: g, count: n) }
        case (false, true):
            if !accumulate { out.update(repeating: 0, count: columns) }
            for r in 0..<rows { let gr = g + r * columns; for j in 0..<columns { out[j] += gr[j] } }
        case (true, false):
            for r in 0..<rows {
                let gr = g + r * columns
                var s: T = 0
                for j in 0..<columns { s += gr[j] }
                if accumulate { out[r] += s } else { out[r] = s }
            }
        case (false, false):
            var s: T = 0
            for i in 0..<(rows * columns) { s += g[i] }
            if accumulate { out[0] += s } else { out[0] = s }
        }
    }
}
