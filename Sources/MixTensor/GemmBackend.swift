import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The library that runs a matrix product (`?gemm`): OpenBLAS, which MixRL links, or
/// BLIS, loaded at run time when it is installed (Debian's `libblis4-pthread`).
///
/// On AVX2 CPUs OpenBLAS 0.3.21 runs the mid-sized products of an RL update (256 x 256
/// x 256) at a fraction of the core's peak, where BLIS runs them three times faster;
/// OpenBLAS stays faster where the inner dimension is small (the first layers). The
/// choice is made per product by a fixed rule (see ``Selection/auto``), so a run is
/// bit-identical on one machine with one selection; across selections the results
/// differ in the last bits (a checkpoint records the selection it was written with).
///
/// The selection comes from the environment variable `MIXRL_GEMM`
/// (`openblas`, `blis` or `auto`; unset means `auto`) the first time a product runs, or
/// from ``select(_:)``. Both libraries run single-threaded unless a thread count is
/// set for the whole process (the agent's `parallelism` does).
public enum GemmBackend: String, Sendable, CaseIterable, Codable {
    /// OpenBLAS (always present: MixRL links it).
    case openblas
    /// BLIS, through its typed API (`bli_sgemm`, `bli_dgemm`), loaded with `dlopen`.
    case blis

    /// How the library of each product is chosen.
    public enum Selection: String, Sendable, CaseIterable, Codable {
        /// Every product through OpenBLAS.
        case openblas
        /// Every product through BLIS; selecting it fails when BLIS is not installed.
        case blis
        /// BLIS where it is installed and measured faster, OpenBLAS elsewhere: on CPUs
        /// where OpenBLAS uses its AVX2 kernels (`Haswell`, `Zen`), every product goes
        /// to BLIS; on other CPUs (AVX-512, where OpenBLAS runs these shapes near peak)
        /// and without BLIS, everything goes to OpenBLAS.
        case auto
    }

    /// Why a selection cannot be honoured: BLIS is not installed, or `MIXRL_GEMM` holds
    /// an unknown name.
    public struct SelectionError: Error, CustomStringConvertible, Sendable {
        /// What went wrong and what to do about it.
        public var description: String
    }

    /// BLIS runs single-precision products with a transposed right operand and an inner
    /// dimension up to this size (the forward products of the layers fed by observations
    /// and actions) as plain products on a transposed copy of the right operand: its own
    /// transposed path is several times slower on these shapes (and OpenBLAS's `Zen`
    /// kernels are slow where the inner dimension is a multiple of 4). Calls with fewer
    /// than 16 rows (acting on one state) run as they are.
    public static let transposedCopyThreshold = 32

    /// The selection in force (reading `MIXRL_GEMM` first if nothing was selected yet).
    public static var selection: Selection { GemmDispatch.state().selection }

    /// Makes every later product follow `selection`. Throws when `selection` is
    /// ``Selection/blis`` and BLIS cannot be loaded (the reason names what was tried).
    public static func select(_ selection: Selection) throws(SelectionError) {
        GemmDispatch.store(try GemmDispatch.resolve(selection))
    }

    /// Reads `MIXRL_GEMM` (unset or empty: `auto`), selects it, and returns it. Throws
    /// for an unknown name, or for `blis` when BLIS cannot be loaded; command-line tools
    /// call this at start-up so a bad setting is reported before any work.
    @discardableResult
    public static func selectFromEnvironment() throws(SelectionError) -> Selection {
        let selection = try GemmDispatch.environmentSelection()
        try select(selection)
        return selection
    }

    /// Whether BLIS could be loaded on this machine.
    public static var isBLISAvailable: Bool { BLISLibrary.shared != nil }

    /// The library the current selection uses for a product with these sizes, `op(B)`
    /// being `Bᵀ` when `transposeB`.
    public static func forProduct(transposeB: Bool, m: Int, n: Int, k: Int) -> GemmBackend {
        GemmDispatch.usesBLIS(GemmDispatch.state().routing, transposeB: transposeB, m: m, n: n, k: k) ? .blis : .openblas
    }

    /// One line naming the selection and what it resolves to on this machine, for
    /// benchmark headers and run metadata: for example `auto: blis 0.9.0 (zen)`.
    public static var summary: String {
        let state = GemmDispatch.state()
        let openblas = "openblas (\(BLAS.coreName))"
        let blis = BLISLibrary.shared.map { "blis \($0.version) (\($0.architecture))" } ?? "blis (not installed)"
        switch state.routing {
        case .openblas: return "\(state.selection.rawValue): \(openblas)"
        case .blis: return "\(state.selection.rawValue): \(blis)"
        }
    }
}

/// The run-time state behind ``GemmBackend``: one atomic byte read (relaxed) per product.
package enum GemmDispatch {
    /// Where products go.
    package enum Routing: UInt8, Sendable {
        case openblas = 0, blis = 1
    }

    /// A selection and what it resolved to.
    package struct State: Sendable {
        package var selection: GemmBackend.Selection
        package var routing: Routing
    }

    /// `selection.rawIndex << 4 | routing`, or `unset` before the first product.
    static let packed = Atomic<UInt8>(unset)
    static let unset: UInt8 = 0xFF

    static func store(_ state: State) {
        packed.store(encode(state), ordering: .relaxed)
        if state.routing != .openblas { BLISLibrary.shared?.setThreads(requestedThreads.load(ordering: .relaxed)) }
    }

    /// The thread count asked of the BLAS libraries (``BLAS/setThreadCount(_:)``); BLIS
    /// runs with it, 1 unless the process asked for more.
    static let requestedThreads = Atomic<Int>(1)

    static func decode(_ byte: UInt8) -> State {
        let cases = GemmBackend.Selection.allCases
        let index = Int(byte >> 4)
        return State(selection: index < cases.count ? cases[index] : .openblas,
                     routing: Routing(rawValue: byte & 0x0F) ?? .openblas)
    }

    /// The state in force; the first call without a prior ``GemmBackend/select(_:)``
    /// reads `MIXRL_GEMM` and stops the process with the reason when it cannot be
    /// honoured (tools call ``GemmBackend/selectFromEnvironment()`` first to report it
    /// as an error instead).
    package static func state() -> State {
        let byte = packed.load(ordering: .relaxed)
        if byte != unset { return decode(byte) }
        do {
            let resolved = try resolve(try environmentSelection())
            if packed.compareExchange(expected: unset, desired: encode(resolved), ordering: .relaxed).exchanged {
                store(resolved)
            }
            return decode(packed.load(ordering: .relaxed))
        } catch {
            fatalError("MixRL: \(error.description)")
        }
    }

    static func encode(_ state: State) -> UInt8 {
        UInt8(GemmBackend.Selection.allCases.firstIndex(of: state.selection) ?? 0) << 4 | state.routing.rawValue
    }

    /// The routing of the current state (the hot path: one relaxed load once resolved).
    @inline(__always) package static var routing: Routing {
        let byte = packed.load(ordering: .relaxed)
        if byte != unset, let r = Routing(rawValue: byte & 0x0F) { return r }
        return state().routing
    }

    /// Whether a product of these sizes goes to BLIS under `routing`. Degenerate
    /// products (a zero size) always go to OpenBLAS, which defines them.
    @inline(__always) package static func usesBLIS(_ routing: Routing, transposeB: Bool, m: Int, n: Int, k: Int) -> Bool {
        switch routing {
        case .openblas: return false
        case .blis: return m > 0 && n > 0 && k > 0
        }
    }

    static func environmentSelection() throws(GemmBackend.SelectionError) -> GemmBackend.Selection {
        guard let raw = getenv("MIXRL_GEMM").map({ String(cString: $0) }), !raw.isEmpty else { return .auto }
        guard let selection = GemmBackend.Selection(rawValue: raw.lowercased()) else {
            throw GemmBackend.SelectionError(description: "MIXRL_GEMM=\(raw) is not one of openblas, blis, auto")
        }
        return selection
    }

    /// The OpenBLAS kernel sets (AVX2) on which BLIS was measured faster for most
    /// products of an update (docs/performance.md).
    static let coresWhereBLISPays: Set<String> = ["haswell", "zen"]

    static func resolve(_ selection: GemmBackend.Selection) throws(GemmBackend.SelectionError) -> State {
        switch selection {
        case .openblas:
            return State(selection: selection, routing: .openblas)
        case .blis:
            guard BLISLibrary.shared != nil else {
                throw GemmBackend.SelectionError(description:
                    "MIXRL_GEMM=blis, but BLIS could not be loaded (\(BLISLibrary.loadFailure)); "
                    + "install Debian's libblis4-pthread (scripts/setup.sh does) or select openblas")
            }
            return State(selection: selection, routing: .blis)
        case .auto:
            let pays = BLISLibrary.shared != nil && coresWhereBLISPays.contains(BLAS.coreName.lowercased())
            return State(selection: selection, routing: pays ? .blis : .openblas)
        }
    }
}

/// BLIS's typed gemm entry points, found with `dlopen`/`dlsym` (no link-time dependency:
/// MixRL builds and runs without BLIS). The typed API takes row and column strides, so
/// row-major operands pass as they are, and its `bli_` names cannot collide with
/// OpenBLAS's BLAS symbols.
package struct BLISLibrary: @unchecked Sendable {
    /// `void bli_?gemm(trans_t, trans_t, dim_t m, n, k, T* alpha, T* a, inc_t rs_a, cs_a,
    /// T* b, inc_t rs_b, cs_b, T* beta, T* c, inc_t rs_c, cs_c)`.
    typealias SGemm = @convention(c) (
        Int32, Int32, Int, Int, Int,
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int, Int,
        UnsafeMutablePointer<Float>, Int, Int,
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    /// `bli_dgemm`, as ``SGemm`` in `Double`.
    typealias DGemm = @convention(c) (
        Int32, Int32, Int, Int, Int,
        UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int, Int,
        UnsafeMutablePointer<Double>, Int, Int,
        UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int, Int) -> Void

    let sgemm: SGemm
    let dgemm: DGemm
    let setThreads: @convention(c) (Int) -> Void
    /// The file loaded.
    package let path: String
    /// BLIS's version string (`0.9.0`).
    package let version: String
    /// The kernel set BLIS picked for this CPU (`zen`, `zen3`, `haswell`, ...).
    package let architecture: String

    /// `BLIS_TRANSPOSE` (the transpose bit, `1 << 3`) or `BLIS_NO_TRANSPOSE`.
    @inline(__always) static func trans(_ t: Bool) -> Int32 { t ? 0x08 : 0 }

    static let loaded = load()
    /// The loaded library, or nil when none of the candidates loads.
    package static var shared: BLISLibrary? { loaded.library }
    /// What was tried when ``shared`` is nil.
    package static var loadFailure: String { loaded.failure }

    /// `MIXRL_BLIS_LIBRARY` when set, else the multithreaded (pthread), serial and
    /// OpenMP builds Debian installs side by side, else `libblis.so.4` on the loader's path.
    static var candidates: [String] {
        if let explicit = getenv("MIXRL_BLIS_LIBRARY").map({ String(cString: $0) }), !explicit.isEmpty { return [explicit] }
        #if arch(x86_64)
        let triple = "x86_64-linux-gnu"
        #elseif arch(arm64)
        let triple = "aarch64-linux-gnu"
        #else
        let triple = ""
        #endif
        let debian = triple.isEmpty ? [] : ["blis-pthread", "blis-serial", "blis-openmp"].map { "/usr/lib/\(triple)/\($0)/libblis.so.4" }
        return debian + ["libblis.so.4"]
    }

    static func load() -> (library: BLISLibrary?, failure: String) {
        var failures: [String] = []
        for path in candidates {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                failures.append(dlerror().map { String(cString: $0) } ?? "\(path): not loadable")
                continue
            }
            guard let s = dlsym(handle, "bli_sgemm"), let d = dlsym(handle, "bli_dgemm"),
                  let t = dlsym(handle, "bli_thread_set_num_threads") else {
                failures.append("\(path): no bli_sgemm/bli_dgemm/bli_thread_set_num_threads")
                continue
            }
            typealias CString = @convention(c) () -> UnsafePointer<CChar>?
            typealias ArchID = @convention(c) () -> Int32
            typealias ArchName = @convention(c) (Int32) -> UnsafePointer<CChar>?
            let version = dlsym(handle, "bli_info_get_version_str")
                .flatMap { unsafeBitCast($0, to: CString.self)() }.map { String(cString: $0) } ?? "?"
            var architecture = "?"
            if let q = dlsym(handle, "bli_arch_query_id"), let n = dlsym(handle, "bli_arch_string"),
               let name = unsafeBitCast(n, to: ArchName.self)(unsafeBitCast(q, to: ArchID.self)()) {
                architecture = String(cString: name)
            }
            let library = BLISLibrary(sgemm: unsafeBitCast(s, to: SGemm.self), dgemm: unsafeBitCast(d, to: DGemm.self),
                                      setThreads: unsafeBitCast(t, to: (@convention(c) (Int) -> Void).self),
                                      path: path, version: version, architecture: architecture)
            // One thread inside BLIS unless the process asks for more (BLAS.setThreadCount),
            // whatever BLIS_NUM_THREADS or OMP_NUM_THREADS say.
            library.setThreads(GemmDispatch.requestedThreads.load(ordering: .relaxed))
            return (library, "")
        }
        return (nil, failures.joined(separator: "; "))
    }

    /// `C = alpha op(A) op(B) + beta C`, row-major operands with leading dimensions.
    @inline(__always)
    package func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
              alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var alpha = alpha, beta = beta
        if transposeB && k <= GemmBackend.transposedCopyThreshold && m >= 16 {
            // op(B) = Bᵀ with B [n, k]: copy Bᵀ [k, n] and run the plain product.
            let t = TransposeScratch.buffer(count: k * n)
            for j in 0..<n {
                let row = b + j * ldb
                for i in 0..<k { t[i * n + j] = row[i] }
            }
            sgemm(Self.trans(transposeA), Self.trans(false), m, n, k, &alpha,
                  UnsafeMutablePointer(mutating: a), lda, 1, t, n, 1, &beta, c, ldc, 1)
            return
        }
        sgemm(Self.trans(transposeA), Self.trans(transposeB), m, n, k, &alpha,
              UnsafeMutablePointer(mutating: a), lda, 1, UnsafeMutablePointer(mutating: b), ldb, 1,
              &beta, c, ldc, 1)
    }

    /// `C = alpha op(A) op(B) + beta C` in `Double`.
    @inline(__always)
    package func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
              alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
              beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        var alpha = alpha, beta = beta
        dgemm(Self.trans(transposeA), Self.trans(transposeB), m, n, k, &alpha,
              UnsafeMutablePointer(mutating: a), lda, 1, UnsafeMutablePointer(mutating: b), ldb, 1,
              &beta, c, ldc, 1)
    }
}

/// A growable buffer per thread for the transposed copies of ``BLISLibrary``'s
/// small-inner-dimension products (threads run products side by side, so each has its
/// own). It grows to the largest copy needed and is freed when its thread ends.
final class TransposeScratch {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    private init(capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<TransposeScratch>.fromOpaque(raw).release() }
        }
        return key
    }()

    /// The calling thread's buffer, with room for at least `count` scalars.
    static func buffer(count: Int) -> UnsafeMutablePointer<Float> {
        if let raw = pthread_getspecific(key) {
            let scratch = Unmanaged<TransposeScratch>.fromOpaque(raw).takeUnretainedValue()
            if scratch.capacity >= count { return scratch.pointer }
            scratch.pointer.deallocate()
            scratch.capacity = count
            scratch.pointer = .allocate(capacity: count)
            return scratch.pointer
        }
        let scratch = TransposeScratch(capacity: max(count, 1 << 13))
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch.pointer
    }
}
