import Foundation
import MixAgents
import MixTensor

/// A failure to run a sweep that is not a fault of its spec: folders, locks, processes.
package struct SweepError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the file, folder or program.
    package var message: String
    /// An error with `message`.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}

/// What `plan.json` holds: the plan and what produced it.
package struct PlanFile: Sendable, Codable, Equatable {
    /// Format version of this file.
    package var version: Int = 1
    /// The runs.
    package var plan: SweepPlan
    /// The spec file the plan came from.
    package var specSource: String
    /// The `--set` overrides applied.
    package var overrides: [String]
    /// The spec's `[report]` options, for `mixrl report`.
    package var report: ReportOptions
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
package struct SweepFolder: Sendable {
    /// The sweep folder.
    package let url: URL

    /// The sweep folder at `path` (relative paths resolve against the current directory).
    package init(path: String) { url = URL(fileURLWithPath: path).standardizedFileURL }

    /// `plan.json`.
    package var planFile: URL { url.appendingPathComponent("plan.json") }
    /// `sweep.toml`: the spec as read.
    package var specFile: URL { url.appendingPathComponent("sweep.toml") }
    /// `summary.json`: the last invocation's outcome per run.
    package var summaryFile: URL { url.appendingPathComponent("summary.json") }
    /// `report/`.
    package var reportFolder: URL { url.appendingPathComponent("report") }
    /// `slurm/`: the sbatch script and Slurm's output files.
    package var slurmFolder: URL { url.appendingPathComponent("slurm") }
    /// `.sweep.lock`: held by the local pool running in this folder.
    package var sweepLockFile: URL { url.appendingPathComponent(".sweep.lock") }
    /// The folder of run `id`.
    package func runFolder(_ id: String) -> RunFolder { RunFolder(url: url.appendingPathComponent("runs/\(id)")) }
    /// The configuration file of run `id`.
    package func configFile(_ id: String) -> URL { url.appendingPathComponent("configs/\(id).json") }
    /// The log of run `id`'s processes.
    package func logFile(_ id: String) -> URL { url.appendingPathComponent("logs/\(id).log") }
    /// The lock file of run `id`.
    package func lockFile(_ id: String) -> URL { url.appendingPathComponent("locks/\(id).lock") }

    /// The entries a sweep folder may hold (anything else means it is not one).
    static let layout: Set<String> = ["plan.json", "sweep.toml", "configs", "runs", "logs", "locks", "summary.json", "report", "slurm",
                                      ".sweep.lock"]

    /// Throws unless the folder is free for `plan`: missing, empty, or a sweep folder
    /// whose `plan.json` has the same runs (the same spec, run again to resume). Another
    /// spec pointed at an existing sweep folder would replace its plan, spec and report;
    /// it is refused, saying how to go on. Nothing is written.
    package func checkHolds(_ plan: SweepPlan, spec: SweepSpec) throws(SweepError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw SweepError("the sweep folder \(url.path) is a file; set another out in the spec's [sweep] section (or --set sweep.out=DIR)")
        }
        let how = "Give this spec another folder (out = \"...\" in its [sweep] section, or --set sweep.out=DIR), "
            + "or delete \(url.path) to start over"
        guard fm.fileExists(atPath: planFile.path) else {
            let foreign = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter { !Self.layout.contains($0) }.sorted()
            guard foreign.isEmpty else {
                let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", ... (\(foreign.count) entries)" : "")
                throw SweepError("\(url.path) is not empty and is not a sweep folder (no plan.json); it holds \(shown). Nothing was written. "
                                 + "Give this spec another folder (out = \"...\" in its [sweep] section, or --set sweep.out=DIR)")
            }
            return
        }
        guard let stored = loadPlan() else {
            throw SweepError("\(planFile.path) is unreadable, so this folder's sweep is unknown. \(how)")
        }
        let ids = plan.runs.map(\.id), storedIDs = stored.plan.runs.map(\.id)
        guard ids != storedIDs else { return }
        let new = Set(ids).subtracting(storedIDs).count, gone = Set(storedIDs).subtracting(ids).count
        var difference = "\(storedIDs.count) runs there, \(ids.count) in this spec"
        if new > 0 || gone > 0 {
            difference += "; \(new) of this spec's runs are not in the folder's plan and \(gone) of its runs are not in this spec"
        } else {
            difference += ", in another order"
        }
        let before = "\(stored.specSource)" + (stored.overrides.isEmpty ? "" : " with --set \(stored.overrides.joined(separator: " "))")
        let now = "\(spec.source)" + (spec.overrides.isEmpty ? "" : " with --set \(spec.overrides.joined(separator: " "))")
        let whose = before == now ? "the runs \(now) planned before it was changed" : "another sweep (\"\(stored.plan.name)\" from \(before)), not the runs of \(now)"
        throw SweepError("\(url.path) holds \(whose) (\(difference)). Nothing was changed. \(how)")
    }

    /// Creates the folders and writes `plan.json`, `sweep.toml` and every run's
    /// configuration file (files whose content is unchanged are left alone). Refuses a
    /// folder that holds another sweep or other files (``checkHolds(_:spec:)``).
    package func prepare(plan: SweepPlan, spec: SweepSpec) throws(SweepError) {
        let fm = FileManager.default
        try checkHolds(plan, spec: spec)
        for sub in ["configs", "runs", "logs", "locks"] {
            do { try fm.createDirectory(at: url.appendingPathComponent(sub), withIntermediateDirectories: true) }
            catch { throw SweepError("cannot create the sweep folder \(url.path)/\(sub): \(SystemErrorText.reason(error))") }
        }
        let file = PlanFile(plan: plan, specSource: spec.source, overrides: spec.overrides, report: spec.report)
        try writeIfChanged(Self.encode(file), to: planFile)
        try writeIfChanged(Data(spec.text.utf8), to: specFile)
        for run in plan.runs {
            try writeIfChanged(Self.encode(run.configuration), to: configFile(run.id))
        }
    }

    /// The stored plan, if the folder has a readable one.
    package func loadPlan() -> PlanFile? {
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
        catch { throw SweepError("cannot encode \(T.self): \(SystemErrorText.reason(error))") }
    }

    func writeIfChanged(_ data: Data, to url: URL) throws(SweepError) {
        if FileManager.default.contents(atPath: url.path) == data { return }
        do { try AtomicFile.write(data, to: url) } catch { throw SweepError(error.description) }
    }
}
