import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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
    package init(waitStatus: Int32) {
        let low = waitStatus & 0x7f
        self = low == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(low)
    }
}

/// A process started with `posix_spawn`, and the calls that signal and reap it.
///
/// The child starts with the descriptors it is given (files opened for it, or copies of
/// this process's descriptors, in the order listed; its other inherited descriptors are
/// whatever this process did not open close-on-exec), default handling for the listed
/// signals, an empty signal mask, and, if asked, in a process group of its own (so that a
/// terminal's Ctrl-C reaches only this process, which decides what to forward). Whoever
/// spawns a child reaps it, once, with ``poll()`` or ``wait()``.
package struct ChildProcess: Sendable {
    /// What one descriptor of the child is.
    package enum Descriptor: Sendable {
        /// The file at `path`, opened by the child with `flags` (`O_RDONLY`, ...).
        case open(path: String, flags: Int32)
        /// A copy (`dup2`) of this process's descriptor.
        case copy(of: Int32)
    }

    /// Why a child could not be started: the error number `posix_spawn` returned.
    package struct SpawnError: Error, Sendable, Equatable {
        /// The error number (`ENOENT`, `EACCES`, ...).
        package var code: Int32
        /// The POSIX reason (`No such file or directory`).
        package var reason: String { String(cString: strerror(code)) }
    }

    /// The child's process id.
    package let pid: pid_t

    /// Starts the executable file at `path` (no `PATH` lookup: see ``searchPath(_:)``).
    ///
    /// - Parameters:
    ///   - path: the program's file.
    ///   - argv: its arguments, the program name (`argv[0]`) first.
    ///   - environment: its environment; nil for this process's own.
    ///   - descriptors: the child's descriptor numbers and what each is.
    ///   - defaultSignals: signals the child handles by default whatever this process does.
    ///   - newProcessGroup: whether the child leads a process group of its own.
    /// - Throws: ``SpawnError`` when `posix_spawn` fails (the file is missing or not
    ///   executable, no memory, ...).
    package static func spawn(_ path: String, argv: [String], environment: [String: String]? = nil,
                              descriptors: [(child: Int32, Descriptor)], defaultSignals: [Int32],
                              newProcessGroup: Bool = false) throws(SpawnError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (child, source) in descriptors {
            switch source {
            case .open(let file, let flags): posix_spawn_file_actions_addopen(&actions, child, file, flags, 0)
            case .copy(let fd): posix_spawn_file_actions_adddup2(&actions, fd, child)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in defaultSignals { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for p in cArgv { free(p) }
            for p in cEnv ?? [] { free(p) }
        }
        var pid = pid_t()
        let rc = cEnv.map { posix_spawn(&pid, path, &actions, &attributes, cArgv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, cArgv, environ)
        guard rc == 0 else { throw SpawnError(code: rc) }
        return ChildProcess(pid: pid)
    }

    /// The exit status if the child has ended (reaping it), nil while it runs. A child
    /// that is no longer this process's to reap counts as a failure (`exit code 255`).
    package func poll() -> ExitStatus? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return ExitStatus(waitStatus: status) }
            if r == -1 && errno == EINTR { continue }
            if r == -1 { return .exited(255) }  // not our child any more: treat as a failure
            return nil
        }
    }

    /// Waits for the child to end and reaps it.
    package func wait() -> ExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ExitStatus(waitStatus: status)
    }

    /// Sends `signal` to the child.
    package func send(_ signal: Int32) { kill(pid, signal) }

    /// The first executable file named `name` in the directories of `PATH`.
    package static func searchPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
