import Foundation
import MixAgents
import MixTensor
#if canImport(Glibc)
import Glibc
#endif

/// Full SAC updates (`SACAgent.update(batch:)`: critic step, actor step, temperature,
/// Polyak targets) on random replay data, timed next to two gemm floors replayed raw
/// through `Float.gemm` in the same run (`mixrl bench sac`):
///
/// - **minimal**: the products of `peers/sac_gemm_floor.c` with `q_dw = 0` (no critic
///   weight gradients in the actor step; it also counts the actor forward of a
///   separate temperature step, which MixRL does not need);
/// - **actual**: the products the update really issued, recorded with ``GemmLog`` (so
///   an extra or missing gemm shows up in the count).
///
/// Each row also counts tensor buffers allocated per update after warm-up. Times are
/// medians over interleaved repetitions; wall time and CPU time are both printed (the
/// calling thread's CPU clock with one thread, the process's with more).
package struct SACBenchmark {
    /// Observation size.
    package var observation: Int
    /// Action size.
    package var action: Int
    /// Batch size.
    package var batch: Int
    /// Width of both hidden layers.
    package var hidden: Int
    /// Components K, one row each: 1 is the Gaussian policy with RP, K > 1 a mixture with MRP.
    package var components: [Int]
    /// Thread counts, one row each.
    package var threads: [Int]
    /// How 2+ threads are used, one row each.
    package var parallelism: [SACAgent.Parallelism.Kind]
    /// Interleaved repetitions (medians are reported).
    package var repetitions: Int
    /// Target duration of one repetition of one side, in seconds.
    package var repetitionSeconds: Double
    /// Updates between warm-up and the allocation count.
    package var allocationUpdates: Int
    /// Path of a compiled `peers/sac_gemm_floor.c` to run for each row as a cross-check.
    package var cFloor: String?
    /// Update time / actual-gemm floor (CPU) that one thread should stay within.
    package var targetRatio: Double
    /// Print the recorded gemm list of each setting.
    package var listGemms: Bool
    /// When set, only run this many updates per setting, untimed against floors (for perf
    /// or callgrind).
    package var profileUpdates: Int?
    /// Matrix-product libraries, one row each; empty: the one `MIXRL_GEMM` selects, or all
    /// three when BLIS is installed and `MIXRL_GEMM` is unset.
    package var backends: [GemmBackend.Selection]

    package init(observation: Int, action: Int, batch: Int, hidden: Int, components: [Int], threads: [Int],
                 parallelism: [SACAgent.Parallelism.Kind], repetitions: Int, repetitionSeconds: Double,
                 allocationUpdates: Int, cFloor: String?, targetRatio: Double, listGemms: Bool,
                 profileUpdates: Int?, backends: [GemmBackend.Selection]) {
        self.observation = observation; self.action = action; self.batch = batch; self.hidden = hidden
        self.components = components; self.threads = threads; self.parallelism = parallelism
        self.repetitions = repetitions; self.repetitionSeconds = repetitionSeconds
        self.allocationUpdates = allocationUpdates; self.cFloor = cFloor; self.targetRatio = targetRatio
        self.listGemms = listGemms; self.profileUpdates = profileUpdates; self.backends = backends
    }

    /// One row of the table: gemm backend, K, thread count and how the threads are used.
    struct Setting {
        var backend: GemmBackend.Selection
        var components: Int
        var parallelism: SACAgent.Parallelism
        var label: String { parallelism.threads == 1 ? "1" : "\(parallelism.threads) \(parallelism.kind.rawValue)" }
    }

    /// The backends measured: ``backends``, else all three when BLIS is installed and
    /// `MIXRL_GEMM` is unset, else the environment's selection.
    var selections: [GemmBackend.Selection] {
        if !backends.isEmpty { return backends }
        let environment = getenv("MIXRL_GEMM").map { String(cString: $0) } ?? ""
        if environment.isEmpty && GemmBackend.isBLISAvailable { return [.openblas, .blis, .auto] }
        return [GemmBackend.selection]
    }

    var settings: [Setting] {
        components.flatMap { k in
            threads.flatMap { t in
                selections.flatMap { backend in
                    t == 1 ? [Setting(backend: backend, components: k, parallelism: .serial)]
                           : parallelism.map { Setting(backend: backend, components: k, parallelism: .init(kind: $0, threads: t)) }
                }
            }
        }
    }

    /// Measures every setting and prints the table to standard output (with
    /// `profileUpdates`, only the time of that many updates per setting). Missed when a
    /// one-thread row exceeds `targetRatio` or an update allocates.
    package func run() throws(BenchmarkError) -> BenchmarkVerdict {
        let initial = GemmBackend.selection
        defer { try? GemmBackend.select(initial) }
        if let n = profileUpdates {
            for setting in settings {
                try selectGemmBackend(setting.backend)
                let agent = try makeAgent(setting)
                let data = randomBatch()
                let start = Timing.now()
                for _ in 0..<n { try update(agent, data) }
                print("gemm=\(setting.backend.rawValue) K=\(setting.components) threads=\(setting.label): \(n) updates,",
                      "\(format(Timing.seconds(since: start) * 1e3 / Double(max(n, 1)), 3)) ms each")
            }
            return .met
        }
        print("# CPU: \(cpuDescription())")
        print("# OpenBLAS core: \(BLAS.coreName) | config: \(BLAS.configuration)")
        print("# BLIS: \(BLISLibrary.shared.map { "\($0.version), kernels \($0.architecture), \($0.path)" } ?? "not installed (\(BLISLibrary.loadFailure))")")
        for selection in selections {
            try selectGemmBackend(selection)
            print("# gemm \(selection.rawValue): \(GemmBackend.summary)")
        }
        print("# SAC update (SACAgent.update(batch:)): observation \(observation), action \(action), batch \(batch),",
              "networks \(hidden)x\(hidden); K = 1: Gaussian + RP, K > 1: mixture + MRP; random replay data")
        print("# \(repetitions) interleaved repetitions of ~\(format(repetitionSeconds, 2)) s per side; medians of ms per update.")
        print("# floor min: the gemms of peers/sac_gemm_floor.c with q_dw=0; floor act: the gemms this update issued (GemmLog);",
              "both replayed raw through Float.gemm (so through the row's gemm backend) with the row's thread count inside the library.")
        print("# cpu: thread CPU clock with 1 thread, process CPU clock with 2+ (all threads, spinning included).",
              "ratio = update / floor, wall and cpu. buffers: tensor buffers allocated per update after warm-up (batch refilled in place).",
              "result: hash of all parameters after 5 updates from the same seed (equal for equal K and gemm with critics at any thread count; blas and hybrid may round differently).")
        print(SACRow.header)
        var failed = false
        for setting in settings {
            try selectGemmBackend(setting.backend)
            let row = try measure(setting)
            print(row.line)
            if setting.parallelism.threads == 1 && row.cpuRatioActual > targetRatio { failed = true }
            if row.allocationsPerUpdate > 0 { failed = true }
            if let cFloor { print(runCFloor(path: cFloor, setting: setting, swiftFloor: row)) }
        }
        BLAS.setThreadCount(1)
        print("# target: 1 thread within \(format(targetRatio, 2))x of the actual floor (cpu), 0 buffers per update:",
              failed ? "NOT met" : "met")
        return failed ? .missed : .met
    }

    func makeAgent(_ setting: Setting) throws(BenchmarkError) -> SACAgent {
        let k = setting.components
        var c = TrainingConfiguration()
        c.environment = "bench"
        c.policy = k == 1 ? .gaussian : .mixture
        c.components = k
        c.estimator = k == 1 ? .rp : .mrp
        c.batchSize = batch
        c.hiddenSizes = [hidden, hidden]
        let agent: SACAgent
        do {
            agent = try SACAgent(configuration: c, observationSize: observation,
                                 actionLow: Array(repeating: -1, count: action),
                                 actionHigh: Array(repeating: 1, count: action), rng: RandomStream(seed: 1))
        } catch {
            throw .training(error)
        }
        agent.parallelism = setting.parallelism  // also sets OpenBLAS's thread count
        return agent
    }

    /// One update of `agent` on `batch`.
    func update(_ agent: SACAgent, _ batch: ReplayBatch) throws(BenchmarkError) {
        do { _ = try agent.update(batch: batch) } catch { throw .training(error) }
    }

    func randomBatch(seed: UInt64 = 2) -> ReplayBatch {
        var rng = RandomStream(seed: seed)
        var b = ReplayBatch(batchSize: batch, observationSize: observation, actionSize: action)
        b.observations.fillNormal(using: &rng)
        b.nextObservations.fillNormal(using: &rng)
        b.actions.fillUniform(lower: -1, upper: 1, using: &rng)
        b.rewards.fillNormal(using: &rng)
        b.terminated.withUnsafeMutablePointer { p in for i in 0..<batch { p[i] = rng.uniform() < 0.01 ? 1 : 0 } }
        return b
    }

    /// FNV-1a over the bits of every parameter (actor, critics, targets, temperature).
    func parameterHash(_ agent: SACAgent) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let nets = [agent.actor.parameters] + agent.critics.map(\.parameters) + agent.targetCritics.map(\.parameters)
        for p in nets.flatMap(\.elements) + [agent.logAlpha] {
            p.value.withUnsafePointer { v in
                for i in 0..<p.value.count { h = (h ^ UInt64(v[i].bitPattern)) &* 0x100_0000_01b3 }
            }
        }
        return h
    }

    func measure(_ setting: Setting) throws(BenchmarkError) -> SACRow {
        let hash: UInt64
        do {
            let fresh = try makeAgent(setting)
            let data = randomBatch()
            for _ in 0..<5 { try update(fresh, data) }
            hash = parameterHash(fresh)
        }
        let agent = try makeAgent(setting)
        let t = setting.parallelism.threads, updateBLASThreads = setting.parallelism.blasThreads
        let data = randomBatch()
        for _ in 0..<10 { try update(agent, data) }

        // Allocations with the batch refilled in place before each update, as a trainer
        // samples into it (a tape still holding the batch would turn the refill into a copy).
        var refilled = randomBatch(seed: 3), refillSource = RandomStream(seed: 4)
        let buffersBefore = AllocationCounter.bufferCount
        for _ in 0..<allocationUpdates {
            refilled.observations.fillNormal(using: &refillSource)
            refilled.nextObservations.fillNormal(using: &refillSource)
            refilled.rewards.fillNormal(using: &refillSource)
            try update(agent, refilled)
        }
        let allocations = Double(AllocationCounter.bufferCount - buffersBefore) / Double(allocationUpdates)

        let actualCalls = GemmLog.recording { _ = try? agent.update(batch: data) }.gemms
        if listGemms {
            print("# K=\(setting.components) threads=\(setting.label): \(actualCalls.count) gemms")
            for call in actualCalls { print("#   \(call)") }
        }
        let minimalCalls = SACGemmList.minimal(observation: observation, action: action, components: setting.components,
                                               batch: batch, hidden: hidden)
        var rng = RandomStream(seed: 3)
        let actual = actualCalls.map { GemmReplay($0, rng: &rng) }
        let minimal = minimalCalls.map { GemmReplay($0, rng: &rng) }

        let update: (Int) -> Void = { n in for _ in 0..<n { _ = try? agent.update(batch: data) } }
        // The floors run with all of the row's threads inside OpenBLAS, like the C floor
        // with OPENBLAS_NUM_THREADS = t.
        let floorMinimal: (Int) -> Void = { n in
            BLAS.setThreadCount(t)
            for _ in 0..<n { for call in minimal { call.run() } }
            BLAS.setThreadCount(updateBLASThreads)
        }
        let floorActual: (Int) -> Void = { n in
            BLAS.setThreadCount(t)
            for _ in 0..<n { for call in actual { call.run() } }
            BLAS.setThreadCount(updateBLASThreads)
        }
        let iterations = Timing.calibrate(targetSeconds: repetitionSeconds, update)
        let clock: CPUClock = t == 1 ? .thread : .process
        let (wall, cpu) = clock.interleaved(repetitions: repetitions, iterations: iterations,
                                            [update, floorMinimal, floorActual])
        return SACRow(setting: setting, wall: wall, cpu: cpu,
                      minimalGemms: minimalCalls.count, actualGemms: actualCalls.count,
                      allocationsPerUpdate: allocations, resultHash: hash)
    }

    /// Runs the C floor with the same shapes (`q_dw = 0`) and prints its median next to
    /// the Swift replay of the same list (timed earlier in this run).
    func runCFloor(path: String, setting: Setting, swiftFloor row: SACRow) -> String {
        let t = setting.parallelism.threads, k = setting.components
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["\(observation)", "\(action)", "\(k)", "\(batch)", "\(hidden)", "0", "0", "1", "3"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(t)"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return "#   C floor: could not run \(path): \(SystemErrorText.reason(error))" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let range = output.range(of: "\"ms_median\": "),
              let ms = Double(output[range.upperBound...].prefix { $0 != "," }) else {
            return "#   C floor: unexpected output: \(output)"
        }
        let swift = row.wall[1].median * 1e3
        return "#   C floor (OpenBLAS), sac_gemm_floor.c \(observation) \(action) \(k) \(batch) \(hidden) q_dw=0, OPENBLAS_NUM_THREADS=\(t), wall:"
            + " \(format(ms, 3)) ms; Swift replay of the same list: \(format(swift, 3)) ms (Swift/C \(format(swift / ms, 3)))"
    }
}

/// One line of the table.
struct SACRow {
    var setting: SACBenchmark.Setting
    /// Per candidate (update, minimal floor, actual floor): seconds per update.
    var wall: [TimingSummary], cpu: [TimingSummary]
    var minimalGemms: Int, actualGemms: Int
    var allocationsPerUpdate: Double
    var resultHash: UInt64

    var cpuRatioActual: Double { cpu[0].median / cpu[2].median }

    static let header = "gemm     K est threads    | updates/s | update ms wall    cpu | floor min wall (n) | floor act wall (n) |"
        + " ratio/min wall  cpu | ratio/act wall  cpu | buffers | result"

    var line: String {
        func ms(_ s: TimingSummary) -> String { pad(format(s.median * 1e3, 2), 7) }
        func r(_ x: Double) -> String { pad(format(x, 3), 5) }
        let k = setting.components
        let hex = String(resultHash, radix: 16)
        return "\(setting.backend.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(k) \(k == 1 ? "RP " : "MRP") \(setting.label.padding(toLength: 10, withPad: " ", startingAt: 0)) |"
            + " \(pad(format(1 / wall[0].median, 1), 9)) | \(ms(wall[0])) \(ms(cpu[0])) |"
            + " \(ms(wall[1])) (\(minimalGemms))       | \(ms(wall[2])) (\(actualGemms))       |"
            + "      \(r(wall[0].median / wall[1].median)) \(r(cpu[0].median / cpu[1].median)) |"
            + "      \(r(wall[0].median / wall[2].median)) \(r(cpuRatioActual)) |"
            + " \(pad(format(allocationsPerUpdate, 2), 7)) | \(String(repeating: "0", count: 16 - hex.count) + hex)"
    }

    func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

/// The products of `peers/sac_gemm_floor.c` (CleanRL-style twin-Q SAC), in its order.
enum SACGemmList {
    /// Layer convention (row-major): forward `Y = X Wᵀ` (NT, rows x out x in), input
    /// gradient `dX = dY W` (NN, rows x in x out), weight gradient `dW = dYᵀ X`
    /// (TN, out x in x rows). `q_dw = 0`: the actor step skips the critics' weight
    /// gradients.
    static func minimal(observation o: Int, action a: Int, components k: Int, batch b: Int, hidden h: Int) -> [GemmRecord] {
        var out: [GemmRecord] = []
        let heads = k == 1 ? 2 * a : k * 2 * a + k
        let q = [o + a, h, h, 1], pi = [o, h, h, heads]
        func forward(_ d: [Int], _ n: Int) {
            for l in 0..<(d.count - 1) { out.append(GemmRecord(transposeA: false, transposeB: true, m: n, n: d[l + 1], k: d[l], accumulates: false)) }
        }
        func backward(_ d: [Int], _ n: Int, weights: Bool, inputGradient: Bool) {
            for l in stride(from: d.count - 2, through: 0, by: -1) {
                if weights { out.append(GemmRecord(transposeA: true, transposeB: false, m: d[l + 1], n: d[l], k: n, accumulates: false)) }
                if l > 0 || inputGradient { out.append(GemmRecord(transposeA: false, transposeB: false, m: n, n: d[l], k: d[l + 1], accumulates: false)) }
            }
        }
        forward(pi, b); forward(q, b); forward(q, b)                       // target
        forward(q, b); forward(q, b)                                       // critic
        backward(q, b, weights: true, inputGradient: false); backward(q, b, weights: true, inputGradient: false)
        forward(pi, b); forward(q, b * k); forward(q, b * k)               // actor
        backward(q, b * k, weights: false, inputGradient: true); backward(q, b * k, weights: false, inputGradient: true)
        backward(pi, b, weights: true, inputGradient: false)
        forward(pi, b)                                                     // temperature (no grad)
        return out
    }
}

/// One recorded product replayed raw on its own random operands (distinct buffers per
/// call, as in the C floor, so the cache sees what a real update sees).
final class GemmReplay {
    let record: GemmRecord
    let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>

    init(_ record: GemmRecord, rng: inout RandomStream) {
        self.record = record
        let (m, n, k) = (record.m, record.n, record.k)
        a = .allocate(capacity: m * k); b = .allocate(capacity: k * n); c = .allocate(capacity: m * n)
        for i in 0..<(m * k) { a[i] = rng.uniform(-1, 1) }
        for i in 0..<(k * n) { b[i] = rng.uniform(-1, 1) }
        c.initialize(repeating: 0, count: m * n)
    }

    deinit { a.deallocate(); b.deallocate(); c.deallocate() }

    @inline(__always) func run() {
        let r = record
        Float.gemm(transposeA: r.transposeA, transposeB: r.transposeB, m: r.m, n: r.n, k: r.k,
                   alpha: 1, a: a, lda: r.transposeA ? r.m : r.k, b: b, ldb: r.transposeB ? r.k : r.n,
                   beta: r.accumulates ? 1 : 0, c: c, ldc: r.n)
    }
}
