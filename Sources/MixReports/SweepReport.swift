import Foundation
import MixAgents
import MixTensor
import MixCharts
import MixSweeps

/// The report of a sweep: tables and plots of every configuration aggregated over seeds,
/// written as CSV, Markdown, SVG and one self-contained `report.html`.
package struct SweepReport: Sendable {
    /// The page title.
    package var title: String
    /// The configurations aggregated over seeds.
    package var aggregate: SweepAggregate
    /// Runs that failed in the last invocation (from `summary.json`).
    package var failures: [RunRecord]
    /// Planned runs without any evaluation yet.
    package var missingRuns: Int

    /// A report from its parts (see ``make(folder:options:)``).
    package init(title: String, aggregate: SweepAggregate, failures: [RunRecord] = [], missingRuns: Int = 0) {
        self.title = title
        self.aggregate = aggregate
        self.failures = failures
        self.missingRuns = missingRuns
    }

    /// The report of the sweep (or run) folder `folder`. Options come from `plan.json`
    /// unless given.
    package static func make(folder: URL, options: ReportOptions? = nil) -> SweepReport {
        let sweep = SweepFolder(path: folder.path)
        let plan = sweep.loadPlan()
        let results = RunResultLoader.load(from: folder)
        let aggregate = SweepAggregate(results: results, options: options ?? plan?.report ?? ReportOptions())
        var failures: [RunRecord] = []
        if let data = FileManager.default.contents(atPath: sweep.summaryFile.path),
           let summary = try? Self.decoder.decode(SweepSummary.self, from: data) {
            failures = summary.runs.filter { $0.outcome == "failed" }
        }
        let name = plan?.plan.name ?? folder.lastPathComponent
        return SweepReport(title: "MixRL sweep \"\(name)\"", aggregate: aggregate, failures: failures,
                           missingRuns: results.filter { $0.evaluations.isEmpty }.count)
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    var confidenceText: String { "\(Int((aggregate.options.confidence * 100).rounded()))% CI" }

    // MARK: Charts

    /// Mean evaluation return against environment steps, one line and confidence band per configuration.
    package func learningCurves(environment: String) -> Chart {
        let summaries = aggregate.summaries.filter { $0.environment == environment }
        let series = summaries.map { s in
            ChartSeries(name: s.label, points: s.curve.map { ChartPoint(x: Double($0.step), y: $0.mean) },
                        band: s.curve.filter { $0.seeds > 1 }.map { ChartInterval(x: Double($0.step), lower: $0.lower, upper: $0.upper) },
                        drawsMarkers: s.curve.count == 1)
        }
        let seeds = Set(summaries.map(\.seeds)).sorted().map(String.init).joined(separator: "/")
        return Chart(title: "\(environment): learning curves",
                     subtitle: "mean over \(seeds) seeds; shaded: bootstrap \(confidenceText) of the mean",
                     x: ChartAxis(label: "environment steps"),
                     y: ChartAxis(label: "evaluation return (mean over episodes)"), series: series)
    }

    /// Final evaluation return against the number of components K, one series per
    /// policy and estimator, with confidence-interval error bars; nil if K never varies.
    package func finalReturnAgainstComponents(environment: String) -> Chart? {
        let summaries = aggregate.summaries.filter { $0.environment == environment && $0.finalReturn != nil }
        let ks = Set(summaries.map(\.components)).sorted()
        guard ks.count > 1 else { return nil }
        var families: [String] = []
        for s in summaries where !families.contains(s.familyLabel) { families.append(s.familyLabel) }
        let series = families.map { family in
            let members = summaries.filter { $0.familyLabel == family }.sorted { $0.components < $1.components }
            return ChartSeries(name: family,
                               points: members.compactMap { m in m.finalReturn.map { ChartPoint(x: Double(m.components), y: $0.estimate) } },
                               errorBars: members.compactMap { m in m.finalReturn.map { ChartInterval(x: Double(m.components), lower: $0.lower, upper: $0.upper) } },
                               drawsLine: members.count > 1, drawsMarkers: true)
        }
        return Chart(title: "\(environment): final return against K",
                     subtitle: "mean over seeds of the last evaluation; bars: bootstrap \(confidenceText)",
                     x: ChartAxis(label: "mixture components K", scale: aggregate.options.logComponents ? .logarithmic : .linear, ticks: ks.map(Double.init)),
                     y: ChartAxis(label: "final evaluation return"), series: series)
    }

    // MARK: Tables

    /// Whether some configuration has a final stochastic return (run folders written
    /// before `eval.csv` had that column have none: the table then keeps its old columns).
    var showsStochasticReturn: Bool { aggregate.summaries.contains { $0.finalStochasticReturn != nil } }
    /// Whether some configuration has final mode masses (tasks that declare modes).
    var showsModeMasses: Bool { aggregate.summaries.contains { !$0.finalModeMasses.isEmpty } }
    /// Whether some configuration has a final success rate (tasks that report success).
    var showsSuccessRate: Bool { aggregate.summaries.contains { $0.finalSuccessRate != nil } }
    /// Whether some configuration has an online return (runs that logged training episodes).
    var showsOnlineReturn: Bool { aggregate.summaries.contains { $0.onlineReturn != nil } }

    /// Column titles of the results table.
    package var tableHeader: [String] {
        var header = ["environment", "configuration", "seeds", "final return (\(confidenceText))"]
        if showsStochasticReturn { header.append("stochastic final return (\(confidenceText))") }
        if showsModeMasses { header.append("final mass near each mode") }
        if showsSuccessRate { header.append("final success rate (\(confidenceText))") }
        header += ["IQM", "mean return over training"]
        if showsOnlineReturn { header.append("online return (\(confidenceText))") }
        return header + ["steps to threshold", "run time"]
    }

    /// One row per configuration.
    package var tableRows: [[String]] {
        let stochastic = showsStochasticReturn, masses = showsModeMasses, success = showsSuccessRate, online = showsOnlineReturn
        return aggregate.summaries.map { s in
            let threshold: String
            if let t = s.threshold {
                threshold = s.stepsToThreshold.map { "\(Self.format($0)) (\(s.reachedThreshold)/\(s.seeds) ≥ \(Self.format(t)))" } ?? "not reached (≥ \(Self.format(t)))"
            } else { threshold = "—" }
            var row = [s.environment, s.label, s.seeds == s.distinctSeeds ? "\(s.seeds)" : "\(s.seeds) of \(s.distinctSeeds)",
                       s.finalReturn.map(Self.format) ?? "—"]
            if stochastic { row.append(s.finalStochasticReturn.map(Self.format) ?? "—") }
            if masses { row.append(s.finalModeMasses.isEmpty ? "—" : s.finalModeMasses.map(Self.format).joined(separator: " / ")) }
            if success { row.append(s.finalSuccessRate.map(Self.format) ?? "—") }
            let iqm = s.finalInterquartileMean.map(Self.format) ?? (s.finalReturn == nil ? "—" : "n/a (<4 seeds)")
            row += [iqm, s.area.map(Self.format) ?? "—"]
            if online { row.append(s.onlineReturn.map(Self.format) ?? "—") }
            return row + [threshold, s.runSeconds.map(DurationText.format) ?? "—"]
        }
    }

    /// The results table in Markdown (readable in a terminal too), then the shared
    /// settings, failed runs, unfinished runs and duplicate seeds.
    package func markdown() -> String {
        var out = MarkdownTable(header: tableHeader, rows: tableRows).render()
        for line in sharedSettingLines(all: false) { out += "\n" + line + "\n" }
        if !failures.isEmpty {
            out += "\n\(failures.count) run(s) failed (details in summary.json and logs/<id>.log):\n"
            for f in failures { out += "- \(Self.failureLine(f))\n" }
        }
        let unfinished = unfinishedLines
        if !unfinished.isEmpty {
            out += "\n\(unfinished.count) run(s) not finished, left out of the final return and the statistics after it:\n"
            for line in unfinished { out += "- \(line)\n" }
        }
        for line in duplicateLines { out += "\n" + line + "\n" }
        if missingRuns > 0 { out += "\n\(missingRuns) run(s) have no evaluation yet.\n" }
        return out
    }

    /// "Settings shared by every run of ENV: steps=..., ..." per environment: every shared
    /// option, or (`all` false, for the terminal) the telling ones (steps, network sizes,
    /// estimator options, learning rates, evaluation).
    func sharedSettingLines(all: Bool) -> [String] {
        aggregate.environments.compactMap { env in
            guard var settings = aggregate.sharedSettings[env], !settings.isEmpty else { return nil }
            let total = settings.count
            if !all { settings = settings.filter { SweepAggregate.leadingSettings.contains($0.key) } }
            guard !settings.isEmpty else { return nil }
            return "Settings shared by every run of \(env): " + settings.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                + (settings.count < total ? " (and \(total - settings.count) more in report.html)" : "")
        }
    }

    /// "ID (LABEL): first line of its error".
    static func failureLine(_ f: RunRecord) -> String {
        let error = f.error?.split(separator: "\n").first.map(String.init) ?? "no error recorded"
        return "\(f.id) (\(f.label)): \(error)"
    }

    /// One line per unfinished run but the failed ones (listed with their errors):
    /// "ID (ENV, LABEL, seed S): at step N of M (interrupted)".
    var unfinishedLines: [String] {
        let failed = Set(failures.map(\.id))
        return aggregate.summaries.flatMap { s in
            s.unfinishedRuns.filter { !failed.contains($0.id) }.map { u in
                let step = u.step.map { "at step \($0)" } ?? "not started"
                let total = u.totalSteps.map { " of \($0)" } ?? ""
                return "\(u.id) (\(s.environment), \(s.label), seed \(u.seed)): \(step)\(u.step == nil ? "" : total)" + (u.state.map { " (\($0))" } ?? "")
            }
        }
    }

    /// One line per configuration with run folders that repeat a seed.
    var duplicateLines: [String] {
        aggregate.summaries.filter { !$0.duplicateRuns.isEmpty }.map { s in
            "\(s.environment), \(s.label): run(s) \(s.duplicateRuns.joined(separator: ", ")) repeat a seed of another run folder "
                + "with the same configuration and are not counted as more seeds"
        }
    }

    /// `final-returns.csv`: one row per configuration.
    package func summaryCSV() -> String {
        var rows: [[String]] = []
        let header = "environment,configuration,policy,components,estimator,runs,finished,seeds,final_mean,final_ci_low,final_ci_high,final_iqm,"
                     + "area_mean,area_ci_low,area_ci_high,threshold,steps_to_threshold_median,seeds_reaching_threshold,run_seconds_mean,"
                     + "stochastic_final_mean,stochastic_final_ci_low,stochastic_final_ci_high,final_mode_masses,"
                     + "online_mean,online_ci_low,online_ci_high,final_success_mean,final_success_ci_low,final_success_ci_high"
        for s in aggregate.summaries {
            let cells: [String] = [
                s.environment, s.label, s.policy, "\(s.components)", s.estimator, "\(s.runs)", "\(s.finishedRuns)", "\(s.seeds)",
                Self.csv(s.finalReturn?.estimate), Self.csv(s.finalReturn?.lower), Self.csv(s.finalReturn?.upper), Self.csv(s.finalInterquartileMean),
                Self.csv(s.area?.estimate), Self.csv(s.area?.lower), Self.csv(s.area?.upper), Self.csv(s.threshold),
                Self.csv(s.stepsToThreshold), "\(s.reachedThreshold)", Self.csv(s.runSeconds),
                Self.csv(s.finalStochasticReturn?.estimate), Self.csv(s.finalStochasticReturn?.lower), Self.csv(s.finalStochasticReturn?.upper),
                Self.csv(s.finalModeMasses),
                Self.csv(s.onlineReturn?.estimate), Self.csv(s.onlineReturn?.lower), Self.csv(s.onlineReturn?.upper),
                Self.csv(s.finalSuccessRate?.estimate), Self.csv(s.finalSuccessRate?.lower), Self.csv(s.finalSuccessRate?.upper),
            ]
            rows.append(cells)
        }
        return Self.csvText(header, rows)
    }

    /// `runs.csv`: one row per run, in plan order, with its state and its own numbers
    /// (the inputs of the table's statistics, for re-analysis).
    package func runsCSV() -> String {
        var rows: [[String]] = []
        let header = "run,environment,configuration,policy,components,estimator,seed,state,step,steps,final_return,"
            + "final_stochastic_return,final_success_rate,final_mode_masses,training_episodes,terminated_episodes,online_return,wall_seconds"
        for s in aggregate.summaries {
            for r in s.runResults {
                let state = r.status?.state.rawValue ?? (r.stepReached == nil ? "not started" : "running")
                let cells: [String] = [
                    r.id, s.environment, s.label, s.policy, "\(s.components)", s.estimator, r.seedText, state,
                    r.stepReached.map(String.init) ?? "", r.totalSteps.map(String.init) ?? "",
                    r.isFinished ? Self.csv(r.finalReturn) : "", r.isFinished ? Self.csv(r.finalStochasticReturn) : "",
                    r.isFinished ? Self.csv(r.finalSuccessRate) : "",
                    r.isFinished ? Self.csv(r.finalModeMasses) : "", "\(r.trainingEpisodes.count)",
                    r.trainingEpisodes.terminated.map(String.init) ?? "", Self.csv(r.trainingEpisodes.meanReturn),
                    Self.csv(r.wallSeconds),
                ]
                rows.append(cells)
            }
        }
        return Self.csvText(header, rows)
    }

    /// `run-curves.csv`: every evaluation of every run (finished or not), in plan order, for
    /// re-plotting per seed or computing other statistics than the report's.
    package func runCurvesCSV() -> String {
        var rows: [[String]] = []
        for s in aggregate.summaries {
            for r in s.runResults {
                for e in r.evaluations {
                    rows.append([r.id, s.environment, s.label, r.seedText, "\(e.step)", Self.csv(e.returnMean), Self.csv(e.returnStochasticMean),
                                 Self.csv(e.successRate), Self.csv(e.modeMasses)])
                }
            }
        }
        return Self.csvText("run,environment,configuration,seed,step,return,stochastic_return,success_rate,mode_masses", rows)
    }

    /// `curves.csv`: the learning curves' points.
    package func curvesCSV() -> String {
        let rows = aggregate.summaries.flatMap { s in
            s.curve.map { p in [s.environment, s.label, "\(p.step)", "\(p.seeds)", Self.csv(p.mean), Self.csv(p.lower), Self.csv(p.upper)] }
        }
        return Self.csvText("environment,configuration,step,seeds,mean,ci_low,ci_high", rows)
    }

    // MARK: HTML and files

    /// The self-contained HTML page.
    package func html() -> String {
        var doc = HTMLDocument(title: title)
        let runs = aggregate.summaries.reduce(0) { $0 + $1.runs }
        let finished = aggregate.summaries.reduce(0) { $0 + $1.finishedRuns }
        doc.paragraph("\(runs) runs in \(aggregate.summaries.count) configurations; \(finished) finished, \(failures.count) failed, "
                      + "\(missingRuns) without evaluations yet.")
        doc.table(header: tableHeader, rows: tableRows, caption: "Final return: mean over seeds of each run's last evaluation, with a "
                  + "percentile-bootstrap \(confidenceText) (\(aggregate.options.bootstrapResamples) resamples, seed \(aggregate.options.bootstrapSeed)). "
                  + (showsStochasticReturn ? "Stochastic final return: the same, for the episodes that sample the policy instead of acting deterministically. " : "")
                  + (showsModeMasses ? "Final mass near each mode: the policy's exact probability of acting near each of the task's modes at the last evaluation, mean over seeds. " : "")
                  + (showsSuccessRate ? "Final success rate: the fraction of the last evaluation's episodes that succeeded, mean over seeds. " : "")
                  + "Only finished runs count; seeds: finished seeds (of the distinct seeds). "
                  + "IQM: interquartile mean (shown from four seeds on). Mean return over training: area under the learning curve divided by its length. "
                  + (showsOnlineReturn ? "Online return: each run's mean return over the episodes it played while training (exploration and the initial random steps included), mean over seeds." : ""))
        for env in aggregate.environments {
            doc.heading(env)
            doc.chart(learningCurves(environment: env), caption: "Evaluation return against environment steps for each configuration.")
            if let chart = finalReturnAgainstComponents(environment: env) {
                doc.chart(chart, caption: "Final evaluation return against the number of mixture components K, per policy and estimator.")
            }
        }
        let shared = sharedSettingLines(all: true)
        if !shared.isEmpty {
            doc.heading("Shared settings")
            for line in shared { doc.paragraph(line) }
        }
        let unfinished = unfinishedLines
        if !unfinished.isEmpty {
            doc.heading("Unfinished runs")
            doc.paragraph("Left out of the final return and the statistics after it; their evaluations are in the learning curves.")
            for line in unfinished { doc.paragraph(line) }
        }
        for line in duplicateLines { doc.paragraph(line) }
        if !failures.isEmpty {
            doc.heading("Failed runs")
            for f in failures {
                doc.heading("\(f.id): \(f.label)", level: 3)
                doc.preformatted(f.error ?? "no error recorded")
            }
        }
        doc.paragraph("Generated by mixrl report. Files beside this page: final-returns.csv, runs.csv, run-curves.csv, curves.csv, summary.md and the SVG plots.", className: "note")
        return doc.render()
    }

    /// Writes `report.html`, `summary.md`, `final-returns.csv`, `runs.csv`, `run-curves.csv`, `curves.csv` and the SVG
    /// plots into `folder`; returns the path of `report.html`.
    @discardableResult
    package func write(to folder: URL) throws(SweepError) -> URL {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        catch { throw SweepError("cannot create the report folder \(folder.path): \(SystemErrorText.reason(error))") }
        var files: [(String, String)] = [
            ("summary.md", markdown()), ("final-returns.csv", summaryCSV()), ("runs.csv", runsCSV()), ("run-curves.csv", runCurvesCSV()), ("curves.csv", curvesCSV()), ("report.html", html()),
        ]
        for env in aggregate.environments {
            let slug = Self.slug(env)
            files.append(("\(slug)-learning-curves.svg", learningCurves(environment: env).svg()))
            if let chart = finalReturnAgainstComponents(environment: env) { files.append(("\(slug)-final-return-vs-k.svg", chart.svg())) }
        }
        for (name, text) in files {
            do { try AtomicFile.write(text, to: folder.appendingPathComponent(name)) } catch { throw SweepError(error.description) }
        }
        return folder.appendingPathComponent("report.html")
    }

    // MARK: Formatting

    static func slug(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") ? $0 : "-" })
    }

    /// A value with three to four significant digits (magnitudes below 5e-4 show as 0.000;
    /// the CSV files keep full precision).
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v)
        if a < 5e-4 { return "0.000" }
        if a >= 1000 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }

    static func format(_ ci: ConfidenceInterval) -> String {
        "\(format(ci.estimate)) [\(format(ci.lower)), \(format(ci.upper))]"
    }

    static func csv(_ v: Double?) -> String { v.map { $0.isFinite ? "\($0)" : "" } ?? "" }

    /// Several numbers in one CSV cell, separated by semicolons (the mode masses).
    static func csv(_ values: [Double]) -> String { values.map { csv($0) }.joined(separator: ";") }

    /// A CSV file: the header line, then one line per row, each cell quoted where needed.
    static func csvText(_ header: String, _ rows: [[String]]) -> String {
        ([header] + rows.map { $0.map(csvField).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
