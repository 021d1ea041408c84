/// Matrix products through `cblas_?gemm`. Transposes are flags passed to BLAS, never copies.
///
/// The `into:` forms are `@inlinable` so that a caller's use specializes to `Float` or
/// `Double` at the call site: between the call and `cblas_?gemm` there is shape
/// arithmetic, one uniqueness check on the output buffer and nothing else (no
/// allocation once the output buffer has the capacity, no protocol dispatch). For the
/// small matrices of an RL update (a 256 x 256 x 1 product takes a few microseconds)
/// that overhead is what separates the tensor layer from raw BLAS.
extension Tensor {
    /// Writes `alpha * op(a) * op(b) + beta * c` into `c`.
    ///
    /// `b` is a matrix (rank 2). `a` is a matrix, or, untransposed, a stack of rows of
    /// any rank whose leading dimensions fold into the rows of one gemm: this is the
    /// batched product for stacked inputs that share one weight (for example K actions
    /// per state through one critic layer). The result keeps `a`'s leading dimensions.
    /// With `beta == 0` the result shape is set on `c` (its buffer reused when possible)
    /// and `c`'s previous contents are ignored, even NaN; otherwise `c` must already have
    /// the result shape.
    ///
    /// Cost: one `?gemm` call, `2 m n k` flops; allocates only when `c` is shared or too small.
    @inlinable
    public static func matmul(
        _ a: Tensor, transposed transposeA: Bool = false,
        _ b: Tensor, transposed transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor
    ) {
        require(b.rank == 2, "MixTensor: matmul right operand must be a matrix, got shape \(b.shape)")
        require(!transposeA || a.rank == 2, "MixTensor: a transposed left operand must be a matrix, got shape \(a.shape)")
        let (aRows, aColumns) = a.shape.matrixView
        let m = transposeA ? aColumns : aRows
        let k = transposeA ? aRows : aColumns
        let kb = transposeB ? b.shape.d1 : b.shape.d0
        let n = transposeB ? b.shape.d0 : b.shape.d1
        require(k == kb, "MixTensor: matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
        let resultShape = a.rank > 2 ? a.shape.replacing(axis: a.rank - 1, with: n) : Shape(m, n)
        if beta == 0 {
            c.prepare(shape: resultShape)
        } else {
            checkSameShape(c.shape, resultShape, "matmul accumulate target")
            c.makeUnique()
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS may return early for k == 0 without applying beta; do it here.
            if beta == 0 { c.fill(0) } else { c.scale(by: beta) }
            return
        }
        a.withElements { pa in b.withElements { pb in c.withElements { pc in
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        alpha: alpha, a: pa, lda: aColumns, b: pb, ldb: b.shape.d1,
                        beta: beta, c: pc, ldc: n)
        } } }
    }

    /// `alpha * a * op(b) + beta * c` into `c`: the form for transposing only the right
    /// operand (Swift cannot skip the first `transposed:` label of the general form).
    /// See ``matmul(_:transposed:_:transposed:alpha:beta:into:)``.
    @inlinable
    public static func matmul(_ a: Tensor, _ b: Tensor, transposed transposeB: Bool,
                              alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor) {
        matmul(a, transposed: false, b, transposed: transposeB, alpha: alpha, beta: beta, into: &c)
    }

    /// `a * op(b)` as a new tensor.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposed transposeB: Bool) -> Tensor {
        matmul(a, transposed: false, b, transposed: transposeB)
    }

    /// `op(a) * op(b)` as a new tensor. See ``matmul(_:transposed:_:transposed:alpha:beta:into:)``.
    public static func matmul(_ a: Tensor, transposed transposeA: Bool = false,
                              _ b: Tensor, transposed transposeB: Bool = false) -> Tensor {
        var c = Tensor(uninitializedShape: Shape())
        matmul(a, transposed: transposeA, b, transposed: transposeB, into: &c)
        return c
    }

    /// A strided batch of independent products: `c[i] = alpha * op(a[i]) * op(b[i]) + beta * c[i]`
    /// for rank-3 `a` and `b` with equal batch size.
    ///
    /// Cost: one `?gemm` call per batch entry (OpenBLAS 0.3.21 has no batched gemm),
    /// `2 batch m n k` flops; allocates only when `c` is shared or too small.
    @inlinable
    package static func batchedMatmul(
        _ a: Tensor, transposed transposeA: Bool = false,
        _ b: Tensor, transposed transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor
    ) {
        require(a.rank == 3 && b.rank == 3 && a.shape.d0 == b.shape.d0,
                "MixTensor: batchedMatmul needs rank-3 operands with one batch size, got \(a.shape) and \(b.shape)")
        let batch = a.shape.d0
        let m = transposeA ? a.shape.d2 : a.shape.d1
        let k = transposeA ? a.shape.d1 : a.shape.d2
        let kb = transposeB ? b.shape.d2 : b.shape.d1
        let n = transposeB ? b.shape.d1 : b.shape.d2
        require(k == kb, "MixTensor: batchedMatmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
        let resultShape = Shape(batch, m, n)
        if beta == 0 { c.prepare(shape: resultShape) } else {
            checkSameShape(c.shape, resultShape, "batchedMatmul accumulate target")
            c.makeUnique()
        }
        if batch == 0 || m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) } else { c.scale(by: beta) }
            return
        }
        let strideA = a.shape.d1 * a.shape.d2, strideB = b.shape.d1 * b.shape.d2, strideC = m * n
        a.withElements { pa in b.withElements { pb in c.withElements { pc in
            for i in 0..<batch {
                Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                            alpha: alpha, a: pa + i * strideA, lda: a.shape.d2,
                            b: pb + i * strideB, ldb: b.shape.d2,
                            beta: beta, c: pc + i * strideC, ldc: n)
            }
        } } }
    }

    /// `alpha * a[i] * op(b[i]) + beta * c[i]`: the form for transposing only the right operands.
    @inlinable
    package static func batchedMatmul(_ a: Tensor, _ b: Tensor, transposed transposeB: Bool,
                                     alpha: Scalar = 1, beta: Scalar = 0, into c: inout Tensor) {
        batchedMatmul(a, transposed: false, b, transposed: transposeB, alpha: alpha, beta: beta, into: &c)
    }

    /// `a[i] * op(b[i])` for each batch entry, as a new tensor.
    package static func batchedMatmul(_ a: Tensor, _ b: Tensor, transposed transposeB: Bool) -> Tensor {
        batchedMatmul(a, transposed: false, b, transposed: transposeB)
    }

    /// `op(a[i]) * op(b[i])` for each batch entry, as a new tensor.
    package static func batchedMatmul(_ a: Tensor, transposed transposeA: Bool = false,
                                     _ b: Tensor, transposed transposeB: Bool = false) -> Tensor {
        var c = Tensor(uninitializedShape: Shape())
        batchedMatmul(a, transposed: transposeA, b, transposed: transposeB, into: &c)
        return c
    }
}
