import ArgumentParser
import Foundation
import MixRL

/// The `mixrl` command: training, sweeps, reports and benchmarks.
/// Each subcommand lives in its own file; this file lists them and maps every failure to
/// one exit-code convention (``ExitStatus``).
@main
struct MixRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixrl",
        abstract: "Soft Actor-Critic with Gaussian-mixture policies (MRP, LR, hybrid, RP estimators).",
        discussion: """
        Exit codes, the same for every subcommand: 0 success; 1 a failure while working (a run \
        failed, a file could not be written, an environment or its worker failed); 2 a usage or \
        validation error, reported before any work (an unknown flag, a bad value, a rejected \
        configuration, spec or request); 130 or 143 interrupted by SIGINT or SIGTERM (runs \
        checkpoint first).
        """,
        version: mixRLVersion,
        subcommands: [TrainCommand.self, Sweep.self, Report.self, VarianceCommand.self, LandscapeCommand.self, Bench.self]
    )

    /// Checks `MIXRL_GEMM` (an unknown name, or `blis` without BLIS, is an error before
    /// any work), then parses and runs the subcommand; every way out goes through
    /// ``ExitStatus``.
    static func main() {
        do {
            try GemmBackend.selectFromEnvironment()
        } catch {
            ExitStatus.fail(usage: "MIXRL_GEMM: \(error.description)", command: self)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(Array(CommandLine.arguments.dropFirst()))
        } catch {
            ExitStatus.exitAfterParsing(error)
        }
        do {
            try command.run()
        } catch {
            ExitStatus.exitAfterRunning(error, command: type(of: command))
        }
    }
}

/// The exit codes of every subcommand, and the one place that turns an error into a
/// message and a code:
///
/// - 0: success (also `--help`, `--version`);
/// - 1 (``failure``): a failure while working: a run failed, a file could not be read or
///   written, an environment or its worker failed;
/// - 2 (``usage``): a usage or validation error, before any work: an unknown flag, a bad
///   value, a rejected configuration, spec or request. The message ends with the usage
///   of the subcommand that rejected it;
/// - 128 + signal: interrupted (130 SIGINT, 143 SIGTERM), after a checkpoint.
///
/// A subcommand throws `ValidationError` for a usage error, `ExitCode(...)` after printing
/// its own message, and anything else for a failure (printed as `mixrl SUB: error: ...`,
/// with Foundation errors reduced to their POSIX reason).
enum ExitStatus {
    /// A usage or validation error.
    static let usage: Int32 = 2
    /// A failure while working.
    static let failure: Int32 = 1

    /// A parse error (unknown flag, bad value, a `validate()` that threw): ArgumentParser's
    /// message and usage, with ``usage`` instead of its EX_USAGE (64). Help and version
    /// requests print to standard output and exit 0.
    static func exitAfterParsing(_ error: any Error) -> Never {
        let code = MixRLCommand.exitCode(for: error)
        let text = MixRLCommand.fullMessage(for: error)
        if code == .success {
            if !text.isEmpty { print(text) }
            exit(0)
        }
        if !text.isEmpty { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        exit(code == .validationFailure ? usage : code.rawValue)
    }

    /// An error thrown by `command`'s `run()`.
    static func exitAfterRunning(_ error: any Error, command: ParsableCommand.Type) -> Never {
        switch error {
        case let code as ExitCode:
            exit(code.rawValue)
        case let validation as ValidationError:
            fail(usage: validation.message, command: command)
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."):
            // ArgumentParser's own requests and errors, raised by its built-in commands
            // (`mixrl help train`, `--help`): help text and exit 0, or a parse error.
            exitAfterParsing(error)
        default:
            let path = commandPath(command).joined(separator: " ")
            FileHandle.standardError.write(Data("\(path): error: \(SystemErrorText.reason(error, operatingOn: ""))\n".utf8))
            exit(failure)
        }
    }

    /// Prints `message` and the usage of `command` (`Usage: mixrl train ...`, not the
    /// root's) and exits with ``usage``.
    static func fail(usage message: String, command: ParsableCommand.Type) -> Never {
        let path = commandPath(command)
        let synopsis = (ObjectIdentifier(command) == ObjectIdentifier(MixRLCommand.self) ? MixRLCommand.usageString() : MixRLCommand.usageString(for: command))
            .replacingOccurrences(of: "\n", with: "\n       ")
        var text = "Error: \(message)\n"
        if !synopsis.isEmpty { text += "Usage: \(synopsis)\n" }
        text += "  See '\(path.joined(separator: " ")) --help' for more information.\n"
        FileHandle.standardError.write(Data(text.utf8))
        exit(usage)
    }

    /// The command names from the root to `command` (`["mixrl", "sweep", "run"]`).
    static func commandPath(_ command: ParsableCommand.Type) -> [String] {
        func search(_ node: ParsableCommand.Type, _ path: [String]) -> [String]? {
            let here = path + [node._commandName]
            if ObjectIdentifier(node) == ObjectIdentifier(command) { return here }
            for child in node.configuration.subcommands {
                if let found = search(child, here) { return found }
            }
            return nil
        }
        return search(MixRLCommand.self, []) ?? ["mixrl", command._commandName]
    }
}

extension TrainingError {
    /// Whether the run was refused because of a value the user gave (an invalid
    /// configuration, an estimator that does not fit the policy, an environment id that
    /// names nothing): a usage error (exit 2), as opposed to a failure while working.
    var isRejectedInput: Bool {
        switch self {
        case .configuration, .estimator:
            return true
        case .environment(let error):
            switch error {
            case .unknownID, .invalidArgument, .rejectedByWorker: return true
            default: return false
            }
        default:
            return false
        }
    }
}
