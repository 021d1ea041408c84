import Foundation
import Testing
import MixAgents

/// rlkit-style regression guard: a tiny seeded run whose chosen metrics at fixed steps
/// are compared with a checked-in golden file, so a silent change of the numerics (an
/// estimator, an initializer, a kernel, the random streams) cannot pass unnoticed.
///
/// After an intended change, regenerate with
/// `MIXRL_UPDATE_GOLDEN=1 swift test -c release --filter GoldenRegression` and commit the
/// file with a note on why the numbers moved.
@Suite(.serialized) struct GoldenRegressionTests {
    static let goldenURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/pendulum-regression.json")

    struct Golden: Codable, Equatable {
        /// "<policy>/<metric>@<step>" -> value.
        var values: [String: Double]
    }

    /// The metrics of the golden runs: Gaussian RP and K = 3 MRP on Pendulum-v1.
    func measure() throws -> Golden {
        var values: [String: Double] = [:]
        for policy in [PolicyKind.gaussian, .mixture] {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var c = smallConfiguration(policy: policy, seed: 3)
            c.steps = 2_000
            c.evalEvery = 1_000
            let trainer = try Trainer.start(configuration: c, runDirectory: dir)
            _ = try trainer.run()
            for line in try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",").map(String.init)
                guard f.count == 5, let step = Int(f[0]), let value = Double(f[4]) else { continue }
                if step % 1_000 == 0 && ["train", "eval"].contains(f[2]) {
                    values["\(policy.rawValue)/\(f[2])/\(f[3])@\(step)"] = value
                }
            }
        }
        return Golden(values: values)
    }

    @Test func pendulumMetricsMatchTheGoldenFile() throws {
        let measured = try measure()
        #expect(measured.values.count >= 12, "the golden runs logged \(measured.values.count) metrics")
        if ProcessInfo.processInfo.environment["MIXRL_UPDATE_GOLDEN"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(measured).write(to: Self.goldenURL)
            return
        }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.goldenURL))
        #expect(Set(measured.values.keys) == Set(golden.values.keys))
        for (key, expected) in golden.values.sorted(by: { $0.key < $1.key }) {
            guard let value = measured.values[key] else { continue }
            // Same machine kind, same OpenBLAS: the runs are deterministic, so the values
            // agree to rounding; the tolerance only absorbs printing.
            #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "\(key): \(value), golden \(expected)")
        }
    }
}
