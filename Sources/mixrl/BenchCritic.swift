import ArgumentParser
import MixBench

/// `mixrl bench critic`: the flags of ``CriticBenchmark`` (module MixBench), which
/// measures and prints the comparison.
struct BenchCritic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "critic",
        abstract: "One SAC critic step (forward + backward + Adam) against the sum of its gemm times.")

    @Option(help: "Batch size.") var batch = 256
    @Option(help: "Input width (observation + action).") var input = 23
    @Option(help: "Width of each hidden layer.") var hidden = 256
    @Option(help: "Number of hidden layers.") var layers = 2
    @Option(help: "Interleaved repetitions (medians are reported).") var repetitions = 21
    @Option(help: "Target duration of one repetition of one side, in seconds.") var repetitionSeconds = 0.05
    @Option(help: "OpenBLAS threads.") var threads = 1
    @Option(help: "Step time / gemm time the step should stay within.") var targetRatio = 1.15
    @Flag(help: "Also time forward, backward and Adam separately.") var breakdown = false
    @Flag(help: "Exit with an error when the ratio or the allocation target is missed.") var strict = false

    func run() throws {
        let benchmark = CriticBenchmark(batch: batch, input: input, hidden: hidden, layers: layers,
                                        repetitions: repetitions, repetitionSeconds: repetitionSeconds,
                                        threads: threads, targetRatio: targetRatio, breakdown: breakdown)
        let verdict = benchmark.run()
        if strict && verdict == .missed { throw ExitCode.failure }
    }
}
