import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The progress display of every long `mixrl` command (train, sweep, variance, landscape), on standard error (standard
/// output stays for results).
///
/// On a terminal the status is one live line, rewritten in place, kept below the lines
/// printed with ``line(_:)``. Elsewhere (a log file, a pipe) the status is a plain line,
/// printed when forced or at most every `plainInterval` seconds.
///
/// Safe to call from several threads (the landscape scan reports from its workers): one
/// lock serializes the calls, so lines never interleave.
final class ProgressDisplay: @unchecked Sendable {
    /// Whether the status is a live line (standard error is a terminal and plain lines
    /// were not asked for).
    let live: Bool
    /// Seconds between plain status lines that are not forced.
    let plainInterval: Double
    /// Guards `lastPlain`, `shown` and the writes.
    private let lock = NSLock()
    private var lastPlain = Date.distantPast
    /// The status the live line shows, nil when none is on screen.
    private var shown: String?

    /// A display that prints plain lines every `plainInterval` seconds when standard error
    /// is not a terminal, or when `plain` asks for them.
    init(plain: Bool = false, plainInterval: Double) {
        live = !plain && isatty(STDERR_FILENO) == 1
        self.plainInterval = plainInterval
    }

    /// Shows `text` as the status: at once on a live line; as a plain line when `force`
    /// or when `plainInterval` seconds have passed since the last one.
    func update(_ text: String, force: Bool = false) {
        lock.withLock { updateLocked(text, force: force) }
    }

    private func updateLocked(_ text: String, force: Bool) {
        if live {
            write("\r\u{1B}[2K" + text)
            shown = text
        } else if force || Date().timeIntervalSince(lastPlain) >= plainInterval {
            write(text + "\n")
            lastPlain = Date()
        }
    }

    /// Prints `text` as a line of its own, above the live status (which is drawn again).
    func line(_ text: String) {
        lock.withLock {
            let status = shown
            clear()
            write(text + "\n")
            if let status { updateLocked(status, force: false) }
        }
    }

    /// Prints `text` as the last line: the live status goes for good.
    func finish(_ text: String) {
        lock.withLock {
            clear()
            write(text + "\n")
        }
    }

    private func clear() {
        if live && shown != nil { write("\r\u{1B}[2K") }
        shown = nil
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
