import ArgumentParser
import Foundation
import MixRL

/// `mixrl report DIR`: aggregate a sweep (or any folder of run folders) over seeds.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate a sweep over seeds: tables, learning curves and final return against K, in one HTML page.",
        discussion: "DIR is a sweep folder (or a folder of run folders, or one run folder). Writes report.html, summary.md, "
            + "final-returns.csv, runs.csv, run-curves.csv, curves.csv and SVG plots into DIR/report (or --out) and prints the table. "
            + "Options default to the sweep spec's [report] section."
    )

    @Argument(help: "The sweep folder.")
    var folder: String

    @Option(help: "Where to write the report (default: DIR/report).")
    var out: String?

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Evaluation return that counts as solved for an environment (repeatable).",
                                                               valueName: "ENV=RETURN"))
    var thresholds: [String] = []

    @Option(help: "Bootstrap resamples for confidence intervals.")
    var bootstrapResamples: Int?

    @Option(help: "Confidence level of the intervals, in (0, 1).")
    var confidence: Double?

    @Option(help: "Seed of the bootstrap's random stream.")
    var seed: UInt64?

    @Flag(help: "Draw final return against K on a logarithmic K axis.")
    var logK = false

    func run() throws {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("no such folder: \(folder)") }
        var options = SweepFolder(path: url.path).loadPlan()?.report ?? ReportOptions()
        for t in thresholds {
            guard let eq = t.lastIndex(of: "="), let value = Double(t[t.index(after: eq)...]) else {
                throw ValidationError("--threshold expects ENV=RETURN (for example Pendulum-v1=-200), not '\(t)'")
            }
            options.thresholds[String(t[..<eq])] = value
        }
        if let bootstrapResamples {
            guard bootstrapResamples >= 100 else { throw ValidationError("--bootstrap-resamples must be at least 100, not \(bootstrapResamples)") }
            options.bootstrapResamples = bootstrapResamples
        }
        if let confidence {
            guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be in (0, 1), such as 0.95, not \(confidence)") }
            options.confidence = confidence
        }
        if let seed { options.bootstrapSeed = seed }
        if logK { options.logComponents = true }
        let report = SweepReport.make(folder: url, options: options)
        guard !report.aggregate.summaries.isEmpty else {
            throw ValidationError("\(folder) holds no runs (expected a sweep folder with plan.json, or run folders with config.json)")
        }
        let page = try report.write(to: out.map { URL(fileURLWithPath: $0) } ?? url.appendingPathComponent("report"))
        print(report.markdown())
        print("report: \(page.path)")
    }
}
