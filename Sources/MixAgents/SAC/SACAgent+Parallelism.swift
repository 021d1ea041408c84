import MixGraph
#if canImport(Glibc)
import Glibc
#endif

extension SACAgent {
    /// How an update uses more than one core. ``Kind/critics`` gives the bits of one
    /// thread (the twin critics' work is combined in a fixed order, and only BLIS products,
    /// whose elements do not depend on the split, are split). ``Kind/blas`` and
    /// ``Kind/hybrid`` need not: OpenBLAS's own threads may change the rounding of the
    /// products they split (measured on an AMD EPYC, family 23: a different parameter hash
    /// after 5 updates for K = 3, and for K = 1 with `MIXRL_GEMM=openblas`).
    ///
    /// With two cores, ``Kind/critics`` is the setting to use: on the shared 2-core test
    /// machine (its second core busy with other work) it was never slower than
    /// ``Kind/blas`` beyond run-to-run noise and up to 1.8x faster (`mixrl bench sac`),
    /// because handing a whole critic to a thread survives a busy core better than
    /// OpenBLAS's fine-grained barriers. ``Kind/hybrid`` and ``Kind/blas`` stay as
    /// options. Costs: one extra thread, which sleeps between updates.
    public struct Parallelism: Sendable, Equatable {
        /// Where the threads go.
        public enum Kind: String, Sendable, CaseIterable, Codable {
            /// Threads inside OpenBLAS (each product split across cores); the rest of the
            /// update runs on the calling thread.
            case blas
            /// The twin critics side by side, one per thread (OpenBLAS single-threaded),
            /// and, between the critics' phases, the update's other large products (the
            /// actor's forward and backward passes) split by rows between the two threads
            /// when they run on BLIS (`MIXRL_GEMM` `auto` on AVX2 CPUs, or `blis`), whose
            /// results do not depend on the split. `MIXRL_SPLIT=0` turns the splitting
            /// off (for measurements).
            case critics
            /// The twin critics side by side, and the rest of the update (the actor's
            /// products) with threads inside OpenBLAS.
            case hybrid
        }

        /// Where the threads go.
        public var kind: Kind
        /// Cores to use (1: everything on the calling thread).
        public var threads: Int

        /// `threads` cores used as `kind` says.
        public init(kind: Kind, threads: Int) {
            self.kind = kind
            self.threads = max(1, threads)
        }

        /// One thread: the default (docs/architecture.md: OpenBLAS single-threaded).
        public static let serial = Parallelism(kind: .blas, threads: 1)

        /// The OpenBLAS thread count the update runs with.
        public var blasThreads: Int { kind == .critics ? 1 : threads }
        /// Whether the twin critics run on two threads.
        public var runsCriticsSideBySide: Bool { kind != .blas && threads >= 2 }
        /// Whether the update's large products outside the critics' lanes are split
        /// between the two threads (``Kind/critics``).
        package var splitsProducts: Bool { kind == .critics && threads >= 2 && Parallelism.splitEnabled }
        /// Measurement switch: `MIXRL_SPLIT=0` turns splitting off.
        static let splitEnabled: Bool = getenv("MIXRL_SPLIT").map { String(cString: $0) != "0" } ?? true
        /// The OpenBLAS thread count of a gemm-only floor on the same cores.
        package var blasFloorThreads: Int { threads }
    }
}
