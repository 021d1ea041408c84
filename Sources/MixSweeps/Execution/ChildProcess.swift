import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
package enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// "exit code N" or "killed by signal N".
    package var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let sig): return "killed by signal \(sig)" + (sig == SIGKILL ? " (SIGKILL)" : sig == SIGTERM ? " (SIGTERM)" : "")
        }
    }

    /// Decodes a `waitpid` status word (the WIFEXITED/WTERMSIG macros, which Swift does not import).
    init(waitStatus: Int32) {
        let low = waitStatus & 0x7f
        self = low == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(low)
    }
}

/// A process started by the pool, in its own process group (so a terminal's Ctrl-C
/// reaches only the sweep, which forwards SIGTERM), with default signal dispositions,
/// standard input from /dev/null and standard output and error appended to a log file.
///
/// With `parentDeathSignal`, the command runs under `setpriv --pdeathsig TERM`, so that
/// it receives SIGTERM (and checkpoints) if the sweep dies without forwarding it, for
/// instance on SIGKILL. The kernel sends that signal when the *thread* that spawned the
/// child ends, so the pool spawns and waits from one thread that outlives its children.
struct ChildProcess {
    let pid: pid_t

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

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        if let lockDescriptor { posix_spawn_file_actions_adddup2(&actions, lockDescriptor, inheritedLockDescriptor) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else { throw SweepError("cannot start \(command.executable): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid)
    }

    /// The exit status if the child has ended (reaping it), nil while it runs.
    func poll() -> ExitStatus? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return ExitStatus(waitStatus: status) }
            if r == -1 && errno == EINTR { continue }
            if r == -1 { return .exited(255) }  // not our child any more: treat as a failure
            return nil
        }
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    static func searchPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
