import Foundation
import MixEnvs
import MixTensor
import Testing

/// Runs `scripts/env_reference.py` in the bridge's virtualenv: direct Python rollouts to
/// compare the native environments and the bridge against.
enum PythonReference {
    struct Job: Encodable {
        var kind: String
        var id: String?
        var domain: String?
        var task: String?
        var seed: UInt64?
        var benchmark_seed: Int?
        var state: [Double]?
        var actions: [[Double]]
    }

    struct Rollout: Decodable {
        var reset: [Double]
        var observations: [[Double]]
        var rewards: [Double]
        var terminated: [Bool]
        var truncated: [Bool]
        var success: [Double]
    }

    private struct Answer: Decodable { var results: [Rollout] }

    static var scriptsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts")
    }

    /// A configuration that finds the worker in this checkout.
    static func bridge(requestTimeout: Double = 60, debug: Bool = false) -> BridgeConfiguration {
        BridgeConfiguration(workerScript: scriptsDirectory.appendingPathComponent("bridge_worker.py").path,
                            requestTimeout: requestTimeout, allowDebugRequests: debug)
    }

    static func run(_ jobs: [Job]) throws -> [Rollout] {
        let python = BridgeConfiguration.defaultPython
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ReferenceError("no Python at \(python): run bash scripts/setup.sh")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixenvs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("jobs.json"), errors = directory.appendingPathComponent("stderr")
        try JSONEncoder().encode(["jobs": jobs]).write(to: input)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptsDirectory.appendingPathComponent("env_reference.py").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardError = try FileHandle(forWritingTo: errors)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ReferenceError("env_reference.py failed (\(process.terminationStatus)): \(text.suffix(2000))")
        }
        return try JSONDecoder().decode(Answer.self, from: data).results
    }

    /// `count` actions uniform in the box scaled by `spread` (above 1 to exercise clipping).
    static func randomActions(_ count: Int, space: BoxSpace, seed: UInt64, spread: Double = 1) -> [[Double]] {
        var random = RandomStream(seed: seed)
        return (0..<count).map { _ in
            (0..<space.dimension).map { d in
                let mid = (space.low[d] + space.high[d]) / 2, half = (space.high[d] - space.low[d]) / 2
                return mid + half * spread * (2 * random.uniform() - 1)
            }
        }
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The largest absolute elementwise difference (infinite if the shapes differ).
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
