import COpenBLAS
import RealModule

/// An element type of a ``Tensor``: `Float` (training) or `Double` (gradient checks,
/// variance analysis).
///
/// Element-wise kernels are written once, generically, and specialized for both types
/// with `@_specialize`; the requirements here are the routines that must call a
/// different C function per type (BLAS and LAPACK). Dispatch through this protocol
/// happens once per operation, never per element.
public protocol TensorScalar: BinaryFloatingPoint, Real, Sendable, Codable
where RawSignificand: FixedWidthInteger {
    /// The safetensors / NumPy name of the type (`F32`, `F64`).
    static var dtypeName: String { get }

    /// `C = alpha * op(A) * op(B) + beta * C`, row-major, through `cblas_?gemm`.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// Computes the QR factorization of the m x n row-major matrix in place and replaces
    /// it by the first min(m, n) columns of Q (`?geqrf` then `?orgqr`). Returns the
    /// diagonal of R. Throws on a LAPACK error.
    static func orthonormalize(_ a: UnsafeMutablePointer<Self>, rows m: Int, columns n: Int) throws(LAPACKError) -> [Self]

    /// Eigen-decomposition of a symmetric n x n row-major matrix (`?syevd`, upper
    /// triangle read). Writes eigenvectors as columns into `a` and returns eigenvalues in
    /// ascending order.
    static func symmetricEigen(_ a: UnsafeMutablePointer<Self>, n: Int) throws(LAPACKError) -> [Self]
}

/// A LAPACK routine reported failure.
public struct LAPACKError: Error, CustomStringConvertible, Sendable {
    /// The routine that failed.
    public var routine: String
    /// LAPACK's `info` code: negative for an illegal argument, positive for a numerical failure.
    public var info: Int32
    /// `LAPACK <routine> failed with info = <info>`.
    public var description: String { "LAPACK \(routine) failed with info = \(info)" }
}

@inline(__always) func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: TensorScalar {
    /// `F32`.
    public static var dtypeName: String { "F32" }

    /// `cblas_sgemm` (or BLIS's `bli_sgemm` where ``GemmBackend`` routes the product
    /// there), row-major, transposes as flags (no copies); while the
    /// package's gemm log records (benchmarks), the call is also appended to it.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        gemm(routing: GemmDispatch.routing, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
             alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with the
    /// routing given instead of the process's (tests run each library side by side).
    @inline(__always)
    package static func gemm(
        routing: GemmDispatch.Routing, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        GemmLog.record(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, accumulates: beta != 0)
        let product = SGemmArguments(routing: routing, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                     alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        if !GemmSplit.runSplit(product) { product.run() }
    }

    /// `LAPACKE_sgeqrf` then `LAPACKE_sorgqr`; see ``TensorScalar/orthonormalize(_:rows:columns:)``.
    public static func orthonormalize(_ a: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) throws(LAPACKError) -> [Float] {
        let r = min(m, n)
        var tau = [Float](repeating: 0, count: max(r, 1))
        var info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), &tau)
        guard info == 0 else { throw LAPACKError(routine: "sgeqrf", info: info) }
        let diagonal = (0..<r).map { a[$0 * n + $0] }
        info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(r), Int32(r), a, Int32(n), &tau)
        guard info == 0 else { throw LAPACKError(routine: "sorgqr", info: info) }
        return diagonal
    }

    /// `LAPACKE_ssyevd` (eigenvalues and vectors, divide and conquer); see
    /// ``TensorScalar/symmetricEigen(_:n:)``.
    public static func symmetricEigen(_ a: UnsafeMutablePointer<Float>, n: Int) throws(LAPACKError) -> [Float] {
        var w = [Float](repeating: 0, count: n)
        let info = LAPACKE_ssyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n), a, Int32(n), &w)
        guard info == 0 else { throw LAPACKError(routine: "ssyevd", info: info) }
        return w
    }
}

extension Double: TensorScalar {
    /// `F64`.
    public static var dtypeName: String { "F64" }

    /// `cblas_dgemm` (or BLIS's `bli_dgemm` where ``GemmBackend`` routes the product
    /// there), row-major, transposes as flags (no copies); while the
    /// package's gemm log records (benchmarks), the call is also appended to it.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        gemm(routing: GemmDispatch.routing, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
             alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with the
    /// routing given instead of the process's (tests run each library side by side).
    @inline(__always)
    package static func gemm(
        routing: GemmDispatch.Routing, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        GemmLog.record(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, accumulates: beta != 0)
        if GemmDispatch.usesBLIS(routing, transposeB: transposeB, m: m, n: n, k: k), let blis = BLISLibrary.shared {
            blis.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// `LAPACKE_dgeqrf` then `LAPACKE_dorgqr`; see ``TensorScalar/orthonormalize(_:rows:columns:)``.
    public static func orthonormalize(_ a: UnsafeMutablePointer<Double>, rows m: Int, columns n: Int) throws(LAPACKError) -> [Double] {
        let r = min(m, n)
        var tau = [Double](repeating: 0, count: max(r, 1))
        var info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), &tau)
        guard info == 0 else { throw LAPACKError(routine: "dgeqrf", info: info) }
        let diagonal = (0..<r).map { a[$0 * n + $0] }
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(r), Int32(r), a, Int32(n), &tau)
        guard info == 0 else { throw LAPACKError(routine: "dorgqr", info: info) }
        return diagonal
    }

    /// `LAPACKE_dsyevd` (eigenvalues and vectors, divide and conquer); see
    /// ``TensorScalar/symmetricEigen(_:n:)``.
    public static func symmetricEigen(_ a: UnsafeMutablePointer<Double>, n: Int) throws(LAPACKError) -> [Double] {
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n), a, Int32(n), &w)
        guard info == 0 else { throw LAPACKError(routine: "dsyevd", info: info) }
        return w
    }
}

/// Process-wide BLAS settings.
package enum BLAS {
    /// Sets the number of threads OpenBLAS uses inside one call. MixRL runs with one
    /// (small matrices lose with threads); parallelism comes from separate processes.
    /// BLIS, when products are routed to it, gets the same count.
    package static func setThreadCount(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
        GemmDispatch.requestedThreads.store(max(1, n), ordering: .relaxed)
        if GemmDispatch.routing != .openblas { BLISLibrary.shared?.setThreads(max(1, n)) }
    }
    /// The number of threads OpenBLAS currently uses.
    package static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// OpenBLAS's description of its build and kernel (for benchmark reports).
    package static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }
    /// The name of the CPU kernel set OpenBLAS selected at run time (for example `Cooperlake`).
    package static var coreName: String {
        guard let c = openblas_get_corename() else { return "unknown" }
        return String(cString: c)
    }
}
