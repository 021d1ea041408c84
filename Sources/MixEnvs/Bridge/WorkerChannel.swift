import Foundation
import MixProcess

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if _endian(big)
#error("the bridge protocol sends little-endian float64 arrays as raw memory")
#endif

/// A worker process (a ``ChildProcess``) with a framed duplex channel on its stdin/stdout
/// and a captured stderr tail; every read and write has a deadline.
///
/// The channel is one `AF_UNIX` socket dup'ed onto the child's descriptors 0 and 1, so
/// that writes can pass `MSG_NOSIGNAL` (a dead worker is an `EPIPE`, never a `SIGPIPE`
/// that kills this process) and reads can block with a kernel timeout (`SO_RCVTIMEO`).
/// A round trip thus costs one `send` and one blocking `recv`: no `poll` in the hot
/// path. Stderr is a second socket, read by its own thread into a bounded tail, so a
/// chatty worker never blocks on a full buffer. Every descriptor is created
/// close-on-exec, so workers started concurrently do not inherit each other's channel
/// (which would hide an EOF).
final class WorkerChannel {
    enum Failure: Error {
        case exited(String)
        case timedOut
        case malformed(String)
        case couldNotStart(Int32)
    }

    private let process: ChildProcess
    private var channel: Int32
    private let stderr: StderrCollector
    private(set) var exitDescription: String?

    // Receive buffer: bytes [start, end) are unread.
    private var inbox = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    /// Blocking calls wake up this often to check their deadline.
    private static let timeoutQuantum = 0.05

    init(executable: String, arguments: [String]) throws(Failure) {
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, socketType, 0, &pair) == 0 else { throw .couldNotStart(errno) }
        // Stderr is a socket too: socketpair sets close-on-exec atomically (pipe2 is not
        // exported to Swift by Glibc).
        var errPair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, socketType, 0, &errPair) == 0 else {
            let e = errno
            close(pair[0]); close(pair[1])
            throw .couldNotStart(e)
        }

        // The child starts with default handling of SIGPIPE and an empty signal mask.
        do throws(ChildProcess.SpawnError) {
            process = try ChildProcess.spawn(executable, argv: [executable] + arguments,
                                             descriptors: [(0, .copy(of: pair[1])), (1, .copy(of: pair[1])), (2, .copy(of: errPair[1]))],
                                             defaultSignals: [SIGPIPE])
        } catch {
            close(pair[0]); close(pair[1]); close(errPair[0]); close(errPair[1])
            throw .couldNotStart(error.code)
        }
        close(pair[1])
        close(errPair[1])
        channel = pair[0]
        shutdown(errPair[0], Int32(SHUT_WR))
        stderr = StderrCollector(fd: errPair[0])
        var quantum = timeval(tv_sec: 0, tv_usec: Int(Self.timeoutQuantum * 1e6))
        setsockopt(channel, SOL_SOCKET, SO_RCVTIMEO, &quantum, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(channel, SOL_SOCKET, SO_SNDTIMEO, &quantum, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { terminate() }

    /// The last bytes the worker wrote to stderr, as text.
    var stderrText: String { stderr.text }

    // MARK: Writing

    /// Sends `frame` completely before `budget` is spent.
    func write(_ frame: [UInt8], budget: inout WaitBudget) throws(Failure) {
        let result: Result<Void, Failure> = frame.withUnsafeBytes { raw in
            do throws(Failure) { try write(raw, budget: &budget); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Sends `bytes` completely before `budget` is spent.
    func write(_ bytes: UnsafeRawBufferPointer, budget: inout WaitBudget) throws(Failure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = send(channel, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 { offset += n; continue }
            let e = errno
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) {
                if budget.isSpent() { throw .timedOut }
                continue
            }
            throw .exited(reapAfterEOF())
        }
    }

    // MARK: Reading

    /// Receives one frame and passes its payload to `body` (valid only during the call).
    func readFrame<R>(budget: inout WaitBudget, _ body: (UnsafeRawBufferPointer) throws(Failure) -> R) throws(Failure) -> R {
        while true {
            let available = end - start
            if available >= 4 {
                let length = inbox.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt32.self))) }
                if length == 0 || length > (1 << 30) {
                    throw .malformed("frame length \(length)")
                }
                if available >= 4 + length {
                    let payloadStart = start + 4
                    start = payloadStart + length
                    if start == end { start = 0; end = 0 }
                    let result: Result<R, Failure> = inbox.withUnsafeBytes { raw in
                        do throws(Failure) {
                            return .success(try body(UnsafeRawBufferPointer(rebasing: raw[payloadStart..<(payloadStart + length)])))
                        } catch {
                            return .failure(error)
                        }
                    }
                    return try result.get()
                }
                makeRoom(for: 4 + length)
            } else {
                makeRoom(for: 4)
            }
            try receive(budget: &budget)
        }
    }

    private func makeRoom(for frameSize: Int) {
        if start > 0 && start + frameSize > inbox.count {
            let available = end - start
            inbox.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, available)
            }
            start = 0
            end = available
        }
        if frameSize > inbox.count {
            inbox.append(contentsOf: repeatElement(0, count: frameSize - inbox.count))
        }
    }

    /// One blocking `recv` (woken every `timeoutQuantum` to charge the budget).
    private func receive(budget: inout WaitBudget) throws(Failure) {
        while true {
            let n = inbox.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return recv(channel, base + end, raw.count - end, 0)
            }
            if n > 0 { end += n; return }
            if n == 0 { throw .exited(reapAfterEOF()) }
            let e = errno
            guard e == EAGAIN || e == EWOULDBLOCK || e == EINTR else { throw .exited(reapAfterEOF()) }
            if budget.isSpent() { throw .timedOut }
        }
    }

    // MARK: Ending

    /// The worker closed the channel: wait briefly for it to exit, kill it otherwise, reap
    /// it, and describe how it ended.
    private func reapAfterEOF() -> String {
        if let exitDescription { return exitDescription }
        let deadline = monotonicNow() + 2
        while monotonicNow() < deadline {
            if let status = tryReap() { stderr.finish(waiting: 0.5); return status }
            usleep(2_000)
        }
        terminate()
        return exitDescription ?? "closed its channel"
    }

    private func tryReap() -> String? {
        if let exitDescription { return exitDescription }
        guard let status = process.poll() else { return nil }
        exitDescription = status.description
        return exitDescription
    }

    /// The worker's process id.
    var pid: pid_t { process.pid }

    /// Kills the worker if it is still running and reaps it (no zombie); idempotent.
    func terminate() {
        if exitDescription == nil {
            process.send(SIGKILL)
            exitDescription = process.wait().description
        }
        stderr.finish(waiting: 0.5)
        if channel >= 0 { close(channel); channel = -1 }
    }

    /// Closes the channel for writing (the worker exits at EOF), waits up to `grace`
    /// seconds for the worker to exit, then kills it.
    func shutDown(grace: Double) {
        if channel >= 0 { shutdown(channel, Int32(SHUT_WR)) }
        let deadline = monotonicNow() + grace
        while exitDescription == nil && monotonicNow() < deadline {
            if tryReap() != nil { break }
            usleep(1_000)
        }
        terminate()
    }
}

/// Reads a worker's stderr on its own thread and keeps the last `limit` bytes.
private final class StderrCollector: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var tail: [UInt8] = []
    private let limit = 8192
    private var finished = false
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        self.fd = fd
        let thread = Thread { [self] in run() }
        thread.name = "mixrl-bridge-stderr"
        thread.start()
    }

    private func run() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            lock.withLock {
                tail.append(contentsOf: chunk[0..<n])
                if tail.count > limit { tail.removeFirst(tail.count - limit) }
            }
        }
        done.signal()
    }

    var text: String { lock.withLock { String(decoding: tail, as: UTF8.self) } }

    /// Lets the reader drain what the worker wrote (up to `seconds`), then stops it and
    /// closes the descriptor; idempotent.
    func finish(waiting seconds: Double) {
        let already = lock.withLock { () -> Bool in defer { finished = true }; return finished }
        if already { return }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            // A grandchild may hold the write end open: end the read ourselves.
            shutdown(fd, Int32(SHUT_RDWR))
            // Never hang here; if the reader is somehow still inside read(), leave the
            // descriptor open rather than let a reused number be read by it.
            if done.wait(timeout: .now() + 1) == .timedOut { return }
        }
        close(fd)
    }
}

/// Seconds on a monotonic clock.
/// A timeout that counts only the time this process was running to wait for the worker.
///
/// A wall-clock deadline fails a run that was suspended and resumed (`kill -STOP` and
/// `-CONT`, a Slurm job suspended and resumed, Ctrl-Z and `fg` when the worker stops too):
/// the worker could not answer while it was stopped either. So a gap longer than
/// ``maximumCharge`` between two checks is charged as `maximumCharge`; a waiting process
/// checks every 50 ms, so while it runs it is charged its real waiting time.
package struct WaitBudget {
    /// The longest stretch between two checks that is charged in full, in seconds.
    package static let maximumCharge = 1.0
    /// Seconds left.
    package private(set) var remaining: Double
    private var lastCheck: Double

    /// A budget of `seconds`, starting at `now` (a `monotonicNow()` value).
    package init(seconds: Double, now: Double = monotonicNow()) {
        remaining = seconds
        lastCheck = now
    }

    /// Charges the time since the last check (at most ``maximumCharge``); true when the
    /// budget is spent.
    package mutating func isSpent(now: Double = monotonicNow()) -> Bool {
        remaining -= min(max(now - lastCheck, 0), Self.maximumCharge)
        lastCheck = now
        return remaining <= 0
    }
}

/// Seconds on the monotonic clock (`CLOCK_MONOTONIC`).
@inline(__always) package func monotonicNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
