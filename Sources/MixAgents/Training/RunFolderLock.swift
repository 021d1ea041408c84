import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a run folder's `.lock` file: held by the trainer that writes
/// the folder, so that a second trainer (another `mixrl train --resume`, in this process
/// or another) is refused instead of writing the same files. The kernel releases it when
/// the descriptor closes, including when the process dies, so a crash never leaves a lock
/// that blocks resuming. The file holds the holder's pid (informational). A ``FileLock``.
final class RunFolderLock {
    /// The lock file's name inside the run folder.
    static let fileName = ".lock"

    private let lock: FileLock

    private init(lock: FileLock) { self.lock = lock }

    /// Takes the lock of `runDirectory` (which must exist) without waiting.
    ///
    /// - Throws: ``TrainingError/runFolder(path:reason:)`` naming the folder and the
    ///   holder's pid when another trainer holds it, or when the lock file cannot be opened.
    static func acquire(_ runDirectory: URL) throws(TrainingError) -> RunFolderLock {
        let url = runDirectory.appendingPathComponent(fileName)
        let taken: FileLock?
        do { taken = try FileLock.tryAcquire(url) }
        catch { throw .runFolder(path: runDirectory.path, reason: "cannot open its lock file \(fileName): \(error.reason)") }
        guard let taken else {
            let who = FileLock.recordedHolder(of: url).map { $0 == getpid() ? "another trainer in this process (pid \($0))" : "another process (pid \($0))" }
                ?? "another process"
            throw .runFolder(path: runDirectory.path, reason: "is in use: \(who) is training this run. Wait for it to end or stop it "
                             + "(SIGINT or SIGTERM make mixrl train checkpoint and exit), then resume it")
        }
        taken.writeHolder(getpid())
        return RunFolderLock(lock: taken)
    }

    /// Releases the lock (also done when the lock is deallocated).
    func release() { lock.release() }
}
