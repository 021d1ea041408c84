import Foundation

/// What the pool asks a launcher to do for one run.
package enum RunAction: Sendable, Equatable {
    /// Start afresh: `train --config CONFIG --out FOLDER`.
    case start(configuration: URL, folder: URL)
    /// Continue from the folder's checkpoint: `train --resume FOLDER`.
    case resume(folder: URL)

    /// `start` or `resume`.
    package var name: String {
        switch self {
        case .start: return "start"
        case .resume: return "resume"
        }
    }
}

/// A command line to execute.
package struct LaunchCommand: Sendable, Equatable {
    /// The program to run (a path, or a name looked up in `PATH`).
    package var executable: String
    /// Its arguments (without the program name).
    package var arguments: [String]
    /// Variables added to (or replacing those of) the sweep's own environment.
    package var environment: [String: String]

    /// A command line.
    package init(executable: String, arguments: [String], environment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}

/// Turns a run action into the command that performs it. The default runs `mixrl train`;
/// tests and the Slurm check substitute a script with the same command-line contract.
package protocol RunLauncher: Sendable {
    func command(for action: RunAction) -> LaunchCommand
}

/// `EXECUTABLE [LEADING...] train --config C --out D` or `... train --resume D`: the
/// contract of `mixrl train` (docs/run-folder.md).
package struct TrainCommandLauncher: RunLauncher {
    /// The program standing in for `mixrl` (its first argument is `train`).
    package var executable: String
    /// Arguments before `train` (for a script run by an interpreter, the script).
    package var leadingArguments: [String]

    /// A launcher running `executable [leadingArguments...] train ...`.
    package init(executable: String, leadingArguments: [String] = []) {
        self.executable = executable
        self.leadingArguments = leadingArguments
    }

    /// The `mixrl` executable of the running process (`/proc/self/exe`).
    package static func currentExecutable() -> TrainCommandLauncher {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return TrainCommandLauncher(executable: path)
    }

    /// The `train` command line for `action`.
    package func command(for action: RunAction) -> LaunchCommand {
        switch action {
        case .start(let configuration, let folder):
            return LaunchCommand(executable: executable, arguments: leadingArguments + ["train", "--config", configuration.path, "--out", folder.path])
        case .resume(let folder):
            return LaunchCommand(executable: executable, arguments: leadingArguments + ["train", "--resume", folder.path])
        }
    }
}
