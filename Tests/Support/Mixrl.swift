import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The `mixrl` executable as the tests start it: the one place that finds it, starts it
/// with arguments, environment and working directory, and collects its exit status and
/// output.
///
/// Every process gets `OPENBLAS_NUM_THREADS=1` on top of the test process's environment
/// (the caller's `environment` goes on top of that). Standard output and error go to
/// files, so a chatty child cannot block on a full pipe: in `logsIn` when given (kept,
/// named `mixrl-ID.out` and `mixrl-ID.err`), else in a temporary folder of the process's
/// own, removed with the ``MixrlProcess``.
///
/// ```swift
/// let r = try Mixrl.run(["train", "--help"])
/// #expect(r.status == 0)
/// let p = try Mixrl.start(["train", "--out", run.path], logsIn: dir)
/// p.send(SIGTERM)
/// try #require(p.waitForExit(seconds: 300))
/// ```
public enum Mixrl {
    /// The `mixrl` executable (``TestEnvironment/mixrlExecutable()``); a failed
    /// requirement that says how to build it when there is none.
    public static func executable(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let path = try #require(TestEnvironment.mixrlExecutable(),
                                "build the mixrl executable first (swift build --build-tests), or set MIXRL_EXECUTABLE",
                                sourceLocation: sourceLocation)
        return URL(fileURLWithPath: path)
    }

    /// Starts `mixrl arguments` and returns at once.
    /// - Parameters:
    ///   - environment: variables added to (or replacing) the test process's own.
    ///   - directory: the working directory (default: the test process's).
    ///   - folder: where the output files go (default: a temporary folder removed with the
    ///     returned process).
    public static func start(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                             logsIn folder: URL? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation) throws -> MixrlProcess {
        try MixrlProcess(executable: executable(sourceLocation: sourceLocation), arguments: arguments,
                         environment: environment, directory: directory, logsIn: folder)
    }

    /// Runs `mixrl arguments` to the end and returns its status and output. A run that
    /// lasts longer than `timeout` seconds (only a hang takes that long) is killed and
    /// fails the test.
    public static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                           logsIn folder: URL? = nil, timeout: Double = 600,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> MixrlResult {
        let process = try start(arguments, environment: environment, in: directory, logsIn: folder,
                                sourceLocation: sourceLocation)
        try #require(process.waitForExit(seconds: timeout),
                     "mixrl \(arguments.joined(separator: " ")) did not end within \(Int(timeout)) s",
                     sourceLocation: sourceLocation)
        return try process.result()
    }
}

/// How a `mixrl` process ended: its exit status and what it printed.
public struct MixrlResult: Sendable {
    /// The exit status (for a process killed by a signal, the signal number).
    public var status: Int32
    /// Everything it wrote to standard output.
    public var standardOutput: String
    /// Everything it wrote to standard error.
    public var standardError: String
}

/// A `mixrl` process started by ``Mixrl/start(_:environment:in:logsIn:sourceLocation:)``.
public final class MixrlProcess {
    private let process = Process()
    private let output: URL, errors: URL
    /// The temporary folder of the output files, when the caller gave none.
    private let ownFolder: URL?

    init(executable: URL, arguments: [String], environment: [String: String], directory: URL?, logsIn folder: URL?) throws {
        ownFolder = folder == nil ? try TestEnvironment.temporaryDirectory("mixrl-process") : nil
        let logs = folder ?? ownFolder ?? FileManager.default.temporaryDirectory
        let id = UUID().uuidString.prefix(8)
        output = logs.appendingPathComponent("mixrl-\(id).out")
        errors = logs.appendingPathComponent("mixrl-\(id).err")
        for url in [output, errors] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment
            .merging(["OPENBLAS_NUM_THREADS": "1"]) { $1 }
            .merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
    }

    deinit {
        if let ownFolder { try? FileManager.default.removeItem(at: ownFolder) }
    }

    /// The process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Whether the process has not exited yet.
    public var isRunning: Bool { process.isRunning }

    /// The exit status, once it has exited (see ``MixrlResult/status``).
    public var terminationStatus: Int32 { process.terminationStatus }

    /// Whether it exited or was killed by a signal, once it has exited.
    public var terminationReason: Process.TerminationReason { process.terminationReason }

    /// Whether the process is stopped (state `T` in `/proc/PID/stat`), as after
    /// `mixrl train --debug-pause-at-step`.
    public var isStopped: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
    }

    /// Sends `signal` (`SIGTERM`, `SIGINT`, `SIGKILL`, ...) to the process.
    public func send(_ signal: Int32) {
        kill(processIdentifier, signal)
    }

    /// Waits up to `seconds` for the process to exit; past that, kills it (`SIGKILL`) and
    /// returns false, so a child that ignores a signal fails the test instead of hanging it.
    public func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return true }
        send(SIGKILL)
        process.waitUntilExit()
        return false
    }

    /// The exit status and output, after waiting for the process to exit.
    public func result() throws -> MixrlResult {
        process.waitUntilExit()
        return MixrlResult(status: process.terminationStatus,
                           standardOutput: try String(contentsOf: output, encoding: .utf8),
                           standardError: try String(contentsOf: errors, encoding: .utf8))
    }
}
