/// Matrix products on the tape: `matmul` (one gemm, stacked rows folded in) and
/// `batchedMatmul` (one gemm per batch entry), forward and backward. Transposes are
/// BLAS flags, never copies.
extension Tape {
    /// `op(a) * op(b)` through one gemm (transposes are BLAS flags, never copies). `b` is
    /// a matrix; `a` is a matrix or, untransposed, a stack of rows of any rank whose
    /// leading dimensions fold into one gemm (K actions per state through one weight).
    /// Backward: two gemms (one per operand that needs a gradient).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ a: Variable, transposed transposeA: Bool = false,
                       _ b: Variable, transposed transposeB: Bool = false) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.matmul(transposeA: transposeA, transposeB: transposeB), ai, bi,
                     requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.matmul(x, transposed: transposeA, y, transposed: transposeB, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``matmul(_:transposed:_:transposed:)`` for node `i`.
    func matmulBackward(_ i: Int, transposeA: Bool, transposeB: Bool) {
        let a = nodes[i].a, b = nodes[i].b
        let g = nodes[i].gradient
        let x = value(a), y = value(b)
        // C = op(A) op(B):  dA = g op(B)ᵀ (or op(B) gᵀ when A is transposed),
        //                   dB = op(A)ᵀ g (or gᵀ op(A) when B is transposed).
        writeGradient(a) { d, acc in
            if transposeA { Tensor.matmul(y, transposed: transposeB, g, transposed: true, beta: acc ? 1 : 0, into: &d) }
            else { Tensor.matmul(g, transposed: false, y, transposed: !transposeB, beta: acc ? 1 : 0, into: &d) }
        }
        writeGradient(b) { d, acc in
            let x2 = matrix(x), g2 = matrix(g)
            if transposeB { Tensor.matmul(g2, transposed: true, x2, transposed: transposeA, beta: acc ? 1 : 0, into: &d) }
            else { Tensor.matmul(x2, transposed: !transposeA, g2, transposed: false, beta: acc ? 1 : 0, into: &d) }
        }
    }

    /// `op(a[i]) * op(b[i])` for rank-3 `a` and `b` with one batch size (one gemm per
    /// batch entry). Backward: the same, per operand.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func batchedMatmul(_ a: Variable, transposed transposeA: Bool = false,
                              _ b: Variable, transposed transposeB: Bool = false) -> Variable {
        let ai = index(a), bi = index(b)
        let x = value(ai), y = value(bi)
        let i = push(.batchedMatmul(transposeA: transposeA, transposeB: transposeB), ai, bi,
                     requiresGradient: nodes[ai].requiresGradient || nodes[bi].requiresGradient)
        Tensor.batchedMatmul(x, transposed: transposeA, y, transposed: transposeB, into: &nodes[i].value)
        return finish(i)
    }

    /// The backward rule of ``batchedMatmul(_:transposed:_:transposed:)`` for node `i`.
    func batchedMatmulBackward(_ i: Int, transposeA: Bool, transposeB: Bool) {
        let a = nodes[i].a, b = nodes[i].b
        let g = nodes[i].gradient
        let x = value(a), y = value(b)
        writeGradient(a) { d, acc in
            if transposeA { Tensor.batchedMatmul(y, transposed: transposeB, g, transposed: true, beta: acc ? 1 : 0, into: &d) }
            else { Tensor.batchedMatmul(g, transposed: false, y, transposed: !transposeB, beta: acc ? 1 : 0, into: &d) }
        }
        writeGradient(b) { d, acc in
            if transposeB { Tensor.batchedMatmul(g, transposed: true, x, transposed: transposeA, beta: acc ? 1 : 0, into: &d) }
            else { Tensor.batchedMatmul(x, transposed: !transposeA, g, transposed: false, beta: acc ? 1 : 0, into: &d) }
        }
    }
}
