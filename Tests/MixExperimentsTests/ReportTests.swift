import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MixCharts
import MixReports
import MixSweeps
import Testing

/// Parses XML and collects what the tests look for.
final class SVGProbe: NSObject, XMLParserDelegate {
    var seriesNames: [String] = []
    var legendNames: [String] = []
    var classes: [String: Int] = [:]
    var lineCoordinates: [String: Int] = [:]
    var texts: [String] = []
    var currentSeries: String?
    var text = ""

    static func parse(_ svg: String) -> SVGProbe? {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        return parser.parse() ? probe : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let cls = attributes["class"] ?? ""
        classes[cls, default: 0] += 1
        if cls == "series", let n = attributes["data-name"] { seriesNames.append(n); currentSeries = n }
        if cls == "legend-entry", let n = attributes["data-name"] { legendNames.append(n) }
        if cls == "line", let s = currentSeries, let d = attributes["d"] { lineCoordinates[s] = d.split(separator: " ").count }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(text) }
    }
}

@Suite struct StatisticsTests {
    @Test func quantilesAndRobustMeans() {
        #expect(Statistics.quantile(sorted: [1, 2, 3, 4], 0.5) == 2.5)
        #expect(Statistics.quantile(sorted: [1, 2, 3, 4], 0.25) == 1.75)
        #expect(Statistics.interquartileMean([100, 1, 2, 3, 4]) == 3)
        #expect(Statistics.interquartileMean([1, 2]) == 1.5)
        #expect(Statistics.normalizedArea(x: [0, 10], y: [0, 10]) == 5)
        #expect(Statistics.normalizedArea(x: [0, 1, 3], y: [2, 2, 2]) == 2)
        #expect(abs(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138089935) < 1e-8)
    }

    @Test func bootstrapOnKnownData() {
        // Two values: resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so
        // the 95% percentile interval is exactly [0, 1].
        let two = Statistics.bootstrapInterval([0, 1], resamples: 10_000, seed: 1)
        #expect(two == ConfidenceInterval(estimate: 0.5, lower: 0, upper: 1))
        // Constant data and a single value have zero width.
        #expect(Statistics.bootstrapInterval([3, 3, 3, 3]) == ConfidenceInterval(estimate: 3, lower: 3, upper: 3))
        #expect(Statistics.bootstrapInterval([7]) == ConfidenceInterval(estimate: 7, lower: 7, upper: 7))
        // 1...100: mean 50.5, standard error 2.901, so the interval is close to 50.5 ± 1.96 * 2.901.
        let ci = Statistics.bootstrapInterval((1...100).map(Double.init), resamples: 20_000, seed: 7)
        #expect(ci.estimate == 50.5)
        #expect(abs(ci.lower - (50.5 - 5.686)) < 0.6, "\(ci)")
        #expect(abs(ci.upper - (50.5 + 5.686)) < 0.6, "\(ci)")
        // Seeded: the same seed gives the same interval, another seed (almost surely) another.
        let values = [-210.3, -180.1, -150.7, -400.2, -165.9, -171.4, -190.6, -230.8, -158.2, -149.5]
        #expect(Statistics.bootstrapInterval(values, resamples: 500, seed: 3) == Statistics.bootstrapInterval(values, resamples: 500, seed: 3))
        #expect(Statistics.bootstrapInterval(values, resamples: 500, seed: 3) != Statistics.bootstrapInterval(values, resamples: 500, seed: 4))
        // Another statistic: the interval of the median of three values lies within their range.
        let median = Statistics.bootstrapInterval([1, 2, 10], statistic: { Statistics.quantile(sorted: $0.sorted(), 0.5) })
        #expect(median.estimate == 2 && median.lower >= 1 && median.upper <= 10)
    }
}

@Suite struct ChartTests {
    let chart = Chart(
        title: "Pendulum-v1: learning curves <&>",
        x: ChartAxis(label: "environment steps"),
        y: ChartAxis(label: "evaluation return"),
        series: [
            ChartSeries(name: "gaussian · rp", points: (0...10).map { ChartPoint(x: Double($0 * 2000), y: -1200 + Double($0) * 100) },
                        band: (0...10).map { ChartInterval(x: Double($0 * 2000), lower: -1250 + Double($0) * 100, upper: -1150 + Double($0) * 100) }),
            ChartSeries(name: "mixture K=5 · mrp", points: [ChartPoint(x: 0, y: -1300), ChartPoint(x: 10_000, y: .nan), ChartPoint(x: 20_000, y: -150)]),
        ])

    @Test func svgParsesAndHoldsEverySeries() throws {
        let svg = chart.svg()
        let probe = try #require(SVGProbe.parse(svg))
        #expect(probe.seriesNames == ["gaussian · rp", "mixture K=5 · mrp"])
        #expect(probe.legendNames == probe.seriesNames)
        #expect(probe.classes["band"] == 1)
        #expect(probe.classes["line"] == 2)
        #expect(probe.lineCoordinates["gaussian · rp"] == 11)
        #expect(probe.lineCoordinates["mixture K=5 · mrp"] == 2)  // NaN breaks the line: M.. M..
        #expect(probe.texts.contains("Pendulum-v1: learning curves <&>"))
        #expect(probe.texts.contains("environment steps"))
        #expect(probe.texts.contains("evaluation return"))
        #expect(probe.texts.contains("20k") && probe.texts.contains("-1200"))
        #expect(svg == chart.svg())  // byte-stable
    }

    @Test func logarithmicAxesForTheVarianceBenchmark() throws {
        let variance = Chart(title: "Gradient variance against K",
                             x: ChartAxis(label: "components K", scale: .logarithmic, ticks: [1, 2, 4, 8, 16]),
                             y: ChartAxis(label: "variance (log scale)", scale: .logarithmic),
                             series: [ChartSeries(name: "LR", points: [1, 2, 4, 8, 16].map { ChartPoint(x: $0, y: 0.01 * $0 * $0) },
                                                  errorBars: [ChartInterval(x: 4, lower: 0.1, upper: 0.2)], drawsMarkers: true),
                                      ChartSeries(name: "MRP", points: [1, 2, 4, 8, 16].map { ChartPoint(x: $0, y: 0.001 * $0) }, drawsMarkers: true),
                                      ChartSeries(name: "invalid", points: [ChartPoint(x: 0, y: -1)])])
        let probe = try #require(SVGProbe.parse(variance.svg()))
        #expect(probe.seriesNames == ["LR", "MRP", "invalid"])
        #expect(probe.classes["marker"] == 10)  // the non-positive point is left out
        #expect(probe.classes["error-bar"] == 1)
        for label in ["1", "2", "4", "8", "16", "0.001", "0.01", "0.1", "1"] { #expect(probe.texts.contains(label), "tick \(label)") }
    }

    @Test func htmlEmbedsCharts() {
        var doc = HTMLDocument(title: "T & <x>")
        doc.table(header: ["a", "b"], rows: [["1", "<2>"]])
        doc.chart(chart, caption: "c")
        let html = doc.render()
        #expect(html.contains("<title>T &amp; &lt;x&gt;</title>"))
        #expect(html.contains("<td>&lt;2&gt;</td>"))
        #expect(html.contains("data-name=\"gaussian · rp\""))
        #expect(!html.contains("<script"))
    }
}

@Suite struct SlurmScriptTests {
    @Test func scriptHasTheArrayAndTheRequeueProtocol() throws {
        let spec = try SweepSpec.parse(baseSpec + """

            [slurm]
            partition = "cpu"
            time = "02:00:00"
            memory = "2G"
            array_limit = 3
            qos = "short"
            setup = ["module load openblas"]
            directives = ["--exclusive"]
            """, source: "spec.toml", overrides: ["steps=500"])
        let plan = try spec.plan()
        let script = SlurmArrayScript(plan: plan, options: spec.slurm, mixrl: "/opt/mixrl", specPath: "/data/sweeps/test/sweep.toml",
                                      overrides: spec.overrides, extraArguments: ["--train-command", "/opt/my train.sh"],
                                      workingDirectory: "/data", sweepFolder: "/data/sweeps/test", threadsPerRun: 1).render()
        for line in ["#SBATCH --array=0-19%3", "#SBATCH --time=02:00:00", "#SBATCH --mem=2G", "#SBATCH --cpus-per-task=1",
                     "#SBATCH --partition=cpu", "#SBATCH --qos=short", "#SBATCH --signal=B:TERM@120", "#SBATCH --requeue",
                     "#SBATCH --exclusive", "#SBATCH --output=/data/sweeps/test/slurm/%A_%a.out", "module load openblas",
                     "export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1", "trap on_term TERM",
                     "/opt/mixrl sweep run-one /data/sweeps/test/sweep.toml --index \"$SLURM_ARRAY_TASK_ID\" --set steps=500 --train-command '/opt/my train.sh' &",
                     "    scontrol requeue \"$task\""] {
            #expect(script.contains(line + "\n"), "missing: \(line)")
        }
        #expect(script.hasPrefix("#!/bin/bash\n"))
    }
}

/// The report reads both eval.csv layouts: the five columns of older runs (and of the
/// fake `train`), and the newer one with the stochastic return and mode masses appended.
@Suite struct EvaluationLayoutReportTests {
    static func writeRun(_ folder: URL, id: String, seed: Int, eval: String) throws {
        let run = folder.appendingPathComponent("runs/\(id)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try #"{"environment": "BimodalBandit-v0", "policy": "mixture", "components": 2, "estimator": "mrp", "seed": \#(seed)}"#
            .write(to: run.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try eval.write(to: run.appendingPathComponent("eval.csv"), atomically: true, encoding: .utf8)
        // Finished: only finished runs count in the final-return statistics.
        try #"{"state": "finished"}"#.write(to: run.appendingPathComponent("status.json"), atomically: true, encoding: .utf8)
    }

    @Test func theNewColumnsReachTheTableAndTheOldLayoutStillReads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let header = "step,episodes,return_mean,return_std,success_rate,return_stochastic_mean,return_stochastic_std,mode_mass_0,mode_mass_1\n"
        try Self.writeRun(folder, id: "seed1", seed: 1, eval: header + "500,100,0.0,0.0,,0.5,0.7,0.2,0.1\n1000,100,0.0,0.0,,1.0,0.7,0.4,0.3\n")
        try Self.writeRun(folder, id: "seed2", seed: 2, eval: header + "1000,100,1.5,0.0,,1.2,0.7,0.2,0.5\n")
        let results = RunResultLoader.load(from: folder)
        #expect(results.map(\.finalStochasticReturn) == [1.0, 1.2])
        #expect(results.map(\.finalModeMasses) == [[0.4, 0.3], [0.2, 0.5]])
        var options = ReportOptions()
        options.bootstrapResamples = 200
        let report = SweepReport(title: "t", aggregate: SweepAggregate(results: results, options: options))
        let summary = try #require(report.aggregate.summaries.first)
        #expect(abs((summary.finalStochasticReturn?.estimate ?? 0) - 1.1) < 1e-12)
        #expect(zip(summary.finalModeMasses, [0.3, 0.4]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(report.tableHeader.contains("stochastic final return (95% CI)") && report.tableHeader.contains("final mass near each mode"))
        #expect(report.tableRows.allSatisfy { $0.count == report.tableHeader.count })
        #expect(report.tableRows.first?.contains("0.300 / 0.400") == true)
        #expect(report.summaryCSV().contains(",stochastic_final_mean,stochastic_final_ci_low,stochastic_final_ci_high,final_mode_masses\n"))

        // The old layout: same table as before these columns existed.
        let old = folder.appendingPathComponent("old")
        try Self.writeRun(old, id: "seed1", seed: 1, eval: "step,episodes,return_mean,return_std,success_rate\n1000,5,-3,1.5,\n")
        let oldResults = RunResultLoader.load(from: old)
        #expect(oldResults.first?.evaluations == [EvaluationPoint(step: 1000, returnMean: -3)])
        #expect(oldResults.first?.finalStochasticReturn == nil)
        let oldReport = SweepReport(title: "t", aggregate: SweepAggregate(results: oldResults, options: options))
        #expect(oldReport.tableHeader == ["environment", "configuration", "seeds", "final return (95% CI)", "IQM",
                                          "mean return over training", "steps to threshold", "run time"])
        #expect(oldReport.tableRows.allSatisfy { $0.count == oldReport.tableHeader.count })
    }
}
