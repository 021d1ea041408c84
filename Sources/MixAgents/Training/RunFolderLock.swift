import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a run folder's `.lock` file: held by the trainer that writes
/// the folder, so that a second trainer (another `mixrl train --resume`, in this process
/// or another) is refused instead of writing the same files. The kernel releases it when
/// the descriptor closes, including when the process dies, so a crash never leaves a lock
/// that blocks resuming. The file holds the holder's pid (informational).
final class RunFolderLock {
    /// The lock file's name inside the run folder.
    static let fileName = ".lock"

    private var descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock of `runDirectory` (which must exist) without waiting.
    ///
    /// - Throws: ``TrainingError/runFolder(path:reason:)`` naming the folder and the
    ///   holder's pid when another trainer holds it, or when the lock file cannot be opened.
    static func acquire(_ runDirectory: URL) throws(TrainingError) -> RunFolderLock {
        let url = runDirectory.appendingPathComponent(fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .runFolder(path: runDirectory.path, reason: "cannot open its lock file \(fileName): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let holder = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let who = Int32(holder).map { $0 == getpid() ? "another trainer in this process (pid \($0))" : "another process (pid \($0))" }
                ?? "another process"
            throw .runFolder(path: runDirectory.path, reason: "is in use: \(who) is training this run. Wait for it to end or stop it "
                             + "(SIGINT or SIGTERM make mixrl train checkpoint and exit), then resume it")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return RunFolderLock(descriptor: fd)
    }

    /// Releases the lock (also done when the lock is deallocated).
    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
