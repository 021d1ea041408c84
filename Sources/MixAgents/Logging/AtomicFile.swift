import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing a file so that a crash at any moment leaves either the old content or the
/// new, never a torn mix: write a temporary file beside it, fsync it, rename it over
/// the target, fsync the folder.
package enum AtomicFile {
    /// A file could not be written.
    package struct WriteError: Error, CustomStringConvertible, Sendable {
        package var path: String
        package var reason: String
        package var description: String { "cannot write \(path): \(reason)" }
    }

    /// Atomically replaces the file at `url` with `data`.
    package static func write(_ data: Data, to url: URL) throws(WriteError) {
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = String(cString: strerror(errno)); return }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure { unlink(tmp); throw WriteError(path: url.path, reason: failure) }
        guard rename(tmp, url.path) == 0 else {
            let reason = String(cString: strerror(errno)); unlink(tmp)
            throw WriteError(path: url.path, reason: reason)
        }
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Atomically replaces the file at `url` with the UTF-8 `text`.
    package static func write(_ text: String, to url: URL) throws(WriteError) {
        try write(Data(text.utf8), to: url)
    }
}
