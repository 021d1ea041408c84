import MixTensor
import MixTensorTestSupport
import Testing

/// `max |M - I|` for a square matrix.
func distanceFromIdentity<T: TensorScalar>(_ m: Tensor<T>, scale: Double = 1) -> Double {
    let n = m.shape[0]
    var worst = 0.0
    for i in 0..<n { for j in 0..<n { worst = max(worst, abs(Double(m[i, j]) - (i == j ? scale : 0))) } }
    return worst
}

@Suite("LAPACK: orthogonal matrices and symmetric eigen-decomposition")
struct LAPACKTests {
    @Test("orthogonal(rows:columns:) has orthonormal columns (tall) or rows (wide), times the gain", arguments: scalarTypes)
    func orthogonal(_ type: any TensorScalar.Type) throws { try checkOrthogonal(type) }
    func checkOrthogonal<T: TensorScalar>(_: T.Type) throws {
        let tolerance = 64 * Double(T.ulpOfOne)
        for (rows, columns) in [(9, 4), (4, 9), (6, 6), (256, 17), (1, 5)] {
            for gain in [1.0, 2.0.squareRoot()] {
                var rng = RandomStream(seed: 21)
                let q = try Tensor<T>.orthogonal(rows: rows, columns: columns, gain: T(gain), using: &rng)
                #expect(q.shape == Shape(rows, columns))
                // QᵀQ = gain² I (tall, columns orthonormal) or QQᵀ = gain² I (wide, rows orthonormal).
                let gram = rows >= columns ? Tensor.matmul(q, transposed: true, q) : Tensor.matmul(q, q, transposed: true)
                let error = distanceFromIdentity(gram, scale: gain * gain)
                #expect(error <= tolerance * Double(max(rows, columns)), "\(rows)x\(columns) gain \(gain): |QᵀQ - g²I| = \(error)")
            }
        }
        // Reproducible for a seed, different for another.
        var a = RandomStream(seed: 5), b = RandomStream(seed: 5), c = RandomStream(seed: 6)
        let qa = try Tensor<T>.orthogonal(rows: 5, columns: 3, using: &a)
        #expect(qa == (try Tensor<T>.orthogonal(rows: 5, columns: 3, using: &b)))
        #expect(qa != (try Tensor<T>.orthogonal(rows: 5, columns: 3, using: &c)))
        var d = RandomStream(seed: 5)
        #expect(try Tensor<T>.orthogonal(rows: 0, columns: 3, using: &d).shape == Shape(0, 3))
    }

    @Test("orthogonal initialization is not biased by LAPACK's sign convention")
    func haarSigns() throws {
        // With the sign correction, each entry of a Haar-random orthogonal matrix is
        // symmetric about 0; without it the diagonal of Q leans toward one sign.
        var rng = RandomStream(seed: 22)
        var positiveDiagonal = 0
        let trials = 400
        for _ in 0..<trials {
            let q = try Tensor<Double>.orthogonal(rows: 3, columns: 3, using: &rng)
            positiveDiagonal += q[0, 0] > 0 ? 1 : 0
        }
        // Binomial(400, 1/2): standard deviation 10.
        #expect(abs(positiveDiagonal - trials / 2) <= 50, "\(positiveDiagonal) of \(trials) positive")
    }

    @Test("symmetricEigen reconstructs the matrix: V diag(λ) Vᵀ = A, VᵀV = I, λ ascending", arguments: scalarTypes)
    func symmetricEigen(_ type: any TensorScalar.Type) throws { try checkEigen(type) }
    func checkEigen<T: TensorScalar>(_: T.Type) throws {
        // A known case first.
        let (values2, _) = try Tensor<T>(rows: [[2, 1], [1, 2]]).symmetricEigen()
        expectClose(values2, [1, 3], relative: T.ulps16, absolute: T.ulps16, "eigenvalues of [[2, 1], [1, 2]]")
        for n in [1, 5, 12] {
            // A symmetric matrix BᵀB - 2I with both signs among its eigenvalues.
            let b = uniformTensor(T.self, Shape(n, n), seed: UInt64(30 + n))
            var a = Tensor.matmul(b, transposed: true, b)
            for i in 0..<n { a[i, i] -= 2 }
            let before = a.scalars
            let (values, vectors) = try a.symmetricEigen()
            #expect(a.scalars == before, "the input is left untouched")
            #expect(values.count == n && vectors.shape == Shape(n, n))
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "ascending")
            let tolerance = 64 * Double(n) * Double(T.ulpOfOne)
            #expect(distanceFromIdentity(Tensor.matmul(vectors, transposed: true, vectors)) <= tolerance, "VᵀV = I, n = \(n)")
            let scaled = vectors * Tensor<T>(values)    // columns times their eigenvalue (row broadcast)
            let reconstructed = Tensor.matmul(scaled, vectors, transposed: true)
            let norm = doubles(a).map { abs($0) }.max() ?? 1
            expectClose(reconstructed.scalars, doubles(a), relative: 0, absolute: tolerance * norm, "V diag(λ) Vᵀ = A, n = \(n)")
        }
    }
}
