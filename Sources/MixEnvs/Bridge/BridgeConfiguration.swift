import Foundation

/// How to start and talk to a bridge worker (`scripts/bridge_worker.py`).
public struct BridgeConfiguration: Sendable, Equatable {
    /// The Python interpreter: by default `$MIXRL_VENV/bin/python`, else
    /// `~/.cache/mixrl/venv/bin/python` (the virtualenv `scripts/setup.sh` builds).
    public var python: String
    /// The worker script; `nil` searches `$MIXRL_BRIDGE_WORKER`, then `scripts/` in the
    /// current directory and its parents, next to the executable, and in this source tree.
    public var workerScript: String?
    /// Modules the worker imports before making the environment, for packages that
    /// register Gymnasium ids on import (e.g. `myosuite`). The CLI's `--env-import`.
    public var environmentImports: [String]
    /// Info keys to forward as ``StepResult/info`` metrics (Meta-World always sends `success`).
    public var metrics: [String]
    /// The seed of Meta-World's task set (the 50 goal positions of an MT1 task).
    public var metaWorldBenchmarkSeed: Int
    /// Seconds to wait for the worker's handshake (imports can take a while).
    public var startupTimeout: Double
    /// Seconds to wait for any reply after the handshake.
    public var requestTimeout: Double
    /// Starts the worker with `--allow-debug`, which accepts `BridgeDebugRequest`s
    /// (fault injection for tests). Off in normal use.
    package var allowDebugRequests: Bool

    /// A configuration; every argument has the default described on its property.
    public init(python: String? = nil, workerScript: String? = nil, environmentImports: [String] = [],
                metrics: [String] = [], metaWorldBenchmarkSeed: Int = 0, startupTimeout: Double = 120,
                requestTimeout: Double = 60) {
        self.init(python: python, workerScript: workerScript, environmentImports: environmentImports,
                  metrics: metrics, metaWorldBenchmarkSeed: metaWorldBenchmarkSeed, startupTimeout: startupTimeout,
                  requestTimeout: requestTimeout, allowDebugRequests: false)
    }

    /// A configuration that may also allow fault-injection requests (tests).
    package init(python: String? = nil, workerScript: String? = nil, environmentImports: [String] = [],
                 metrics: [String] = [], metaWorldBenchmarkSeed: Int = 0, startupTimeout: Double = 120,
                 requestTimeout: Double = 60, allowDebugRequests: Bool) {
        self.python = python ?? Self.defaultPython
        self.workerScript = workerScript
        self.environmentImports = environmentImports
        self.metrics = metrics
        self.metaWorldBenchmarkSeed = metaWorldBenchmarkSeed
        self.startupTimeout = startupTimeout
        self.requestTimeout = requestTimeout
        self.allowDebugRequests = allowDebugRequests
    }

    /// The bridge virtualenv: `$MIXRL_VENV`, else `~/.cache/mixrl/venv`.
    public static var defaultVirtualenv: String {
        if let venv = ProcessInfo.processInfo.environment["MIXRL_VENV"], !venv.isEmpty { return venv }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mixrl/venv").path
    }

    /// `bin/python` inside ``defaultVirtualenv``.
    public static var defaultPython: String { defaultVirtualenv + "/bin/python" }

    /// The worker script this configuration will run, or `nil` if none is found.
    package func resolvedWorkerScript() -> String? {
        let fm = FileManager.default
        if let path = workerScript { return fm.fileExists(atPath: path) ? path : nil }
        if let path = ProcessInfo.processInfo.environment["MIXRL_BRIDGE_WORKER"], !path.isEmpty {
            return fm.fileExists(atPath: path) ? path : nil
        }
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
        // This file is Sources/MixEnvs/Bridge/BridgeConfiguration.swift in a source checkout.
        starts.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent())
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("scripts/bridge_worker.py").path
                if fm.fileExists(atPath: candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }
}

/// What a worker announced in its handshake.
package struct BridgeHandshake: Sendable, Equatable {
    /// Protocol version (1).
    package var protocolVersion: Int
    /// `gym`, `dmc` or `metaworld`.
    package var suite: String
    /// Environment copies the worker hosts.
    package var copies: Int
    /// Flattened observation space.
    package var observationSpace: BoxSpace
    /// Flattened action space.
    package var actionSpace: BoxSpace
    /// The Python side's episode limit (its own time limit), if any.
    package var maxEpisodeSteps: Int?
    /// Names of the per-step metrics, in the order the step replies carry them.
    package var metrics: [String]
    /// The worker's Python version.
    package var pythonVersion: String
}

/// Fault injection for tests; the worker accepts these only with
/// ``BridgeConfiguration/allowDebugRequests``.
package enum BridgeDebugRequest: Sendable, Equatable {
    /// The worker sleeps this long, then answers (a hang, if longer than the timeout).
    case sleep(seconds: Double)
    /// The worker exits at once with this code (a crash).
    case exit(code: Int)
    /// The worker answers with a frame of an unknown kind.
    case malformedReply
}
