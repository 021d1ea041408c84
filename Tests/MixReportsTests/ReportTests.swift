import Foundation
import MixReports
import MixSweeps
import Testing

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
