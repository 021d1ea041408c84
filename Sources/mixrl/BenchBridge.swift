import ArgumentParser
import Foundation
import MixRL

/// `mixrl bench bridge`: the bridge's step rate for a Python environment next to raw
/// Python stepping of the same environment (`scripts/bench_bridge_raw.py`), measured
/// in the same run on the same actions.
///
/// Both sides stay alive for the whole run and take turns, repetition by repetition in
/// alternating order, so that both see the same machine; the ratio is the median over
/// repetitions of raw time / bridge time (see `Timing.pairedRatio`).
struct BenchBridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "Bridge step rate against raw Python stepping of the same environment.")

    @Option(help: "Environment (gym:ID, dmc:DOMAIN-TASK, metaworld:TASK).") var env = "gym:HalfCheetah-v5"
    @Option(help: "Environment copies per worker (one vector step steps them all).") var copies = 1
    @Option(help: "Vector steps per repetition of one side.") var steps = 4000
    @Option(help: "Repetitions per side (the median is reported).") var repetitions = 9
    @Option(name: .customLong("env-import"), help: "Python module to import first (e.g. myosuite).")
    var environmentImports: [String] = []
    @Option(help: "Bridge/raw throughput ratio to reach.") var targetRatio = 0.85
    @Flag(help: "Exit with an error when the ratio misses the target.") var strict = false

    func run() throws {
        var configuration = BridgeConfiguration(environmentImports: environmentImports)
        guard let script = configuration.resolvedWorkerScript() else {
            throw ValidationError("scripts/bridge_worker.py not found; run from the MixRL checkout or set MIXRL_BRIDGE_WORKER")
        }
        configuration.workerScript = script
        let bridge = try BridgeVectorEnvironment(id: env, copies: copies, configuration: configuration)
        defer { bridge.close() }
        let actionSize = bridge.actionSpace.dimension

        // The same actions on both sides: 1000 vector steps, uniform in the action box.
        var random = RandomStream(seed: 1)
        let batches: [[[Double]]] = (0..<1000).map { _ in
            (0..<copies).map { _ in
                (0..<actionSize).map { d in
                    let (low, high) = (bridge.actionSpace.low[d], bridge.actionSpace.high[d])
                    return low.isFinite && high.isFinite ? low + (high - low) * random.uniform() : 2 * random.uniform() - 1
                }
            }
        }
        let actionFile = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-bench-actions-\(getpid()).f64")
        let flat = batches.flatMap { $0.flatMap { $0 } }
        try flat.withUnsafeBytes { Data($0) }.write(to: actionFile)
        defer { try? FileManager.default.removeItem(at: actionFile) }

        let raw = try RawPythonStepper(python: configuration.python,
                                       script: URL(fileURLWithPath: script).deletingLastPathComponent()
                                           .appendingPathComponent("bench_bridge_raw.py").path,
                                       arguments: ["--env", env, "--copies", String(copies), "--actions", actionFile.path]
                                           + environmentImports.flatMap { ["--env-import", $0] })
        defer { raw.stop() }

        var bridgeEnv = bridge
        let seeds = (0..<copies).map { Optional(UInt64($0)) }
        _ = try bridgeEnv.reset(copies: Array(0..<copies), seeds: seeds)
        func bridgeSeconds(_ n: Int) throws -> Double {
            let start = Timing.now()
            var t = 0
            for _ in 0..<n {
                let results = try bridgeEnv.step(batches[t])
                for (i, r) in results.enumerated() where r.isLast { _ = try bridgeEnv.reset(copies: [i], seeds: [nil]) }
                t = t + 1 < batches.count ? t + 1 : 0
            }
            return Timing.seconds(since: start)
        }

        // Warm-up on both sides (first steps pay for caches and lazy imports).
        _ = try raw.seconds(forSteps: min(steps, 500))
        _ = try bridgeSeconds(min(steps, 500))
        var rawSamples: [Double] = [], bridgeSamples: [Double] = []
        for repetition in 0..<max(repetitions, 1) {
            if repetition % 2 == 0 {
                rawSamples.append(try raw.seconds(forSteps: steps) / Double(steps))
                bridgeSamples.append(try bridgeSeconds(steps) / Double(steps))
            } else {
                bridgeSamples.append(try bridgeSeconds(steps) / Double(steps))
                rawSamples.append(try raw.seconds(forSteps: steps) / Double(steps))
            }
        }
        let rawSummary = TimingSummary(rawSamples), bridgeSummary = TimingSummary(bridgeSamples)
        let ratio = Timing.pairedRatio(reference: rawSummary, candidate: bridgeSummary)
        let perStep = Double(copies)
        print("# mixrl bench bridge: \(env), \(copies) cop\(copies == 1 ? "y" : "ies") per worker, \(repetitions) interleaved repetitions of \(steps) vector steps per side")
        print("# Python \(bridge.handshake.pythonVersion) (\(configuration.python)); protocol \(bridge.handshake.protocolVersion); env steps/s = copies / median seconds per vector step")
        print(pad("side", 14) + pad("env steps/s", 14) + pad("us/env step", 14) + pad("min us", 10) + "max us")
        for (name, s) in [("raw python", rawSummary), ("bridge", bridgeSummary)] {
            print(pad(name, 14) + pad(format(perStep / s.median, 0), 14) + pad(format(s.median / perStep * 1e6, 2), 14)
                  + pad(format(s.minimum / perStep * 1e6, 2), 10) + format(s.maximum / perStep * 1e6, 2))
        }
        print("# bridge/raw throughput ratio (paired median): \(format(ratio, 3)) (target \(format(targetRatio, 2))): \(ratio >= targetRatio ? "met" : "NOT met")")
        if strict && ratio < targetRatio { throw ExitCode.failure }
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    private func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}

/// The raw-stepping reference process: answers "STEPS" lines with the seconds taken.
private final class RawPythonStepper {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer = Data()

    init(python: String, script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let first = try readLine()
        guard first == "ready" else { throw ValidationError("bench_bridge_raw.py: expected 'ready', got '\(first)'") }
    }

    func seconds(forSteps steps: Int) throws -> Double {
        input.fileHandleForWriting.write(Data("\(steps)\n".utf8))
        let line = try readLine()
        guard let seconds = Double(line) else { throw ValidationError("bench_bridge_raw.py answered '\(line)'") }
        return seconds
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw ValidationError("bench_bridge_raw.py exited (see its stderr above)") }
            buffer.append(chunk)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
