import ArgumentParser
import MixRL

/// The `mixrl` command: training, sweeps, reports and benchmarks.
/// Each subcommand lives in its own file; this file only lists them.
@main
struct MixRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixrl",
        abstract: "Soft Actor-Critic with Gaussian-mixture policies (MRP, LR, hybrid, RP estimators).",
        subcommands: [TrainCommand.self, Sweep.self, Report.self, VarianceCommand.self, LandscapeCommand.self, Bench.self]
    )

    /// Checks `MIXRL_GEMM` (an unknown name, or `blis` without BLIS, is an error before
    /// any work), then parses and runs the subcommand.
    static func main() {
        do {
            try GemmBackend.selectFromEnvironment()
        } catch {
            exit(withError: ValidationError(error.description))
        }
        main(nil)
    }
}

/// `mixrl bench ...`: speed measurements, each next to a reference measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed against references timed in the same run.",
        subcommands: [BenchGemm.self, BenchCritic.self, BenchBridge.self, BenchSAC.self]
    )
}
