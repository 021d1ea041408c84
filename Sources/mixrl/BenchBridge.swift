import ArgumentParser
import MixBench

/// `mixrl bench bridge`: the flags of ``BridgeBenchmark`` (module MixBench), which
/// measures and prints the table.
struct BenchBridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "Bridge step rate against raw Python stepping of the same environment.")

    @Option(help: "Environment (gym:ID, dmc:DOMAIN-TASK, metaworld:TASK).") var env = "gym:HalfCheetah-v5"
    @Option(help: "Environment copies per worker, one row each (repeat the option: --copies 1 --copies 8).")
    var copies: [Int] = [1, 8]
    @Option(help: "Environment steps per repetition of one side.") var steps = 8000
    @Option(help: "Repetitions per side (the median is reported).") var repetitions = 9
    @Option(name: .customLong("env-import"), help: "Python module to import first (e.g. myosuite).")
    var environmentImports: [String] = []
    @Option(help: "Bridge/raw throughput ratio to reach.") var targetRatio = 0.85
    @Flag(help: "Exit with an error when no row reaches the target ratio.") var strict = false

    func run() throws {
        let benchmark = BridgeBenchmark(env: env, copies: copies, steps: steps, repetitions: repetitions,
                                        environmentImports: environmentImports, targetRatio: targetRatio)
        let verdict: BenchmarkVerdict
        do { verdict = try benchmark.run() } catch { throw error.commandLineError }
        if strict && verdict == .missed { throw ExitCode.failure }
    }
}
