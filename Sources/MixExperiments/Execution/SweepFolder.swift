import Foundation
import MixAgents

/// A failure to run a sweep that is not a fault of its spec: folders, locks, processes.
public struct SweepError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `plan.json` holds: the plan and what produced it.
public struct PlanFile: Sendable, Codable, Equatable {
    /// Format version of this file.
    public var version: Int = 1
    public var plan: SweepPlan
    /// The spec file the plan came from.
    public var specSource: String
    /// The `--set` overrides applied.
    public var overrides: [String]
    public var report: ReportOptions
}

/// The layout of a sweep folder:
///
/// ```
/// OUT/plan.json            the runs (index, id, label, configuration) and report options
/// OUT/sweep.toml           the spec as read (overrides are in plan.json)
/// OUT/configs/<id>.json    the configuration handed to `mixrl train --config`
/// OUT/runs/<id>/           the run folder (docs/run-folder.md)
/// OUT/logs/<id>.log        standard output and error of every attempt
/// OUT/locks/<id>.lock      held by the process running the run
/// OUT/summary.json         outcome of each run in the last invocation, with error tails
/// OUT/report/              report.html, SVG plots, CSV and Markdown tables
/// OUT/slurm/               the sbatch script and Slurm's output files
/// ```
public struct SweepFolder: Sendable {
    public let url: URL

    public init(path: String) { url = URL(fileURLWithPath: path).standardizedFileURL }

    public var planFile: URL { url.appendingPathComponent("plan.json") }
    public var specFile: URL { url.appendingPathComponent("sweep.toml") }
    public var summaryFile: URL { url.appendingPathComponent("summary.json") }
    public var reportFolder: URL { url.appendingPathComponent("report") }
    public var slurmFolder: URL { url.appendingPathComponent("slurm") }
    public var sweepLockFile: URL { url.appendingPathComponent(".sweep.lock") }
    public func runFolder(_ id: String) -> RunFolder { RunFolder(url: url.appendingPathComponent("runs/\(id)")) }
    public func configFile(_ id: String) -> URL { url.appendingPathComponent("configs/\(id).json") }
    public func logFile(_ id: String) -> URL { url.appendingPathComponent("logs/\(id).log") }
    public func lockFile(_ id: String) -> URL { url.appendingPathComponent("locks/\(id).lock") }

    /// Creates the folders and writes `plan.json`, `sweep.toml` and every run's
    /// configuration file (files whose content is unchanged are left alone).
    public func prepare(plan: SweepPlan, spec: SweepSpec) throws(SweepError) {
        let fm = FileManager.default
        for sub in ["configs", "runs", "logs", "locks"] {
            do { try fm.createDirectory(at: url.appendingPathComponent(sub), withIntermediateDirectories: true) }
            catch { throw SweepError("cannot create the sweep folder \(url.path)/\(sub): \(error.localizedDescription)") }
        }
        let file = PlanFile(plan: plan, specSource: spec.source, overrides: spec.overrides, report: spec.report)
        try writeIfChanged(Self.encode(file), to: planFile)
        try writeIfChanged(Data(spec.text.utf8), to: specFile)
        for run in plan.runs {
            try writeIfChanged(Self.encode(run.configuration), to: configFile(run.id))
        }
    }

    /// The stored plan, if the folder has a readable one.
    public func loadPlan() -> PlanFile? {
        guard let data = FileManager.default.contents(atPath: planFile.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(PlanFile.self, from: data)
    }

    /// Pretty JSON with sorted snake_case keys, as run folders hold it.
    static func encode<T: Encodable>(_ value: T) throws(SweepError) -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) + Data("\n".utf8) }
        catch { throw SweepError("cannot encode \(T.self): \(error)") }
    }

    func writeIfChanged(_ data: Data, to url: URL) throws(SweepError) {
        if FileManager.default.contents(atPath: url.path) == data { return }
        do { try AtomicFile.write(data, to: url) } catch { throw SweepError(error.description) }
    }
}
