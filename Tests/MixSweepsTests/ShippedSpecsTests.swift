import Foundation
import MixSweeps
import Testing

/// Every spec under `scripts/specs/` (the experiments of docs/reproduction.md) parses and
/// plans, and the paper-scale ones also render their Slurm array script: a spec that
/// stops parsing after a change of the options is caught here, not on a cluster.
@Suite struct ShippedSpecsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/specs")

    static var specs: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The paper-scale specs and their runs, as docs/reproduction.md states them.
    static let paperRuns = ["paper-mujoco.toml": 350, "paper-suites.toml": 420, "paper-k-ablation.toml": 80, "paper-unshaped-control.toml": 280]

    @Test func everySpecPlansAndThePaperScaleOnesRenderTheirArray() throws {
        let specs = Self.specs
        #expect(specs.count >= 12, "found \(specs.count) specs in \(Self.folder.path)")
        for url in specs {
            let spec = try SweepSpec.load(path: url.path)
            let plan = try spec.plan()
            #expect(!plan.runs.isEmpty, "\(url.lastPathComponent): no runs")
            #expect(Set(plan.runs.map(\.id)).count == plan.runs.count, "\(url.lastPathComponent): two runs share an id")
            guard let expected = Self.paperRuns[url.lastPathComponent] else { continue }
            #expect(plan.runs.count == expected, "\(url.lastPathComponent): \(plan.runs.count) runs, docs/reproduction.md says \(expected)")
            let script = SlurmArrayScript(plan: plan, options: spec.slurm, mixrl: "/opt/mixrl", specPath: "/data/\(url.lastPathComponent)",
                                          overrides: [], workingDirectory: "/data", sweepFolder: "/data/sweep", threadsPerRun: 1).render()
            #expect(script.contains("#SBATCH --array=0-\(expected - 1)"), "\(url.lastPathComponent): no array line for \(expected) runs")
            #expect(script.contains("/opt/mixrl sweep run-one /data/\(url.lastPathComponent) --index \"$SLURM_ARRAY_TASK_ID\""))
        }
        #expect(Set(Self.paperRuns.keys).isSubset(of: Set(specs.map(\.lastPathComponent))))
    }
}
