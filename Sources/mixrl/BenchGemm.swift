import ArgumentParser
import MixBench

/// `mixrl bench gemm`: the flags of ``GemmBenchmark`` (module MixBench), which measures
/// and prints the table.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Tensor matmul against raw OpenBLAS and BLIS sgemm for the shapes of a SAC update.")

    @Option(help: "Observation size.") var observation = 17
    @Option(help: "Action size.") var action = 6
    @Option(help: "Batch size (rows of a minibatch).") var batch = 256
    @Option(help: "Width of both hidden layers.") var hidden = 256
    @Option(help: "Mixture components K (the critic also runs on batch*K rows).") var components = 5
    @Option(help: "Repetitions per shape (the median is reported).") var repetitions = 61
    @Option(help: "Target duration of one repetition of one side, in seconds (short repetitions dodge preemption).")
    var repetitionSeconds = 0.001
    @Option(help: "OpenBLAS threads.") var threads = 1
    @Option(help: "Tensor/raw throughput ratio every shape should reach.") var targetRatio = 0.95
    @Flag(help: "Exit with an error when a shape misses the target ratio.") var strict = false
    @Option(help: "Extra square products n x n x n to time (raw libraries only matter there).")
    var squares: [Int] = [256, 2048]

    func run() throws {
        let benchmark = GemmBenchmark(observation: observation, action: action, batch: batch, hidden: hidden,
                                      components: components, repetitions: repetitions,
                                      repetitionSeconds: repetitionSeconds, threads: threads,
                                      targetRatio: targetRatio, squares: squares)
        let verdict = benchmark.run()
        if strict && verdict == .missed { throw ExitCode.failure }
    }
}
