import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file, held for as long as its open file description lives:
/// passed on to a run's process, it stays held until that process (and anything that
/// inherited it) has exited, even if the sweep itself was killed. A new sweep uses it to
/// notice runs still being written by an orphan of an earlier one.
final class FileLock {
    private(set) var descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lock without waiting; nil if another process holds it.
    static func tryAcquire(_ url: URL) throws(SweepError) -> FileLock? {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SweepError("cannot open the lock file \(url.path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return FileLock(descriptor: fd, path: url.path)
    }

    /// Records `pid` as the holder (informational, and for finding orphans).
    func writeHolder(_ pid: pid_t) {
        let text = "\(pid)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Closes this process's reference; the lock stays held by any process that inherited it.
    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }

    /// The pid written in the lock file, if that process is alive and really holds the
    /// file open (so that a reused pid is never signalled).
    static func liveHolder(of url: URL) -> pid_t? {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let pid = pid_t(text.trimmingSpaces), pid > 0, kill(pid, 0) == 0 else { return nil }
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
