import ArgumentParser
import MixBench

/// `mixrl bench ...`: speed measurements, each next to a reference measured in the same run.
/// The subcommands (one file each) parse flags and call the harness in the MixBench
/// module, which measures and prints.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed against references timed in the same run.",
        subcommands: [BenchGemm.self, BenchCritic.self, BenchBridge.self, BenchSAC.self]
    )
}

extension BenchmarkError {
    /// What a `mixrl bench` subcommand throws for it (see ``ExitStatus``): a setup problem
    /// as a usage error (exit 2), anything else as the failure underneath (exit 1).
    var commandLineError: any Error {
        switch self {
        case .setup(let message): return ValidationError(message)
        default: return underlying ?? self
        }
    }
}
