import MixTensor

/// Why making or running an environment failed. Every case names the environment, and
/// the ``description`` is a complete message for a user.
public enum EnvironmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The identifier matches no native environment and no bridge suite.
    case unknownID(String, known: [String])
    /// An action of the wrong length.
    case invalidAction(environment: String, expected: Int, got: Int)
    /// A space that cannot be used (inconsistent bounds, or unbounded where bounds are needed).
    case invalidSpace(environment: String, message: String)
    /// An argument outside what the environment accepts (copy index, copy count, ...).
    case invalidArgument(environment: String, message: String)
    /// The bridge's Python interpreter or worker script is missing.
    case bridgeNotInstalled(environment: String, message: String, fix: String)
    /// The Python side lacks a package; `install` is the command that installs it.
    case missingPythonPackage(environment: String, message: String, install: String)
    /// The Python side rejected the identifier (unknown id, unknown task).
    case rejectedByWorker(environment: String, message: String)
    /// The worker process failed: exited, hung past its timeout, sent a malformed frame,
    /// or reported a Python exception. The worker is gone when this is thrown.
    case workerFailed(environment: String, failure: WorkerFailure, lastRequest: String, stderrTail: String)

    /// The environment the error is about.
    public var environment: String {
        switch self {
        case .unknownID(let id, _): id
        case .invalidAction(let env, _, _), .invalidSpace(let env, _), .invalidArgument(let env, _),
             .bridgeNotInstalled(let env, _, _), .missingPythonPackage(let env, _, _),
             .rejectedByWorker(let env, _), .workerFailed(let env, _, _, _): env
        }
    }

    /// A message naming the environment, the problem and, where there is one, the fix.
    public var description: String {
        switch self {
        case .unknownID(let id, let known):
            return "unknown environment '\(id)'" + (Suggestion.closest(to: id, in: known).map { "; did you mean '\($0)'?" } ?? ".")
                + " Native environments: \(known.joined(separator: ", ")). "
                + "Python environments through the bridge: gym:ID (e.g. gym:HalfCheetah-v5), "
                + "dmc:DOMAIN-TASK (e.g. dmc:cheetah-run), metaworld:TASK (e.g. metaworld:reach-v3)."
        case .invalidAction(let env, let expected, let got):
            return "\(env): action has \(got) values, the action space has \(expected) dimensions"
        case .invalidSpace(let env, let message):
            return "\(env): unusable space: \(message)"
        case .invalidArgument(let env, let message):
            return "\(env): \(message)"
        case .bridgeNotInstalled(let env, let message, let fix):
            return "\(env): \(message). Fix: \(fix)"
        case .missingPythonPackage(let env, let message, let install):
            return "\(env): \(message). Install with: \(install)"
        case .rejectedByWorker(let env, let message):
            return "\(env): \(message)"
        case .workerFailed(let env, let failure, let lastRequest, let stderrTail):
            var text = "\(env): bridge worker \(failure) (last request: \(lastRequest))"
            let tail = stderrTail.trimmingWhitespace()
            text += tail.isEmpty ? "; the worker wrote nothing to stderr" : "; worker stderr ends with:\n\(tail)"
            return text
        }
    }
}

/// How a bridge worker process failed.
public enum WorkerFailure: Sendable, Equatable, CustomStringConvertible {
    /// The process could not be started (`errno` from posix_spawn).
    case couldNotStart(errno: Int32)
    /// The process exited (or was killed by a signal) while a reply was due.
    case exited(status: String)
    /// No complete reply within the timeout; the worker was killed.
    case timedOut(seconds: Double)
    /// The worker sent bytes that are not a valid frame for the request; it was killed.
    case malformedFrame(String)
    /// The worker reported an exception in the environment, then exited.
    case pythonException(String)

    /// A phrase that completes "bridge worker ...".
    public var description: String {
        switch self {
        case .couldNotStart(let e): "could not be started (errno \(e))"
        case .exited(let status): "exited unexpectedly (\(status))"
        case .timedOut(let s): "did not answer within \(s) s and was killed"
        case .malformedFrame(let m): "sent a malformed frame (\(m)) and was killed"
        case .pythonException(let m): "raised \(m)"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
