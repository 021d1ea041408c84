import Synchronization

// Instrumentation for benchmarks and tests. It lives in MixTensor, not in the benchmark
// harness, because the products it records are issued only here: every product goes
// through `TensorScalar.gemm(routing:...)` (TensorScalar.swift), which appends to the log
// while a recording runs. That call site needs the flag, the record type and the log; a
// hook installed from above (a closure or a protocol object) would cost an indirect call
// per product, where the flag costs one relaxed atomic load. What benchmarks do with the
// records (replaying them as a floor, the tables) is theirs.

/// One matrix product as issued to BLAS: `C[m, n] = alpha * op(A) * op(B) + beta * C`,
/// `op(A)` of shape `[m, k]`.
package struct GemmRecord: Sendable, Hashable, CustomStringConvertible {
    /// Whether `A` is passed transposed.
    package var transposeA: Bool
    /// Whether `B` is passed transposed.
    package var transposeB: Bool
    /// Rows of the result.
    package var m: Int
    /// Columns of the result.
    package var n: Int
    /// The inner dimension.
    package var k: Int
    /// Whether the product accumulates into `C` (`beta != 0`).
    package var accumulates: Bool

    /// A product of the given flags and sizes.
    package init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, accumulates: Bool) {
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.m = m
        self.n = n
        self.k = k
        self.accumulates = accumulates
    }

    /// `2 m n k`.
    package var flops: Int { 2 * m * n * k }

    /// `NT 256x256x23 (+C)` style: flags, `m x n x k`, and `+C` when accumulating.
    package var description: String {
        "\(transposeA ? "T" : "N")\(transposeB ? "T" : "N") \(m)x\(n)x\(k)\(accumulates ? " +C" : "")"
    }
}

/// A process-wide log of the products issued through ``TensorScalar/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``,
/// for benchmarks and tests that check which products a computation makes (for example
/// that an actor step skips the critics' weight gradients) and replay them as a floor.
///
/// Off by default; while off, a product pays one relaxed atomic load. While on, every
/// product, from any thread, appends its shape under a lock.
package enum GemmLog {
    static let active = Atomic<Bool>(false)
    static let entries = Mutex<[GemmRecord]>([])

    /// Whether products are being recorded.
    @inline(__always) static var isActive: Bool { active.load(ordering: .relaxed) }

    static func append(_ shape: GemmRecord) { entries.withLock { $0.append(shape) } }

    /// The hook at the call site: records the product while a recording runs; otherwise
    /// one relaxed load and a predicted branch.
    @inline(__always)
    static func record(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, accumulates: Bool) {
        if isActive { append(GemmRecord(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, accumulates: accumulates)) }
    }

    /// Runs `body` while recording every product issued (by any thread) and returns them
    /// in the order they were issued. Not reentrant: do not nest recordings.
    package static func recording<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> (result: R, gemms: [GemmRecord]) {
        entries.withLock { $0.removeAll(keepingCapacity: true) }
        active.store(true, ordering: .sequentiallyConsistent)
        defer { active.store(false, ordering: .sequentiallyConsistent) }
        let result = try body()
        active.store(false, ordering: .sequentiallyConsistent)
        return (result, entries.withLock { $0 })
    }
}
