import ArgumentParser
import Foundation
import MixRL
#if canImport(Glibc)
import Glibc
#endif

/// `mixrl bench sac`: full SAC updates (`SACAgent.update(batch:)`: critic step, actor
/// step, temperature, Polyak targets) on random replay data, timed next to two gemm
/// floors replayed raw through `Float.gemm` in the same run:
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
struct BenchSAC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sac",
        abstract: "Full SAC updates per second against the update's gemms alone, timed in the same run.")

    @Option(help: "Observation size.") var observation = 17
    @Option(help: "Action size.") var action = 6
    @Option(help: "Batch size.") var batch = 256
    @Option(help: "Width of both hidden layers.") var hidden = 256
    @Option(parsing: .upToNextOption, help: "Components K: 1 is the Gaussian policy with RP, K > 1 a mixture with MRP.")
    var components: [Int] = [1, 2, 5, 8]
    @Option(parsing: .upToNextOption, help: "Thread counts to measure.") var threads: [Int] = [1, 2]
    @Option(help: "How two or more threads are used: blas (threads inside OpenBLAS), critics (the twin critics side by side, OpenBLAS single-threaded).")
    var parallelism: SACAgent.Parallelism.Kind = .critics
    @Option(help: "Interleaved repetitions (medians are reported).") var repetitions = 11
    @Option(help: "Target duration of one repetition of one side, in seconds.") var repetitionSeconds = 0.15
    @Option(help: "Updates between warm-up and the allocation count.") var allocationUpdates = 20
    @Option(help: "Path of a compiled peers/sac_gemm_floor.c to run for each row as a cross-check.")
    var cFloor: String?
    @Option(help: "Update time / actual-gemm floor that one thread should stay within.") var targetRatio = 1.25
    @Flag(help: "Print the recorded gemm list of each configuration.") var listGemms = false
    @Option(help: "Only run this many updates per configuration, untimed against floors (for perf or callgrind).")
    var profileUpdates: Int?
    @Flag(help: "Exit with an error when a one-thread row misses the target or an update allocates.") var strict = false

    func run() throws {
        print("# OpenBLAS core: \(BLAS.coreName) | config: \(BLAS.configuration)")
        print("# SAC update: observation \(observation), action \(action), batch \(batch), networks \(hidden)x\(hidden);",
              "K = 1: Gaussian + RP, K > 1: mixture + MRP; 2+ threads: \(parallelism.rawValue)")
        print("# \(repetitions) interleaved repetitions of ~\(format(repetitionSeconds, 2)) s per side; medians.",
              "floor min = sac_gemm_floor.c shapes with q_dw=0; floor act = the gemms the update issued;",
              "ratio = update / floor (wall | cpu); cpu = thread CPU clock (1 thread) or process CPU clock (2+)")
        if let n = profileUpdates {
            for k in components {
                for t in threads {
                    let agent = try makeAgent(components: k, threads: t)
                    BLAS.setThreadCount(agent.parallelism.blasThreads)
                    let data = randomBatch()
                    let start = Timing.now()
                    for _ in 0..<n { _ = agent.update(batch: data) }
                    print("K=\(k) threads=\(t): \(n) updates, \(format(Timing.seconds(since: start) * 1e3 / Double(max(n, 1)), 3)) ms each")
                }
            }
            return
        }
        print(SACRow.header)
        var failed = false
        for k in components {
            for t in threads {
                let row = try measure(components: k, threads: t)
                print(row.line)
                if t == 1 && (row.cpuRatioActual > targetRatio) { failed = true }
                if row.allocationsPerUpdate > 0 { failed = true }
                if let cFloor { print(runCFloor(path: cFloor, components: k, threads: t, swiftFloor: row)) }
            }
        }
        print("# target: 1 thread within \(format(targetRatio, 2))x of the actual floor (cpu), 0 buffers per update:",
              failed ? "NOT met" : "met")
        if strict && failed { throw ExitCode.failure }
    }

    func makeAgent(components k: Int, threads: Int) throws -> SACAgent {
        var c = TrainingConfiguration()
        c.environment = "bench"
        c.policy = k == 1 ? .gaussian : .mixture
        c.components = k
        c.estimator = k == 1 ? .rp : .mrp
        c.batchSize = batch
        c.hiddenSizes = [hidden, hidden]
        let agent = try SACAgent(configuration: c, observationSize: observation,
                                 actionLow: Array(repeating: -1, count: action),
                                 actionHigh: Array(repeating: 1, count: action), rng: RandomStream(seed: 1))
        agent.parallelism = .init(kind: threads > 1 ? parallelism : .blas, threads: threads)
        return agent
    }

    func randomBatch() -> ReplayBatch {
        var rng = RandomStream(seed: 2)
        var b = ReplayBatch(batchSize: batch, observationSize: observation, actionSize: action)
        b.observations.fillNormal(using: &rng)
        b.nextObservations.fillNormal(using: &rng)
        b.actions.fillUniform(lower: -1, upper: 1, using: &rng)
        b.rewards.fillNormal(using: &rng)
        b.terminated.withUnsafeMutablePointer { p in for i in 0..<batch { p[i] = rng.uniform() < 0.01 ? 1 : 0 } }
        return b
    }

    func measure(components k: Int, threads t: Int) throws -> SACRow {
        let agent = try makeAgent(components: k, threads: t)
        BLAS.setThreadCount(agent.parallelism.blasThreads)
        let data = randomBatch()
        for _ in 0..<10 { _ = agent.update(batch: data) }

        // Allocations with the batch refilled in place before each update, as a trainer
        // samples into it (a tape still holding the batch would turn the refill into a copy).
        var refilled = randomBatch(), refillSource = RandomStream(seed: 4)
        let buffersBefore = AllocationCounter.bufferCount
        for _ in 0..<allocationUpdates {
            refilled.observations.fillNormal(using: &refillSource)
            refilled.nextObservations.fillNormal(using: &refillSource)
            refilled.rewards.fillNormal(using: &refillSource)
            _ = agent.update(batch: refilled)
        }
        let allocations = Double(AllocationCounter.bufferCount - buffersBefore) / Double(allocationUpdates)

        let actualCalls = GemmLog.recording { _ = agent.update(batch: data) }.gemms
        if listGemms {
            print("# K=\(k) threads=\(t): \(actualCalls.count) gemms")
            for call in actualCalls { print("#   \(call)") }
        }
        let minimalCalls = SACGemmList.minimal(observation: observation, action: action, components: k,
                                               batch: batch, hidden: hidden)
        var rng = RandomStream(seed: 3)
        let actual = actualCalls.map { GemmReplay($0, rng: &rng) }
        let minimal = minimalCalls.map { GemmReplay($0, rng: &rng) }
        let blasThreads = agent.parallelism.blasFloorThreads

        let update: (Int) -> Void = { n in for _ in 0..<n { _ = agent.update(batch: data) } }
        let floorMinimal: (Int) -> Void = { n in
            BLAS.setThreadCount(blasThreads)
            for _ in 0..<n { for call in minimal { call.run() } }
            BLAS.setThreadCount(agent.parallelism.blasThreads)
        }
        let floorActual: (Int) -> Void = { n in
            BLAS.setThreadCount(blasThreads)
            for _ in 0..<n { for call in actual { call.run() } }
            BLAS.setThreadCount(agent.parallelism.blasThreads)
        }
        let iterations = Timing.calibrate(targetSeconds: repetitionSeconds, update)
        let clock: SACClock = t == 1 ? .thread : .process
        let (wall, cpu) = clock.interleaved(repetitions: repetitions, iterations: iterations,
                                            [update, floorMinimal, floorActual])
        BLAS.setThreadCount(1)
        return SACRow(components: k, threads: t, wall: wall, cpu: cpu,
                      minimalGemms: minimalCalls.count, actualGemms: actualCalls.count,
                      minimalFlops: minimalCalls.reduce(0) { $0 + $1.flops }, actualFlops: actualCalls.reduce(0) { $0 + $1.flops },
                      allocationsPerUpdate: allocations)
    }

    /// Runs the C floor with the same shapes (`q_dw = 0`) and prints its median next to
    /// the Swift replay of the same list.
    func runCFloor(path: String, components k: Int, threads t: Int, swiftFloor row: SACRow) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["\(observation)", "\(action)", "\(k)", "\(batch)", "\(hidden)", "0", "0", "1", "3"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(t)"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return "#   C floor: could not run \(path): \(error)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let range = output.range(of: "\"ms_median\": "),
              let ms = Double(output[range.upperBound...].prefix { $0 != "," }) else {
            return "#   C floor: unexpected output: \(output)"
        }
        return "#   C floor (sac_gemm_floor.c, q_dw=0, \(t) thread(s), run after): \(format(ms, 3)) ms;"
            + " Swift replay of the same list in this run: \(format(row.wall[1].median * 1e3, 3)) ms"
            + " (Swift/C \(format(row.wall[1].median * 1e3 / ms, 3)))"
    }
}

/// One line of the table.
struct SACRow {
    var components: Int, threads: Int
    /// Per candidate (update, minimal floor, actual floor): seconds per update.
    var wall: [TimingSummary], cpu: [TimingSummary]
    var minimalGemms: Int, actualGemms: Int
    var minimalFlops: Int, actualFlops: Int
    var allocationsPerUpdate: Double

    var cpuRatioActual: Double { cpu[0].median / cpu[2].median }

    static let header = "K  est  thr | updates/s | update ms wall  cpu   | floor min ms (gemms) | floor act ms (gemms) | ratio/min wall cpu | ratio/act wall cpu | buffers/update"

    var line: String {
        func ms(_ s: TimingSummary) -> String { format(s.median * 1e3, 3) }
        let estimator = components == 1 ? "RP " : "MRP"
        return "\(components)  \(estimator)  \(threads)  | \(pad(format(1 / wall[0].median, 1), 9)) |"
            + " \(pad(ms(wall[0]), 7)) \(pad(ms(cpu[0]), 7)) |"
            + " \(pad(ms(wall[1]), 7)) (\(minimalGemms))       |"
            + " \(pad(ms(wall[2]), 7)) (\(actualGemms))       |"
            + " \(format(wall[0].median / wall[1].median, 3)) \(format(cpu[0].median / cpu[1].median, 3))        |"
            + " \(format(wall[0].median / wall[2].median, 3)) \(format(cpuRatioActual, 3))        |"
            + " \(format(allocationsPerUpdate, 2))"
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

/// Interleaved timing of wall time and a CPU clock: the calling thread's
/// (`CLOCK_THREAD_CPUTIME_ID`, for one thread: OpenBLAS then runs in the caller) or the
/// process's (`CLOCK_PROCESS_CPUTIME_ID`, which also counts helper threads, including
/// any time they spend spinning).
enum SACClock {
    case thread, process

    func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(self == .thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    func interleaved(repetitions: Int, iterations: Int, _ candidates: [(Int) -> Void])
        -> (wall: [TimingSummary], cpu: [TimingSummary]) {
        var wall = [[Double]](repeating: [], count: candidates.count), cpu = wall
        for repetition in 0..<max(repetitions, 1) {
            for offset in 0..<candidates.count {
                let index = (repetition + offset) % candidates.count
                let w0 = Timing.now(), c0 = nanoseconds()
                candidates[index](iterations)
                let c1 = nanoseconds(), w1 = Timing.now()
                wall[index].append(Double(w1 &- w0) * 1e-9 / Double(iterations))
                cpu[index].append(Double(c1 &- c0) * 1e-9 / Double(iterations))
            }
        }
        return (wall.map(TimingSummary.init), cpu.map(TimingSummary.init))
    }
}

extension SACAgent.Parallelism.Kind: ExpressibleByArgument {}
