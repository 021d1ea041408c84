/// LAPACK where it is the right tool: orthogonal matrices by QR, symmetric eigen-decomposition.
extension Tensor {
    /// A random `rows x columns` matrix with orthonormal rows or columns (whichever are
    /// fewer), times `gain`: the orthogonal initialization of Saxe et al.
    ///
    /// Draws a Gaussian matrix, takes its QR factorization and multiplies Q's columns by
    /// the signs of R's diagonal, so the result is uniformly (Haar) distributed rather
    /// than biased by LAPACK's sign convention.
    public static func orthogonal(rows: Int, columns: Int, gain: Scalar = 1, using rng: inout RandomStream) throws(LAPACKError) -> Tensor {
        // LAPACK rejects a leading dimension of 0; an empty matrix is trivially orthogonal.
        if rows == 0 || columns == 0 { return Tensor.zeros(Shape(rows, columns)) }
        let tall = rows >= columns
        let (m, n) = tall ? (rows, columns) : (columns, rows)
        var q = Tensor.randomNormal(Shape(m, n), using: &rng)
        q.makeUnique()
        let diagonal = try q.withElements { (p) throws(LAPACKError) -> [Scalar] in try Scalar.orthonormalize(p, rows: m, columns: n) }
        q.withUnsafeMutablePointer { p in
            for j in 0..<n {
                let sign: Scalar = diagonal[j] < 0 ? -gain : gain
                for i in 0..<m { p[i * n + j] *= sign }
            }
        }
        if tall { return q }
        var t = Tensor.zeros(Shape(rows, columns))
        t.withUnsafeMutablePointer { dst in q.withUnsafePointer { src in
            for i in 0..<m { for j in 0..<n { dst[j * columns + i] = src[i * n + j] } }
        } }
        return t
    }

    /// The eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix.
    public func symmetricEigen() throws(LAPACKError) -> (values: [Scalar], vectors: Tensor) {
        require(rank == 2 && shape[0] == shape[1], "MixTensor: symmetricEigen needs a square matrix, got \(shape)")
        var vectors = self
        let n = shape[0]
        vectors.makeUnique()
        let values = try vectors.withElements { (p) throws(LAPACKError) -> [Scalar] in try Scalar.symmetricEigen(p, n: n) }
        return (values, vectors)
    }

    /// The matrix transpose (a copy; products never need one, they take a flag).
    public func transposed() -> Tensor {
        require(rank == 2, "MixTensor: transposed() needs a matrix, got \(shape)")
        let r = shape[0], c = shape[1]
        var t = Tensor(uninitializedShape: Shape(c, r))
        withElements { src in t.withUnsafeMutablePointer { dst in for i in 0..<r { for j in 0..<c { dst[j * r + i] = src[i * c + j] } } } }
        return t
    }
}
