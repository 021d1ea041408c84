import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file, held for as long as its open file description lives.
/// The kernel releases it when the last descriptor closes, including when the process
/// dies, so a crash never leaves a stale lock. The one lock of MixRL: a trainer's run
/// folder (``RunFolderLock``) and a sweep's folder and runs (passed on to a run's process,
/// it stays held until that process and anything that inherited it have exited, so a new
/// sweep notices runs still being written by an orphan of an earlier one). The file holds
/// the holder's pid (informational, and for finding orphans).
package final class FileLock {
    /// Why the lock file could not be opened.
    package struct OpenError: Error, Sendable, Equatable {
        /// The lock file.
        package var path: String
        /// The POSIX reason (`Permission denied`).
        package var reason: String
    }

    /// The open descriptor (inherited by a child to keep the lock held), -1 once released.
    package private(set) var descriptor: Int32
    /// The lock file's path.
    package let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lock without waiting; nil if another open file description holds it
    /// (another process, or another lock of this process on the same file).
    package static func tryAcquire(_ url: URL) throws(OpenError) -> FileLock? {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OpenError(path: url.path, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return FileLock(descriptor: fd, path: url.path)
    }

    /// Records `pid` as the holder (informational, and for finding orphans).
    package func writeHolder(_ pid: pid_t) {
        let text = "\(pid)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Closes this process's reference; the lock stays held by any process that inherited it.
    package func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }

    /// The pid written in the lock file, whether or not that process still runs.
    package static func recordedHolder(of url: URL) -> pid_t? {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// The pid written in the lock file, if that process is alive and really holds the
    /// file open (so that a reused pid is never signalled).
    package static func liveHolder(of url: URL) -> pid_t? {
        guard let pid = recordedHolder(of: url), kill(pid, 0) == 0 else { return nil }
        let fdFolder = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdFolder) else { return nil }
        let target = url.resolvingSymlinksInPath().path
        for fd in fds {
            if let dest = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdFolder)/\(fd)"), dest == target || dest == url.path {
                return pid
            }
        }
        return nil
    }
}
