import ArgumentParser
import MixBench
import MixRL

/// `mixrl bench sac`: the flags of ``SACBenchmark`` (module MixBench), which measures
/// and prints the table.
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
    @Option(parsing: .upToNextOption,
            help: "How 2+ threads are used, one row each: critics (the twin critics side by side, OpenBLAS single-threaded), hybrid (critics side by side, OpenBLAS threads for the rest), blas (threads inside OpenBLAS only).")
    var parallelism: [SACAgent.Parallelism.Kind] = [.critics, .hybrid, .blas]
    @Option(help: "Interleaved repetitions (medians are reported).") var repetitions = 11
    @Option(help: "Target duration of one repetition of one side, in seconds.") var repetitionSeconds = 0.15
    @Option(help: "Updates between warm-up and the allocation count.") var allocationUpdates = 20
    @Option(help: "Path of a compiled peers/sac_gemm_floor.c to run for each row as a cross-check.")
    var cFloor: String?
    @Option(help: "Update time / actual-gemm floor that one thread should stay within (cpu).") var targetRatio = 1.25
    @Flag(help: "Print the recorded gemm list of each configuration.") var listGemms = false
    @Option(help: "Only run this many updates per configuration, untimed against floors (for perf or callgrind).")
    var profileUpdates: Int?
    @Flag(help: "Exit with an error when a one-thread row misses the target or an update allocates.") var strict = false
    @Option(parsing: .upToNextOption,
            help: "Matrix-product libraries to compare, one row each: openblas, blis, auto (default: the one MIXRL_GEMM selects, or all three when BLIS is installed and MIXRL_GEMM is unset).")
    var backends: [GemmBackend.Selection] = []

    func run() throws {
        let benchmark = SACBenchmark(observation: observation, action: action, batch: batch, hidden: hidden,
                                     components: components, threads: threads, parallelism: parallelism,
                                     repetitions: repetitions, repetitionSeconds: repetitionSeconds,
                                     allocationUpdates: allocationUpdates, cFloor: cFloor, targetRatio: targetRatio,
                                     listGemms: listGemms, profileUpdates: profileUpdates, backends: backends)
        let verdict: BenchmarkVerdict
        do { verdict = try benchmark.run() } catch { throw error.commandLineError }
        if strict && verdict == .missed { throw ExitCode.failure }
    }
}

extension SACAgent.Parallelism.Kind: ExpressibleByArgument {}
extension GemmBackend.Selection: ExpressibleByArgument {}
