import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The progress display of `mixrl train` and `mixrl sweep`, on standard error (standard
/// output stays for results).
///
/// On a terminal the status is one live line, rewritten in place, kept below the lines
/// printed with ``line(_:)``. Elsewhere (a log file, a pipe) the status is a plain line,
/// printed when forced or at most every `plainInterval` seconds.
final class ProgressDisplay {
    /// Whether the status is a live line (standard error is a terminal and plain lines
    /// were not asked for).
    let live: Bool
    /// Seconds between plain status lines that are not forced.
    let plainInterval: Double
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
        let status = shown
        clear()
        write(text + "\n")
        if let status { update(status) }
    }

    /// Prints `text` as the last line: the live status goes for good.
    func finish(_ text: String) {
        clear()
        write(text + "\n")
    }

    private func clear() {
        if live && shown != nil { write("\r\u{1B}[2K") }
        shown = nil
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
