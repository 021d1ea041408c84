import Foundation
import MixProcess
#if canImport(Glibc)
import Glibc
#endif

/// A run's process, as the pool starts it: in its own process group (so a terminal's
/// Ctrl-C reaches only the sweep, which forwards SIGTERM), with default signal
/// dispositions, standard input from /dev/null and standard output and error appended to
/// a log file.
///
/// With `parentDeathSignal`, the command runs under `setpriv --pdeathsig TERM`, so that
/// it receives SIGTERM (and checkpoints) if the sweep dies without forwarding it, for
/// instance on SIGKILL. The kernel sends that signal when the *thread* that spawned the
/// child ends, so the pool spawns and waits from one thread that outlives its children.
extension ChildProcess {
    /// The fd number a run's lock is passed on as (above the usual range, so that a
    /// lock fd of the parent is never already that number).
    static let inheritedLockDescriptor: Int32 = 201

    /// `setpriv`, if the system has it.
    static let setpriv: String? = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func spawn(_ command: LaunchCommand, log: URL, lockDescriptor: Int32?, parentDeathSignal: Bool) throws(SweepError) -> ChildProcess {
        if command.executable.contains("/") && !FileManager.default.isExecutableFile(atPath: command.executable) {
            throw SweepError("cannot start \(command.executable): no executable file there")
        }
        var argv = [command.executable] + command.arguments
        var executable = command.executable
        if parentDeathSignal, let setpriv {
            executable = setpriv
            argv = [setpriv, "--pdeathsig", "TERM", "--"] + argv
        }
        if !executable.contains("/") {
            guard let found = searchPath(executable) else {
                throw SweepError("cannot start \(executable): not found in PATH")
            }
            executable = found
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in command.environment { env[k] = v }

        let logFD = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw SweepError("cannot open the log \(log.path): \(String(cString: strerror(errno)))") }
        defer { close(logFD) }

        var descriptors: [(child: Int32, Descriptor)] = [(0, .open(path: "/dev/null", flags: O_RDONLY)), (1, .copy(of: logFD)), (2, .copy(of: logFD))]
        if let lockDescriptor { descriptors.append((inheritedLockDescriptor, .copy(of: lockDescriptor))) }
        do {
            return try spawn(executable, argv: argv, environment: env, descriptors: descriptors,
                             defaultSignals: [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD], newProcessGroup: true)
        } catch {
            throw SweepError("cannot start \(command.executable): \(error.reason)")
        }
    }
}
