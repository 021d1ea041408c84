import Foundation
import MixTestSupport
import Testing

/// `mixrl bench ...` through the executable, on shapes small enough for a debug build:
/// the tables come out whole, what does not depend on timing holds (allocation counts,
/// result hashes), `--strict` turns a missed target into exit 1, and a benchmark that
/// cannot start says why with the usual exit codes.
@Suite(.integration, .serialized) struct BenchCommandTests {
    /// The flags that make a benchmark short: tiny networks, one short repetition.
    static let tinySAC = ["--observation", "3", "--action", "2", "--batch", "4", "--hidden", "8",
                          "--repetitions", "1", "--repetition-seconds", "0.001", "--allocation-updates", "2"]

    /// One row per (K, threads) setting, in order; no update allocates; two threads
    /// (critics side by side) end with the parameters of one, and K changes them.
    @Test func sacPrintsOneRowPerSettingAndThreadsDoNotChangeTheResult() throws {
        let r = try Mixrl.run(["bench", "sac", "--components", "1", "2", "--threads", "1", "2", "--parallelism", "critics",
                               "--backends", "openblas"] + Self.tinySAC)
        #expect(r.status == 0, "\(r.standardError)")
        let lines = r.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("gemm     K est threads    | updates/s |") }, "\(r.standardOutput)")
        let rows = lines.filter { $0.hasPrefix("openblas ") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.map(\.first) == ["openblas 1 RP  1", "openblas 1 RP  2 critics", "openblas 2 MRP 1", "openblas 2 MRP 2 critics"],
                "\(r.standardOutput)")
        try #require(rows.count == 4 && rows.allSatisfy { $0.count == 9 }, "\(r.standardOutput)")
        #expect(rows.map { $0[7] } == ["0.00", "0.00", "0.00", "0.00"], "buffers allocated per update")
        #expect(rows[0][8] == rows[1][8] && rows[2][8] == rows[3][8], "result hashes: \(rows.map { $0[8] })")
        #expect(rows[0][8] != rows[2][8])
        #expect(lines.last?.hasPrefix("# target: 1 thread within 1.25x of the actual floor (cpu), 0 buffers per update:") == true)
    }

    /// Every product of the update, the stacked critic rows and the extra squares, and no
    /// allocation in steady-state `matmul(into:)`.
    @Test func gemmListsEveryShapeAndAllocatesNothing() throws {
        let r = try Mixrl.run(["bench", "gemm", "--observation", "3", "--action", "2", "--batch", "4", "--hidden", "8",
                               "--components", "2", "--repetitions", "1", "--repetition-seconds", "0.0001", "--squares", "4"])
        #expect(r.status == 0, "\(r.standardError)")
        let lines = r.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("fwd  actor 3->8 ") }, "\(r.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("fwd  critic 5->8 rows 2x4 ") }, "\(r.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("square 4^3 ") }, "\(r.standardOutput)")
        #expect(lines.last?.hasSuffix("| tensor buffers allocated by steady-state matmul(into:): 0") == true, "\(r.standardOutput)")
    }

    /// The critic step allocates nothing after warm-up; `--breakdown` adds its parts.
    @Test func criticStepAllocatesNothing() throws {
        let r = try Mixrl.run(["bench", "critic", "--batch", "4", "--input", "3", "--hidden", "8", "--layers", "1",
                               "--repetitions", "1", "--repetition-seconds", "0.001", "--breakdown"])
        #expect(r.status == 0, "\(r.standardError)")
        #expect(r.standardOutput.contains("# critic 3 -> 8 -> 1 (ReLU), batch 4, MSE loss, Float;"), "\(r.standardOutput)")
        #expect(r.standardOutput.contains("tensor buffers allocated per step after warm-up: 0.000 (0 buffers, 0 bytes over 200 steps)"),
                "\(r.standardOutput)")
        #expect(r.standardOutput.contains("cpu: Adam "), "\(r.standardOutput)")
    }

    /// A target no step can meet (a ratio of 0) is reported as missed; only `--strict`
    /// turns it into exit 1.
    @Test func strictTurnsAMissedTargetIntoExit1() throws {
        let arguments = ["bench", "critic", "--batch", "4", "--input", "3", "--hidden", "8", "--layers", "1",
                         "--repetitions", "1", "--repetition-seconds", "0.001", "--target-ratio", "0"]
        let lenient = try Mixrl.run(arguments)
        #expect(lenient.status == 0, "\(lenient.standardError)")
        #expect(lenient.standardOutput.contains("(target <= 0.00): NOT met"), "\(lenient.standardOutput)")
        let strict = try Mixrl.run(arguments + ["--strict"])
        #expect(strict.status == 1, "\(strict.standardError)")
        #expect(strict.standardOutput.contains("(target <= 0.00): NOT met"), "\(strict.standardOutput)")
    }

    /// A missing bridge worker is a usage error (exit 2, with the usage of `bench bridge`);
    /// an agent that cannot be built is a failure (exit 1) that names the value.
    @Test func benchmarksThatCannotStartSayWhy() throws {
        let bridge = try Mixrl.run(["bench", "bridge"], environment: ["MIXRL_BRIDGE_WORKER": "/nonexistent/bridge_worker.py"])
        #expect(bridge.status == 2)
        #expect(bridge.standardError.hasPrefix("Error: scripts/bridge_worker.py not found; run from the MixRL checkout or set MIXRL_BRIDGE_WORKER\n"
                                               + "Usage: mixrl bench bridge "), "\(bridge.standardError)")
        #expect(bridge.standardOutput.isEmpty)

        let sac = try Mixrl.run(["bench", "sac", "--components", "0", "--threads", "1", "--backends", "openblas",
                                 "--profile-updates", "1"] + Self.tinySAC)
        #expect(sac.status == 1)
        #expect(sac.standardError == "mixrl bench sac: error: configuration: components: must be at least 1, found 0\n")
    }
}
