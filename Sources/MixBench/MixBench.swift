// The MixBench module: the measurement harness behind `mixrl bench`. Its one concern is
// timing MixRL's hot paths next to a reference that does the same work, measured in the
// same run on the same machine, and printing the comparison as a table:
//
// - `GemmBenchmark` (`mixrl bench gemm`): `Tensor.matmul(into:)` against raw OpenBLAS
//   and BLIS sgemm for the products of a SAC update;
// - `CriticBenchmark` (`mixrl bench critic`): one critic step on the tape against its
//   gemms called raw;
// - `SACBenchmark` (`mixrl bench sac`): full SAC updates against the update's gemms
//   replayed raw (gemm floors), with allocation counts and result hashes;
// - `BridgeBenchmark` (`mixrl bench bridge`): the Python bridge against raw Python
//   stepping of the same environment.
//
// `Timing` holds the clocks and the interleaved, median-based timing they share.
// Nothing here parses flags or exits: the `mixrl` executable turns flags into these
// values, calls `run()`, and turns a `BenchmarkVerdict` and a `BenchmarkError` into an
// exit code. The tables go to standard output. Everything is `package`: the harness is
// part of the tool, not of the library (`import MixRL` does not include it).

import MixAgents
import MixEnvs
import MixTensor

/// Whether a benchmark reached the targets it checks (what `mixrl bench ... --strict`
/// turns into a failing exit).
package enum BenchmarkVerdict: Sendable, Equatable {
    /// Every target was met (or the run checked none).
    case met
    /// At least one target was missed; the table says which.
    case missed
}

/// Why a benchmark could not run to the end.
package enum BenchmarkError: Error, CustomStringConvertible {
    /// A problem with what the benchmark was given or found around it (a script that is
    /// not there, a reference process that answers something unexpected); the message
    /// names it. `mixrl` reports it as a usage error.
    case setup(String)
    /// Selecting a matrix-product library failed (say, `blis` without BLIS installed).
    case gemmBackend(GemmBackend.SelectionError)
    /// Building or updating the SAC agent failed.
    case training(TrainingError)
    /// The environment, or the bridge to it, failed.
    case environment(EnvironmentError)
    /// A file or process operation failed (writing the action file, starting a process).
    case system(any Error)

    /// The error underneath, for the cases that wrap one (nil for ``setup(_:)``).
    package var underlying: (any Error)? {
        switch self {
        case .setup: return nil
        case .gemmBackend(let error): return error
        case .training(let error): return error
        case .environment(let error): return error
        case .system(let error): return error
        }
    }

    package var description: String {
        switch self {
        case .setup(let message): return message
        default: return underlying.map { SystemErrorText.reason($0) } ?? ""
        }
    }
}

/// Selects `selection` for the matrix products that follow.
func selectGemmBackend(_ selection: GemmBackend.Selection) throws(BenchmarkError) {
    do { try GemmBackend.select(selection) } catch { throw .gemmBackend(error) }
}
