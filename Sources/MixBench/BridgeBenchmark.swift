import Foundation
import MixEnvs
import MixTensor
#if canImport(Glibc)
import Glibc
#endif

/// The bridge's step rate for a Python environment next to raw Python stepping of the
/// same environment (`scripts/bench_bridge_raw.py`), measured in the same run on the same
/// actions (`mixrl bench bridge`).
///
/// Both sides stay alive for a row and take turns, repetition by repetition in
/// alternating order, so that both see the same machine; the ratio is the median over
/// repetitions of raw time / bridge time (see `Timing.pairedRatio`). One row per copy
/// count: with several copies a round trip carries several environment steps, which
/// is how the bridge amortizes the wake-up latency of its two processes.
package struct BridgeBenchmark {
    /// The environment (`gym:ID`, `dmc:DOMAIN-TASK`, `metaworld:TASK`).
    package var env: String
    /// Environment copies per worker, one row each.
    package var copies: [Int]
    /// Environment steps per repetition of one side.
    package var steps: Int
    /// Repetitions per side (the median is reported).
    package var repetitions: Int
    /// Python modules to import first (e.g. `myosuite`).
    package var environmentImports: [String]
    /// Bridge/raw throughput ratio to reach.
    package var targetRatio: Double

    package init(env: String, copies: [Int], steps: Int, repetitions: Int, environmentImports: [String], targetRatio: Double) {
        self.env = env; self.copies = copies; self.steps = steps; self.repetitions = repetitions
        self.environmentImports = environmentImports; self.targetRatio = targetRatio
    }

    /// Measures one row per copy count and prints the table to standard output. Missed
    /// when no row reaches `targetRatio`.
    package func run() throws(BenchmarkError) -> BenchmarkVerdict {
        var configuration = BridgeConfiguration(environmentImports: environmentImports)
        guard let script = configuration.resolvedWorkerScript() else {
            throw .setup("scripts/bridge_worker.py not found; run from the MixRL checkout or set MIXRL_BRIDGE_WORKER")
        }
        configuration.workerScript = script
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("# mixrl bench bridge: \(env); \(repetitions) interleaved repetitions of \(steps) env steps per side and row;",
              "\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load) at start")
        print("# Python: \(configuration.python); steps/s from the median wall time of a repetition; ratio = median over",
              "repetitions of raw time / bridge time; CPU us/step = CPU time of the stepping processes (worker + this",
              "client for the bridge, the Python loop for raw), which a loaded machine does not inflate the way it",
              "inflates the wake-up latency of a round trip")
        print(pad("copies", 8) + pad("raw steps/s", 13) + pad("bridge steps/s", 16) + pad("ratio", 8)
              + pad("raw CPU us/step", 17) + "bridge CPU us/step (worker + client)")
        var best = 0.0
        for count in copies {
            let row = try measure(copies: count, configuration: configuration, script: script)
            best = max(best, row.ratio)
            print(pad(String(count), 8) + pad(format(row.rawRate, 0), 13) + pad(format(row.bridgeRate, 0), 16)
                  + pad(format(row.ratio, 3), 8) + pad(format(row.rawCPU * 1e6, 1), 17)
                  + "\(format((row.workerCPU + row.clientCPU) * 1e6, 1)) (\(format(row.workerCPU * 1e6, 1)) + \(format(row.clientCPU * 1e6, 1)))")
        }
        print("# best ratio \(format(best, 3)) (target \(format(targetRatio, 2))): \(best >= targetRatio ? "met" : "NOT met")")
        return best >= targetRatio ? .met : .missed
    }

    /// One line of the table: steps per second of both sides, their paired ratio, and CPU
    /// seconds per environment step.
    struct Row {
        var rawRate: Double, bridgeRate: Double, ratio: Double
        var rawCPU: Double, workerCPU: Double, clientCPU: Double
    }

    func measure(copies: Int, configuration: BridgeConfiguration, script: String) throws(BenchmarkError) -> Row {
        let bridge: BridgeVectorEnvironment
        do { bridge = try BridgeVectorEnvironment(id: env, copies: copies, configuration: configuration) } catch {
            throw .environment(error)
        }
        defer { bridge.close() }
        let space = bridge.actionSpace
        let vectorSteps = max(steps / copies, 1)

        // The same actions on both sides: 1000 vector steps, uniform in the action box.
        var random = RandomStream(seed: 1)
        let batches: [[[Double]]] = (0..<1000).map { _ in
            (0..<copies).map { _ in
                (0..<space.dimension).map { d in
                    let (low, high) = (space.low[d], space.high[d])
                    return low.isFinite && high.isFinite ? low + (high - low) * random.uniform() : 2 * random.uniform() - 1
                }
            }
        }
        let actionFile = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-bench-actions-\(getpid()).f64")
        do { try batches.flatMap { $0.flatMap { $0 } }.withUnsafeBytes { Data($0) }.write(to: actionFile) } catch {
            throw .system(error)
        }
        defer { try? FileManager.default.removeItem(at: actionFile) }
        let raw = try RawPythonStepper(python: configuration.python,
                                       script: URL(fileURLWithPath: script).deletingLastPathComponent()
                                           .appendingPathComponent("bench_bridge_raw.py").path,
                                       arguments: ["--env", env, "--copies", String(copies), "--actions", actionFile.path]
                                           + environmentImports.flatMap { ["--env-import", $0] })
        defer { raw.stop() }

        do { _ = try bridge.reset(copies: Array(0..<copies), seeds: (0..<copies).map { Optional(UInt64($0)) }) } catch {
            throw .environment(error)
        }
        func bridgeSeconds(_ n: Int) throws(BenchmarkError) -> Double {
            let start = Timing.now()
            var t = 0
            do {
                for _ in 0..<n {
                    let results = try bridge.step(batches[t])
                    for (i, r) in results.enumerated() where r.isLast { _ = try bridge.reset(copies: [i], seeds: [nil]) }
                    t = t + 1 < batches.count ? t + 1 : 0
                }
            } catch {
                throw .environment(error)
            }
            return Timing.seconds(since: start)
        }

        // Warm-up on both sides (first steps pay for caches and lazy imports).
        _ = try raw.seconds(forSteps: min(vectorSteps, 200))
        _ = try bridgeSeconds(min(vectorSteps, 200))
        let workerPID = bridge.workerProcessID ?? 0
        var rawSamples: [Double] = [], bridgeSamples: [Double] = []
        var rawCPU = 0.0, workerCPU = 0.0, clientCPU = 0.0
        func timeRaw() throws(BenchmarkError) {
            let cpu = processCPUSeconds(raw.processIdentifier)
            rawSamples.append(try raw.seconds(forSteps: vectorSteps))
            rawCPU += processCPUSeconds(raw.processIdentifier) - cpu
        }
        func timeBridge() throws(BenchmarkError) {
            let (worker, client) = (processCPUSeconds(workerPID), threadCPUSeconds())
            bridgeSamples.append(try bridgeSeconds(vectorSteps))
            workerCPU += processCPUSeconds(workerPID) - worker
            clientCPU += threadCPUSeconds() - client
        }
        for repetition in 0..<max(repetitions, 1) {
            if repetition % 2 == 0 { try timeRaw(); try timeBridge() } else { try timeBridge(); try timeRaw() }
        }
        let rawSummary = TimingSummary(rawSamples), bridgeSummary = TimingSummary(bridgeSamples)
        let envSteps = Double(vectorSteps * copies), total = envSteps * Double(rawSamples.count)
        return Row(rawRate: envSteps / rawSummary.median, bridgeRate: envSteps / bridgeSummary.median,
                   ratio: Timing.pairedRatio(reference: rawSummary, candidate: bridgeSummary),
                   rawCPU: rawCPU / total, workerCPU: workerCPU / total, clientCPU: clientCPU / total)
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    private func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}

/// User plus system CPU seconds of a process so far (from `/proc/PID/stat`; 0 if unreadable).
private func processCPUSeconds(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return 0 }
    // Fields after the command name: state is field 3, utime 14, stime 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds of the calling thread.
private func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The raw-stepping reference process: answers "STEPS" lines with the seconds taken.
private final class RawPythonStepper {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer = Data()

    init(python: String, script: String, arguments: [String]) throws(BenchmarkError) {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch { throw .system(error) }
        let first = try readLine()
        guard first == "ready" else { throw .setup("bench_bridge_raw.py: expected 'ready', got '\(first)'") }
    }

    var processIdentifier: Int32 { process.processIdentifier }

    func seconds(forSteps steps: Int) throws(BenchmarkError) -> Double {
        input.fileHandleForWriting.write(Data("\(steps)\n".utf8))
        let line = try readLine()
        guard let seconds = Double(line) else { throw .setup("bench_bridge_raw.py answered '\(line)'") }
        return seconds
    }

    private func readLine() throws(BenchmarkError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw .setup("bench_bridge_raw.py exited (see its stderr above)") }
            buffer.append(chunk)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
