#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if _endian(big)
#error("the bridge protocol sends little-endian float64 arrays as raw memory")
#endif

/// A child process with a framed duplex channel on its stdin/stdout and a captured
/// stderr tail; every read and write has a deadline.
///
/// The channel is one `AF_UNIX` socket dup'ed onto the child's descriptors 0 and 1 (so
/// writes can pass `MSG_NOSIGNAL`: a dead worker is an `EPIPE`, never a `SIGPIPE` that
/// kills this process). Stderr is a pipe drained while waiting for replies, so a chatty
/// worker never blocks on a full pipe. Every descriptor is close-on-exec, so workers
/// started concurrently do not inherit each other's channel (which would hide an EOF).
final class WorkerProcess {
    enum Failure: Error {
        case exited(String)
        case timedOut
        case malformed(String)
        case couldNotStart(Int32)
    }

    let pid: pid_t
    private var channel: Int32
    private var stderrPipe: Int32
    private var stderrTail: [UInt8] = []
    private let stderrTailLimit = 8192
    private(set) var exitDescription: String?

    // Receive buffer: bytes [start, end) are unread.
    private var inbox = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    init(executable: String, arguments: [String]) throws(Failure) {
        var pair: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, socketType, 0, &pair) == 0 else { throw .couldNotStart(errno) }
        // Stderr is a socket too: socketpair sets close-on-exec atomically (pipe2 is not
        // exported to Swift by Glibc).
        var errPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, socketType, 0, &errPipe) == 0 else {
            let e = errno
            close(pair[0]); close(pair[1])
            throw .couldNotStart(e)
        }
        shutdown(errPipe[0], Int32(SHUT_WR))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // The child starts with default signal handling and an empty mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        close(pair[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(pair[0]); close(errPipe[0])
            throw .couldNotStart(spawned)
        }
        pid = child
        channel = pair[0]
        stderrPipe = errPipe[0]
        _ = fcntl(channel, F_SETFL, fcntl(channel, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderrPipe, F_SETFL, fcntl(stderrPipe, F_GETFL) | O_NONBLOCK)
    }

    deinit { terminate() }

    /// The last bytes the worker wrote to stderr, as text.
    var stderrText: String { String(decoding: stderrTail, as: UTF8.self) }

    // MARK: Writing

    /// Sends `frame` completely before `deadline` (a `monotonicNow()` value).
    func write(_ frame: [UInt8], deadline: Double) throws(Failure) {
        let result: Result<Void, Failure> = frame.withUnsafeBytes { raw in
            do throws(Failure) { try write(raw, deadline: deadline); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Sends `bytes` completely before `deadline`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Double) throws(Failure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = send(channel, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 { offset += n; continue }
            let e = errno
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), deadline: deadline)
            } else if n < 0 && e == EINTR {
                continue
            } else {
                throw .exited(reapAfterEOF())
            }
        }
    }

    // MARK: Reading

    /// Receives one frame and passes its payload to `body` (valid only during the call).
    func readFrame<R>(deadline: Double, _ body: (UnsafeRawBufferPointer) throws(Failure) -> R) throws(Failure) -> R {
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
                try makeRoom(for: 4 + length)
            } else {
                try makeRoom(for: 4)
            }
            try receive(deadline: deadline)
        }
    }

    private func makeRoom(for frameSize: Int) throws(Failure) {
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

    private func receive(deadline: Double) throws(Failure) {
        while true {
            let n = inbox.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return recv(channel, base + end, raw.count - end, 0)
            }
            if n > 0 { end += n; return }
            if n == 0 { throw .exited(reapAfterEOF()) }
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EWOULDBLOCK else { throw .exited(reapAfterEOF()) }
            try wait(for: Int16(POLLIN), deadline: deadline)
        }
    }

    /// Polls the channel for `events`, draining stderr meanwhile, until ready or the deadline.
    private func wait(for events: Int16, deadline: Double) throws(Failure) {
        while true {
            let remaining = deadline - monotonicNow()
            if remaining <= 0 { throw .timedOut }
            var fds = [pollfd(fd: channel, events: events, revents: 0),
                       pollfd(fd: stderrPipe, events: Int16(POLLIN), revents: 0)]
            let count = stderrPipe >= 0 ? 2 : 1
            let ready = poll(&fds, nfds_t(count), Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw .exited(reapAfterEOF())
            }
            if count == 2 && fds[1].revents != 0 { drainStderr() }
            if fds[0].revents != 0 { return }
        }
    }

    /// Reads whatever stderr holds now, keeping the last `stderrTailLimit` bytes.
    func drainStderr() {
        guard stderrPipe >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(stderrPipe, $0.baseAddress, $0.count) }
            if n > 0 {
                stderrTail.append(contentsOf: chunk[0..<n])
                if stderrTail.count > stderrTailLimit { stderrTail.removeFirst(stderrTail.count - stderrTailLimit) }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { close(stderrPipe); stderrPipe = -1 }
            return
        }
    }

    /// Drains stderr until EOF or `seconds` pass (to catch a traceback written while dying).
    func collectStderr(seconds: Double) {
        let deadline = monotonicNow() + seconds
        while stderrPipe >= 0 {
            let remaining = deadline - monotonicNow()
            if remaining <= 0 { return }
            var fds = [pollfd(fd: stderrPipe, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 1, Int32((remaining * 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return }
            drainStderr()
        }
    }

    // MARK: Ending

    /// The worker closed the channel: wait briefly for it to exit, kill it otherwise, reap
    /// it, and describe how it ended.
    private func reapAfterEOF() -> String {
        if let exitDescription { return exitDescription }
        let deadline = monotonicNow() + 2
        while monotonicNow() < deadline {
            if let status = tryReap() { collectStderr(seconds: 0.5); return status }
            usleep(2_000)
        }
        terminate()
        return exitDescription ?? "closed its channel"
    }

    private func tryReap() -> String? {
        if let exitDescription { return exitDescription }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        exitDescription = describe(status: status)
        return exitDescription
    }

    private func describe(status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exit code \((status >> 8) & 0xff)" }
        return "killed by signal \(signal)"
    }

    /// Kills the worker if it is still running and reaps it (no zombie); idempotent.
    func terminate() {
        if exitDescription == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitDescription = describe(status: status)
        }
        collectStderr(seconds: 0.2)
        if channel >= 0 { close(channel); channel = -1 }
        if stderrPipe >= 0 { close(stderrPipe); stderrPipe = -1 }
    }

    /// Closes the channel (the worker exits at EOF), waits up to `grace` seconds for
    /// the worker to exit, then kills it.
    func shutDown(grace: Double) {
        if channel >= 0 { shutdown(channel, Int32(SHUT_WR)) }
        let deadline = monotonicNow() + grace
        while exitDescription == nil && monotonicNow() < deadline {
            if tryReap() != nil { break }
            usleep(1_000)
        }
        terminate()
    }

    /// Whether the worker has exited and been reaped.
    var hasExited: Bool { exitDescription != nil || tryReap() != nil }
}

/// Seconds on a monotonic clock.
@inline(__always) func monotonicNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
