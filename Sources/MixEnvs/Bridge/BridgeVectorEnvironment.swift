import Foundation

/// Copies of a Python environment hosted by one bridge worker process
/// (`scripts/bridge_worker.py`, protocol in `docs/bridge.md`). A vector step is one
/// round trip: one frame of `copies × actionDimension` float64 values out, one frame of
/// observations, rewards, metrics and flags back.
///
/// Identifiers: `gym:ID`, `dmc:DOMAIN-TASK`, `metaworld:TASK`. Failures (the worker
/// exits, hangs past ``BridgeConfiguration/requestTimeout``, sends a malformed frame,
/// raises) throw ``EnvironmentError/workerFailed(environment:failure:lastRequest:stderrTail:)``
/// with the worker already killed and reaped; every later call throws the same error
/// until ``restart()``.
/// Access is serialized by a lock, so an instance may be shared between threads.
package final class BridgeVectorEnvironment: VectorEnvironment, @unchecked Sendable {
    package let id: String
    /// What the worker announced.
    package let handshake: BridgeHandshake
    /// The configuration the worker was started with.
    package let configuration: BridgeConfiguration

    private let lock = NSLock()
    private var worker: WorkerChannel?
    private var failure: EnvironmentError?
    private var lastRequest = Request.handshake
    private var stepCount = 0
    private var outbox: [UInt8]

    private enum Request {
        case handshake, reset(copies: [Int], seeds: [UInt64?]), step(Int), debug(BridgeDebugRequest)

        var description: String {
            switch self {
            case .handshake: "start-up (waiting for the handshake)"
            case .reset(let copies, let seeds):
                "reset of copies \(copies) with seeds \(seeds.map { $0.map(String.init) ?? "none" })"
            case .step(let n): "step \(n) since start-up"
            case .debug(let r): "debug \(r)"
            }
        }
    }

    /// Starts a worker hosting `copies` copies of `id` and waits for its handshake.
    package init(id: String, copies: Int = 1, configuration: BridgeConfiguration = BridgeConfiguration()) throws(EnvironmentError) {
        guard copies >= 1 else { throw .invalidArgument(environment: id, message: "copies must be at least 1, not \(copies)") }
        _ = try EnvironmentID(parsing: id).bridgeSuite(environment: id)
        let (process, handshake) = try Self.launch(id: id, copies: copies, configuration: configuration)
        self.id = id
        self.configuration = configuration
        self.handshake = handshake
        self.worker = process
        let actionBytes = 8 * copies * handshake.actionSpace.dimension
        outbox = [UInt8](repeating: 0, count: 5 + actionBytes)
        outbox.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(1 + actionBytes).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt8(ascii: "S"), toByteOffset: 4, as: UInt8.self)
        }
    }

    /// Replaces the worker with a fresh one (after a ``EnvironmentError/workerFailed(environment:failure:lastRequest:stderrTail:)``,
    /// or to start over) and clears the remembered failure. Every copy must be reset
    /// before the next step: episode state died with the old worker. Throws if the new
    /// worker fails to start or announces different spaces.
    package func restart() throws(EnvironmentError) {
        try locked { () throws(EnvironmentError) in
            worker?.terminate()
            worker = nil
            let (process, fresh) = try Self.launch(id: id, copies: copyCount, configuration: configuration)
            guard fresh == handshake else {
                process.terminate()
                throw .invalidSpace(environment: id, message: "the restarted worker announced different spaces or limits")
            }
            worker = process
            failure = nil
            lastRequest = .handshake
        }
    }

    /// Spawns a worker and reads its handshake; on failure the worker is reaped.
    private static func launch(id: String, copies: Int, configuration: BridgeConfiguration) throws(EnvironmentError)
        -> (WorkerChannel, BridgeHandshake) {
        guard FileManager.default.isExecutableFile(atPath: configuration.python) else {
            throw .bridgeNotInstalled(environment: id, message: "no Python interpreter at \(configuration.python)",
                                      fix: "bash scripts/setup.sh (builds the virtualenv; MIXRL_VENV selects another)")
        }
        guard let script = configuration.resolvedWorkerScript() else {
            throw .bridgeNotInstalled(environment: id, message: "bridge worker script scripts/bridge_worker.py not found",
                                      fix: "run from the MixRL checkout or set MIXRL_BRIDGE_WORKER to its path")
        }
        var arguments = ["-u", script, "--env", id, "--copies", String(copies),
                         "--benchmark-seed", String(configuration.metaWorldBenchmarkSeed)]
        for module in configuration.environmentImports { arguments += ["--env-import", module] }
        for metric in configuration.metrics { arguments += ["--metric", metric] }
        if configuration.allowDebugRequests { arguments.append("--allow-debug") }

        let process: WorkerChannel
        do {
            process = try WorkerChannel(executable: configuration.python, arguments: arguments)
        } catch {
            throw makeFailure(id, error, timeout: configuration.startupTimeout, request: .handshake, stderr: "")
        }
        var budget = WaitBudget(seconds: configuration.startupTimeout)
        let parsed: Result<BridgeHandshake, EnvironmentError>
        do {
            parsed = try process.readFrame(budget: &budget) { (payload) throws(WorkerChannel.Failure) in
                parseHandshake(payload, environment: id)
            }
        } catch {
            process.terminate()
            throw makeFailure(id, error, timeout: configuration.startupTimeout, request: .handshake, stderr: process.stderrText)
        }
        switch parsed {
        case .failure(let error):
            process.shutDown(grace: 2)
            if case .workerFailed(let env, let f, let r, _) = error {
                throw .workerFailed(environment: env, failure: f, lastRequest: r, stderrTail: process.stderrText)
            }
            throw error
        case .success(let handshake):
            guard handshake.copies == copies else {
                process.terminate()
                throw .workerFailed(environment: id, failure: .malformedFrame("handshake for \(handshake.copies) copies, asked \(copies)"),
                                    lastRequest: Request.handshake.description, stderrTail: process.stderrText)
            }
            return (process, handshake)
        }
    }

    deinit { worker?.shutDown(grace: 1) }

    package var copyCount: Int { handshake.copies }
    package var observationSpace: BoxSpace { handshake.observationSpace }
    package var actionSpace: BoxSpace { handshake.actionSpace }
    package var maxEpisodeSteps: Int? { handshake.maxEpisodeSteps }

    /// The worker's process id, while it runs.
    package var workerProcessID: Int32? {
        lock.withLock { worker.map { $0.pid } }
    }

    /// Stops the worker (a quit frame, then EOF; killed if it lingers). Later calls throw.
    package func close() {
        lock.withLock {
            if let worker {
                var budget = WaitBudget(seconds: 1)
                try? worker.write([1, 0, 0, 0, UInt8(ascii: "Q")], budget: &budget)
                worker.shutDown(grace: 2)
            }
            worker = nil
            if failure == nil {
                failure = .invalidArgument(environment: id, message: "the bridge environment was closed")
            }
        }
    }

    // MARK: Requests

    package func reset(copies: [Int], seeds: [UInt64?]) throws(EnvironmentError) -> [[Double]] {
        try checkReset(copies: copies, seeds: seeds)
        var frame = [UInt8](repeating: 0, count: 4 + 5 + 16 * copies.count)
        frame.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(5 + 16 * copies.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt8(ascii: "R"), toByteOffset: 4, as: UInt8.self)
            raw.storeBytes(of: UInt32(copies.count).littleEndian, toByteOffset: 5, as: UInt32.self)
            for (k, copy) in copies.enumerated() {
                let at = 9 + 16 * k
                raw.storeBytes(of: UInt32(copy).littleEndian, toByteOffset: at, as: UInt32.self)
                raw.storeBytes(of: UInt32(seeds[k] == nil ? 0 : 1).littleEndian, toByteOffset: at + 4, as: UInt32.self)
                raw.storeBytes(of: (seeds[k] ?? 0).littleEndian, toByteOffset: at + 8, as: UInt64.self)
            }
        }
        let obsDim = observationSpace.dimension
        let count = copies.count
        return try exchange(.reset(copies: copies, seeds: seeds), frame: frame) { (payload) throws(WorkerChannel.Failure) -> [[Double]] in
            try Self.expect(payload, kind: "r", size: 1 + 8 * count * obsDim)
            return (0..<count).map { k in Self.doubles(payload, at: 1 + 8 * k * obsDim, count: obsDim) }
        }
    }

    package func step(_ actions: [[Double]]) throws(EnvironmentError) -> [StepResult] {
        try checkActions(actions)
        let n = copyCount, obsDim = observationSpace.dimension, actDim = actionSpace.dimension
        let metricNames = handshake.metrics, m = metricNames.count
        return try locked { () throws(EnvironmentError) -> [StepResult] in
            outbox.withUnsafeMutableBytes { raw in
                for (i, action) in actions.enumerated() {
                    action.withUnsafeBytes { src in
                        guard let s = src.baseAddress, let d = raw.baseAddress else { return }
                        (d + 5 + 8 * i * actDim).copyMemory(from: s, byteCount: 8 * actDim)
                    }
                }
            }
            stepCount += 1
            return try exchangeLocked(.step(stepCount), frame: outbox) { (payload) throws(WorkerChannel.Failure) -> [StepResult] in
                try Self.expect(payload, kind: "s", size: 1 + 8 * (n * obsDim + n + n * m) + n)
                let rewardsAt = 1 + 8 * n * obsDim
                let metricsAt = rewardsAt + 8 * n
                let flagsAt = metricsAt + 8 * n * m
                var results: [StepResult] = []
                results.reserveCapacity(n)
                for i in 0..<n {
                    let flags = payload[flagsAt + i]
                    var info: [String: Double] = [:]
                    if m > 0 {
                        let values = Self.doubles(payload, at: metricsAt + 8 * i * m, count: m)
                        for (j, name) in metricNames.enumerated() { info[name] = values[j] }
                    }
                    results.append(StepResult(
                        observation: Self.doubles(payload, at: 1 + 8 * i * obsDim, count: obsDim),
                        reward: payload.loadUnaligned(fromByteOffset: rewardsAt + 8 * i, as: Double.self),
                        terminated: flags & 1 != 0, truncated: flags & 2 != 0, info: info))
                }
                return results
            }
        }
    }

    /// Sends a fault-injection request (needs ``BridgeConfiguration/allowDebugRequests``).
    /// `.sleep` returns once the worker answers; the others end in the error they provoke.
    package func debug(_ request: BridgeDebugRequest) throws(EnvironmentError) {
        var frame = [UInt8](repeating: 0, count: 4 + 10)
        let (code, argument): (UInt8, Double) = switch request {
        case .sleep(let seconds): (1, seconds)
        case .exit(let code): (2, Double(code))
        case .malformedReply: (3, 0)
        }
        frame.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(10).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt8(ascii: "D"), toByteOffset: 4, as: UInt8.self)
            raw.storeBytes(of: code, toByteOffset: 5, as: UInt8.self)
            raw.storeBytes(of: argument.bitPattern.littleEndian, toByteOffset: 6, as: UInt64.self)
        }
        try exchange(.debug(request), frame: frame) { (payload) throws(WorkerChannel.Failure) in
            try Self.expect(payload, kind: "d", size: 1)
        }
    }

    // MARK: Exchange

    private func locked<R>(_ body: () throws(EnvironmentError) -> R) throws(EnvironmentError) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func exchange<R>(_ request: Request, frame: [UInt8],
                             _ parse: (UnsafeRawBufferPointer) throws(WorkerChannel.Failure) -> R) throws(EnvironmentError) -> R {
        try locked { () throws(EnvironmentError) -> R in try exchangeLocked(request, frame: frame, parse) }
    }

    /// One request and its reply; the caller holds the lock. Any failure kills the
    /// worker and is remembered, so later calls fail the same way at once.
    private func exchangeLocked<R>(_ request: Request, frame: [UInt8],
                                   _ parse: (UnsafeRawBufferPointer) throws(WorkerChannel.Failure) -> R) throws(EnvironmentError) -> R {
        if let failure { throw failure }
        guard let worker else { throw EnvironmentError.invalidArgument(environment: id, message: "the bridge environment was closed") }
        lastRequest = request
        var budget = WaitBudget(seconds: configuration.requestTimeout)
        var errorReply: EnvironmentError?
        do {
            try worker.write(frame, budget: &budget)
            let result = try worker.readFrame(budget: &budget) { (payload) throws(WorkerChannel.Failure) -> R? in
                if payload.first == UInt8(ascii: "E") {
                    switch Self.parseError(payload, environment: id) {
                    case .workerFailed(let env, let f, _, _):
                        errorReply = .workerFailed(environment: env, failure: f, lastRequest: request.description, stderrTail: "")
                    case let other: errorReply = other
                    }
                    return nil
                }
                return try parse(payload)
            }
            if let result { return result }
        } catch {
            worker.terminate()
            self.worker = nil
            let failure = Self.makeFailure(id, error, timeout: configuration.requestTimeout, request: request, stderr: worker.stderrText)
            self.failure = failure
            throw failure
        }
        // The worker reported an error and exits; collect its traceback, reap it.
        worker.shutDown(grace: 2)
        self.worker = nil
        var failure = errorReply ?? .workerFailed(environment: id, failure: .malformedFrame("empty error"),
                                                  lastRequest: request.description, stderrTail: "")
        if case .workerFailed(let env, let f, let r, _) = failure {
            failure = .workerFailed(environment: env, failure: f, lastRequest: r, stderrTail: worker.stderrText)
        }
        self.failure = failure
        throw failure
    }

    // MARK: Frame parsing

    private static func makeFailure(_ id: String, _ error: WorkerChannel.Failure, timeout: Double, request: Request,
                                stderr: String) -> EnvironmentError {
        let failure: WorkerFailure = switch error {
        case .exited(let status): .exited(status: status)
        case .timedOut: .timedOut(seconds: timeout)
        case .malformed(let what): .malformedFrame(what)
        case .couldNotStart(let e): .couldNotStart(errno: e)
        }
        return .workerFailed(environment: id, failure: failure, lastRequest: request.description, stderrTail: stderr)
    }

    private static func expect(_ payload: UnsafeRawBufferPointer, kind: Character, size: Int) throws(WorkerChannel.Failure) {
        guard let first = payload.first, first == kind.asciiValue else {
            let got = payload.first.map { String(UnicodeScalar($0)) } ?? "empty"
            throw .malformed("expected a '\(kind)' frame, got kind '\(got)' of \(payload.count) bytes")
        }
        guard payload.count == size else {
            throw .malformed("'\(kind)' frame of \(payload.count) bytes, expected \(size)")
        }
    }

    private static func doubles(_ payload: UnsafeRawBufferPointer, at offset: Int, count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, let src = payload.baseAddress, count > 0 {
                UnsafeMutableRawPointer(base).copyMemory(from: src + offset, byteCount: 8 * count)
            }
            initialized = count
        }
    }

    private struct HelloJSON: Decodable {
        var `protocol`: Int
        var suite: String
        var copies: Int
        var observation_size: Int
        var action_size: Int
        var max_episode_steps: Int?
        var metrics: [String]
        var python: String
    }

    private struct ErrorJSON: Decodable {
        var kind: String
        var message: String
        var install: String?
    }

    private static func parseError(_ payload: UnsafeRawBufferPointer, environment: String) -> EnvironmentError {
        let body = Data(payload.dropFirst())
        guard let e = try? JSONDecoder().decode(ErrorJSON.self, from: body) else {
            return .workerFailed(environment: environment, failure: .malformedFrame("unreadable error frame"),
                                 lastRequest: "", stderrTail: "")
        }
        switch e.kind {
        case "bad_id": return .rejectedByWorker(environment: environment, message: e.message)
        case "missing_package":
            return .missingPythonPackage(environment: environment, message: e.message, install: e.install ?? "bash scripts/setup.sh")
        case "unsupported_space": return .invalidSpace(environment: environment, message: e.message)
        default: return .workerFailed(environment: environment, failure: .pythonException(e.message), lastRequest: "", stderrTail: "")
        }
    }

    /// The handshake, or the error the worker sent instead (a result, so that the
    /// worker can be reaped before the error is thrown).
    private static func parseHandshake(_ payload: UnsafeRawBufferPointer, environment: String) -> Result<BridgeHandshake, EnvironmentError> {
        func malformed(_ what: String) -> Result<BridgeHandshake, EnvironmentError> {
            .failure(.workerFailed(environment: environment, failure: .malformedFrame(what),
                                   lastRequest: Request.handshake.description, stderrTail: ""))
        }
        guard let kind = payload.first else { return malformed("empty handshake") }
        if kind == UInt8(ascii: "E") {
            var error = parseError(payload, environment: environment)
            if case .workerFailed(let env, let f, _, _) = error {
                error = .workerFailed(environment: env, failure: f, lastRequest: Request.handshake.description, stderrTail: "")
            }
            return .failure(error)
        }
        guard kind == UInt8(ascii: "H"), payload.count >= 5 else { return malformed("expected a handshake frame") }
        let jsonLength = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        guard payload.count >= 5 + jsonLength,
              let hello = try? JSONDecoder().decode(HelloJSON.self, from: Data(payload[5..<(5 + jsonLength)])) else {
            return malformed("unreadable handshake")
        }
        guard hello.protocol == 1 else { return malformed("protocol version \(hello.protocol), this client speaks 1") }
        let o = hello.observation_size, a = hello.action_size
        var offset = 5 + jsonLength
        guard payload.count == offset + 16 * (o + a) else { return malformed("handshake bounds of wrong size") }
        func next(_ count: Int) -> [Double] {
            defer { offset += 8 * count }
            return doubles(payload, at: offset, count: count)
        }
        let (obsLow, obsHigh, actLow, actHigh) = (next(o), next(o), next(a), next(a))
        do {
            let observationSpace = try BoxSpace.validated(low: obsLow, high: obsHigh, environment: environment)
            let actionSpace = try BoxSpace.validated(low: actLow, high: actHigh, environment: environment)
            return .success(BridgeHandshake(protocolVersion: hello.protocol, suite: hello.suite, copies: hello.copies,
                                            observationSpace: observationSpace, actionSpace: actionSpace,
                                            maxEpisodeSteps: hello.max_episode_steps, metrics: hello.metrics,
                                            pythonVersion: hello.python))
        } catch {
            return .failure(error)
        }
    }
}

/// One copy of a Python environment behind the bridge, as an ``Environment``: a
/// ``BridgeVectorEnvironment`` with a single copy.
package final class BridgeEnvironment: Environment, @unchecked Sendable {
    /// The single-copy worker.
    package let vector: BridgeVectorEnvironment

    /// Starts a worker for `id` (`gym:ID`, `dmc:DOMAIN-TASK`, `metaworld:TASK`).
    package init(id: String, configuration: BridgeConfiguration = BridgeConfiguration()) throws(EnvironmentError) {
        vector = try BridgeVectorEnvironment(id: id, copies: 1, configuration: configuration)
    }

    package var id: String { vector.id }
    package var observationSpace: BoxSpace { vector.observationSpace }
    package var actionSpace: BoxSpace { vector.actionSpace }
    package var maxEpisodeSteps: Int? { vector.maxEpisodeSteps }

    package func reset(seed: UInt64?) throws(EnvironmentError) -> [Double] {
        try vector.reset(copies: [0], seeds: [seed])[0]
    }

    package func step(_ action: [Double]) throws(EnvironmentError) -> StepResult {
        try vector.step([action])[0]
    }

    /// Stops the worker.
    package func close() { vector.close() }

    /// Replaces a failed worker with a fresh one; reset before stepping again.
    package func restart() throws(EnvironmentError) { try vector.restart() }
}
