import Foundation
import MixTensor
import MixTensorTestSupport
import Testing

/// The matrix-product libraries behind `TensorScalar.gemm`: every routing (OpenBLAS,
/// BLIS, by shape) against the `Double` triple loop, without changing the
/// process's selection (other suites run in parallel in the same process and some of
/// them compare results bit for bit).
struct GemmBackendTests {
    /// Flags and sizes covering both sides of the inner-dimension threshold, vectors
    /// (`n = 1`, `k = 1`), transposes, and odd sizes.
    static let products: [(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int)] = [
        (false, true, 37, 29, 17), (false, true, 64, 48, 33), (false, false, 37, 23, 64),
        (true, false, 40, 23, 45), (false, true, 45, 1, 64), (false, false, 45, 64, 1),
        (true, false, 1, 64, 45), (true, true, 19, 21, 70), (false, false, 1, 1, 1),
    ]

    static let routings: [GemmDispatch.Routing] = [.openblas, .blis]

    /// Runs `gemm` (one type's routed entry point) on every product with `alpha` and
    /// `beta` not 0 or 1, and checks it against the naive product.
    func check<T: TensorScalar>(
        _: T.Type, routing: GemmDispatch.Routing,
        _ gemm: (GemmDispatch.Routing, Bool, Bool, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int,
                 T, UnsafeMutablePointer<T>, Int) -> Void
    ) {
        for (index, p) in Self.products.enumerated() {
            let aDims = p.transposeA ? (p.k, p.m) : (p.m, p.k), bDims = p.transposeB ? (p.n, p.k) : (p.k, p.n)
            let a = uniformTensor(T.self, Shape(aDims.0, aDims.1), seed: UInt64(10 + index))
            let b = uniformTensor(T.self, Shape(bDims.0, bDims.1), seed: UInt64(50 + index))
            var c = uniformTensor(T.self, Shape(p.m, p.n), seed: UInt64(90 + index))
            let reference = naiveMatmul(doubles(a), aDims, transposeA: p.transposeA, doubles(b), bDims, transposeB: p.transposeB,
                                        alpha: 0.75, beta: -0.5, c0: doubles(c))
            a.withUnsafePointer { pa in
                b.withUnsafePointer { pb in
                    c.withUnsafeMutablePointer { pc in
                        gemm(routing, p.transposeA, p.transposeB, p.m, p.n, p.k, 0.75, pa, aDims.1, pb, bDims.1, -0.5, pc, p.n)
                    }
                }
            }
            expectProduct(c, reference, "\(routing) \(p)")
        }
    }

    @Test(arguments: routings)
    func everyRoutingMatchesTheDoubleReference(_ routing: GemmDispatch.Routing) throws {
        try #require(routing == .openblas || GemmBackend.isBLISAvailable,
                     "BLIS is not installed (\(BLISLibrary.loadFailure)); only OpenBLAS is checked")
        check(Float.self, routing: routing) {
            Float.gemm(routing: $0, transposeA: $1, transposeB: $2, m: $3, n: $4, k: $5, alpha: $6, a: $7, lda: $8,
                       b: $9, ldb: $10, beta: $11, c: $12, ldc: $13)
        }
        check(Double.self, routing: routing) {
            Double.gemm(routing: $0, transposeA: $1, transposeB: $2, m: $3, n: $4, k: $5, alpha: $6, a: $7, lda: $8,
                        b: $9, ldb: $10, beta: $11, c: $12, ldc: $13)
        }
    }

    @Test func routingSendsNonDegenerateProductsToBLISOnlyWhenAsked() {
        #expect(!GemmDispatch.usesBLIS(.openblas, transposeB: false, m: 256, n: 256, k: 256))
        #expect(GemmDispatch.usesBLIS(.blis, transposeB: true, m: 256, n: 256, k: 1))
        // Degenerate products stay on OpenBLAS, which defines them.
        #expect(!GemmDispatch.usesBLIS(.blis, transposeB: false, m: 0, n: 256, k: 256))
        #expect(!GemmDispatch.usesBLIS(.blis, transposeB: false, m: 256, n: 256, k: 0))
    }

    /// BLIS's transposed-copy path (small inner dimension, op(B) = Bᵀ, 16 rows or more)
    /// against the same product through OpenBLAS, with a leading dimension wider than k.
    @Test func blisTransposedCopyPathMatchesOpenBLAS() throws {
        try #require(GemmBackend.isBLISAvailable, "BLIS is not installed (\(BLISLibrary.loadFailure))")
        for (m, n, k) in [(16, 5, 3), (37, 29, 17), (64, 256, 32), (20, 7, 4)] {
            let a = uniformTensor(Float.self, Shape(m, k), seed: 3), b = uniformTensor(Float.self, Shape(n, k + 3), seed: 4)
            var viaBLIS = [Float](repeating: 0, count: m * n), viaOpenBLAS = viaBLIS
            a.withUnsafePointer { pa in b.withUnsafePointer { pb in
                Float.gemm(routing: .blis, transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: pa, lda: k,
                           b: pb, ldb: k + 3, beta: 0, c: &viaBLIS, ldc: n)
                Float.gemm(routing: .openblas, transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: pa, lda: k,
                           b: pb, ldb: k + 3, beta: 0, c: &viaOpenBLAS, ldc: n)
            } }
            for (x, y) in zip(viaBLIS, viaOpenBLAS) { #expect(Swift.abs(x - y) <= 1e-5 * max(1, Swift.abs(y)), "\(m)x\(n)x\(k)") }
        }
    }

    /// `GemmLog` is process-wide and other suites issue products in parallel in this
    /// process, so the recording runs as an exit test, alone in a child process (as in
    /// UpdateAllocationTests); the child exits 0 when the log holds exactly the one product.
    @Test func theGemmLogSeesProductsRoutedToBLIS() async throws {
        try #require(GemmBackend.isBLISAvailable, "BLIS is not installed (\(BLISLibrary.loadFailure))")
        await #expect(processExitsWith: .success) {
            let a = uniformTensor(Float.self, Shape(8, 40), seed: 1), b = uniformTensor(Float.self, Shape(40, 8), seed: 2)
            var c = Tensor<Float>.zeros(Shape(8, 8))
            let (_, gemms) = GemmLog.recording {
                a.withUnsafePointer { pa in b.withUnsafePointer { pb in c.withUnsafeMutablePointer { pc in
                    Float.gemm(routing: .blis, transposeA: false, transposeB: false, m: 8, n: 8, k: 40, alpha: 1, a: pa, lda: 40,
                               b: pb, ldb: 8, beta: 0, c: pc, ldc: 8)
                } } }
            }
            exit(gemms == [GemmRecord(transposeA: false, transposeB: false, m: 8, n: 8, k: 40, accumulates: false)] ? 0 : 1)
        }
    }

    @Test func theSelectionAndItsSummaryAgree() {
        let selection = GemmBackend.selection
        let summary = GemmBackend.summary
        #expect(summary.hasPrefix(selection.rawValue + ":"), "\(summary)")
        if selection == .openblas || !GemmBackend.isBLISAvailable {
            #expect(GemmBackend.forProduct(transposeB: false, m: 256, n: 256, k: 256) == .openblas)
        }
        if selection == .blis { #expect(GemmBackend.forProduct(transposeB: true, m: 256, n: 256, k: 17) == .blis) }
    }
}
