import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One single-precision product `C = alpha op(A) op(B) + beta C` as raw operands: what a
/// ``GemmHelper`` runs on its thread. The pointers are valid only until the issuing call
/// returns (it waits for the helper before returning).
package struct SGemmArguments: @unchecked Sendable {
    package var routing: GemmDispatch.Routing
    package var transposeA: Bool, transposeB: Bool
    package var m: Int, n: Int, k: Int
    package var alpha: Float
    package var a: UnsafePointer<Float>, lda: Int
    package var b: UnsafePointer<Float>, ldb: Int
    package var beta: Float
    package var c: UnsafeMutablePointer<Float>, ldc: Int

    /// Runs the product on the calling thread, never split: BLIS where the routing sends
    /// it, OpenBLAS otherwise.
    @inline(__always)
    package func run() {
        if GemmDispatch.usesBLIS(routing, transposeB: transposeB, m: m, n: n, k: k), let blis = BLISLibrary.shared {
            blis.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// The two halves of the product: rows of `C` split when it has at least
    /// ``GemmSplit/minimumSide`` of them, columns otherwise. Each element of `C` is
    /// computed by the same library call shape on the same operands, so the halves give
    /// the bits of the whole.
    func halves() -> (SGemmArguments, SGemmArguments)? {
        var first = self, second = self
        if m >= GemmSplit.minimumSide {
            let m0 = (m / 2 + 7) & ~7
            first.m = m0
            second.m = m - m0
            second.a = transposeA ? a + m0 : a + m0 * lda
            second.c = c + m0 * ldc
        } else if n >= GemmSplit.minimumSide {
            let n0 = (n / 2 + 15) & ~15
            first.n = n0
            second.n = n - n0
            second.b = transposeB ? b + n0 * ldb : b + n0
            second.c = c + n0
        } else {
            return nil
        }
        return (first, second)
    }
}

/// A thread that runs one product at a time for another thread, which waits for it.
/// Implemented by the agent's second worker thread, which is idle while the rest of an
/// update runs on the calling thread.
package protocol GemmHelper: AnyObject {
    /// Starts `product` on the helper's thread and returns at once.
    func start(_ product: SGemmArguments)
    /// Returns when the last started product is done.
    func wait()
}

/// Splitting large single-precision products between the calling thread and a
/// ``GemmHelper``, for the products of an update that run outside the twin critics'
/// side-by-side lanes (the actor's forward and backward passes).
///
/// A helper is installed per thread (``install(_:)``): only products issued by that
/// thread are split, so other threads in the process (tests running side by side, a
/// second agent) never share the helper.
///
/// Only products that go to BLIS are split: BLIS computes each element of `C` the same
/// way whatever the size of the call (checked bit for bit on every product shape of an
/// update, 1 or 2 threads), so the halves give the bits of the whole product. OpenBLAS
/// does not (its `Zen` kernels round differently when `M` changes), so products routed
/// to OpenBLAS always run whole, on the calling thread.
package enum GemmSplit {
    /// Products below this many multiply-adds run whole (a hand-off costs microseconds).
    package static let minimumWork = 1 << 20
    /// A side of `C` shorter than this is not split.
    package static let minimumSide = 32
    /// Products split so far in this process (tests check that splitting happened).
    package static let splitCount = Atomic<Int>(0)

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Makes products issued by the calling thread split with `helper` (nil: stop). The
    /// caller keeps `helper` alive while it is installed.
    package static func install(_ helper: (any GemmHelper)?) {
        pthread_setspecific(key, helper.map { Unmanaged<AnyObject>.passUnretained($0).toOpaque() })
    }

    /// Runs `product` in two halves, one on the calling thread's helper; false when it is
    /// too small to split or no helper is installed on this thread.
    @inline(__always)
    static func runSplit(_ product: SGemmArguments) -> Bool {
        guard product.m * product.n * product.k >= minimumWork,
              GemmDispatch.usesBLIS(product.routing, transposeB: product.transposeB, m: product.m, n: product.n, k: product.k),
              BLISLibrary.shared != nil, let raw = pthread_getspecific(key),
              let helper = Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue() as? any GemmHelper,
              let (first, second) = product.halves() else { return false }
        helper.start(second)
        first.run()
        helper.wait()
        splitCount.add(1, ordering: .relaxed)
        return true
    }
}
