/// Matrix products through `cblas_?gemm`. Transposes are flags passed to BLAS, never copies.
extension Tensor {
    /// Writes `alpha * op(a) * op(b) + beta * c` into `c`.
    ///
    /// `b` is a matrix (rank 2). `a` is a matrix, or, untransposed, a stack of rows of
    /// any rank whose leading dimensions fold into the rows of one gemm: this is the
    /// batched product for stacked inputs that share one weight (for example K actions
    /// per state through one critic layer). The result keeps `a`'s leading dimensions.
    /// With `beta == 0` the result shape is set on `c` (its buffer reused when possible);
    /// otherwise `c` must already have the result shape.
    public static func matmul(
        _ a: Tensor, transposed transposeA: Bool = false,
        _ b: Tensor, transposed transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor
    ) {
        precondition(b.rank == 2, "MixTensor: matmul right operand must be a matrix, got shape \(b.shape)")
        precondition(!transposeA || a.rank == 2, "MixTensor: a transposed left operand must be a matrix, got shape \(a.shape)")
        let (aRows, aColumns) = a.shape.matrixView
        let m = transposeA ? aColumns : aRows
        let k = transposeA ? aRows : aColumns
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "MixTensor: matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
        let resultShape = (a.rank > 2 && !transposeA) ? a.shape.replacing(axis: a.rank - 1, with: n) : Shape(m, n)
        if beta == 0 {
            c.prepare(shape: resultShape)
        } else {
            checkSameShape(c.shape, resultShape, "matmul accumulate target")
            c.makeUnique()
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) } else { c.scale(by: beta) }
            return
        }
        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a.storage.pointer, lda: aColumns,
                    b: b.storage.pointer, ldb: b.shape[1],
                    beta: beta, c: c.storage.pointer, ldc: n)
    }

    /// `op(a) * op(b)` as a new tensor. See ``matmul(_:transposed:_:transposed:alpha:beta:into:)``.
    public static func matmul(_ a: Tensor, transposed transposeA: Bool = false,
                              _ b: Tensor, transposed transposeB: Bool = false) -> Tensor {
        var c = Tensor(uninitializedShape: Shape([]))
        matmul(a, transposed: transposeA, b, transposed: transposeB, into: &c)
        return c
    }

    /// A strided batch of independent products: `c[i] = alpha * op(a[i]) * op(b[i]) + beta * c[i]`
    /// for rank-3 `a` and `b` with equal batch size.
    public static func batchedMatmul(
        _ a: Tensor, transposed transposeA: Bool = false,
        _ b: Tensor, transposed transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor
    ) {
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0],
                     "MixTensor: batchedMatmul needs rank-3 operands with one batch size, got \(a.shape) and \(b.shape)")
        let batch = a.shape[0]
        let m = transposeA ? a.shape[2] : a.shape[1]
        let k = transposeA ? a.shape[1] : a.shape[2]
        let kb = transposeB ? b.shape[2] : b.shape[1]
        let n = transposeB ? b.shape[1] : b.shape[2]
        precondition(k == kb, "MixTensor: batchedMatmul inner dimensions differ: \(a.shape) x \(b.shape)")
        let resultShape = Shape(batch, m, n)
        if beta == 0 { c.prepare(shape: resultShape) } else {
            checkSameShape(c.shape, resultShape, "batchedMatmul accumulate target")
            c.makeUnique()
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) } else { c.scale(by: beta) }
            return
        }
        let strideA = a.shape[1] * a.shape[2], strideB = b.shape[1] * b.shape[2], strideC = m * n
        for i in 0..<batch {
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        alpha: alpha, a: a.storage.pointer + i * strideA, lda: a.shape[2],
                        b: b.storage.pointer + i * strideB, ldb: b.shape[2],
                        beta: beta, c: c.storage.pointer + i * strideC, ldc: n)
        }
    }

    /// `op(a[i]) * op(b[i])` for each batch entry, as a new tensor.
    public static func batchedMatmul(_ a: Tensor, transposed transposeA: Bool = false,
                                     _ b: Tensor, transposed transposeB: Bool = false) -> Tensor {
        var c = Tensor(uninitializedShape: Shape([]))
        batchedMatmul(a, transposed: transposeA, b, transposed: transposeB, into: &c)
        return c
    }
}
