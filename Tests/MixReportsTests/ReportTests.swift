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
    /// A fresh folder name under the temporary directory (the caller removes it).
    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-report-\(UUID().uuidString)")
    }

    /// A finished bandit run folder with this `eval.csv`.
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
        let folder = EvaluationLayoutReportTests.temporaryFolder()
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
        #expect(report.runsCSV().contains(",0.4;0.3,") && report.runsCSV().contains(",0.2;0.5,"))
        #expect(report.runCurvesCSV().contains("\nseed1,BimodalBandit-v0,mixture K=2 · mrp,1,500,0.0,0.5,,0.2;0.1\n"))
        #expect(report.summaryCSV().contains(",stochastic_final_mean,stochastic_final_ci_low,stochastic_final_ci_high,final_mode_masses,"))

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

/// The online return (training episodes from `metrics.csv`), the success rate (Meta-World's
/// `success_rate`) and the per-run `runs.csv`.
@Suite struct OnlineReturnAndSuccessReportTests {
    @Test func trainingEpisodesAndSuccessRatesReachTheTableAndRunsCSV() throws {
        let folder = EvaluationLayoutReportTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let header = "step,episodes,return_mean,return_std,success_rate\n"
        try EvaluationLayoutReportTests.writeRun(folder, id: "seed1", seed: 1, eval: header + "500,5,2.0,0.0,0.2\n1000,5,4.0,0.0,0.6\n")
        try EvaluationLayoutReportTests.writeRun(folder, id: "seed2", seed: 2, eval: header + "1000,5,6.0,0.0,1.0\n")
        // Episode lines among update statistics; a malformed line and other kinds are skipped.
        let metrics = """
            step,wall_seconds,kind,name,value
            100,0.5,train,alpha,0.9
            999,1.0,episode,return,-999.0
            999,1.0,episode,length,999
            999,1.0,episode,terminated,0
            1500,1.5,episode,return,-500.0
            1500,1.5,episode,length,501
            1500,1.5,episode,terminated,1
            1600,1.6,episode,return,oops
            1700,1.7,eval,return_mean,-3.0

            """
        try metrics.write(to: folder.appendingPathComponent("runs/seed1/metrics.csv"), atomically: true, encoding: .utf8)
        try "step,wall_seconds,kind,name,value\n999,2.0,episode,return,-101.0\n"
            .write(to: folder.appendingPathComponent("runs/seed2/metrics.csv"), atomically: true, encoding: .utf8)
        let results = RunResultLoader.load(from: folder)
        #expect(results.map(\.trainingEpisodes.count) == [2, 1])
        #expect(results.map(\.trainingEpisodes.meanReturn) == [-749.5, -101.0])
        // seed2 was logged before `episode/terminated` existed: unknown, not zero.
        #expect(results.map(\.trainingEpisodes.terminated) == [1, nil])
        #expect(results.map(\.finalSuccessRate) == [0.6, 1.0])
        #expect(results.first?.evaluations.map(\.successRate) == [0.2, 0.6])

        var options = ReportOptions()
        options.bootstrapResamples = 200
        let report = SweepReport(title: "t", aggregate: SweepAggregate(results: results, options: options))
        let summary = try #require(report.aggregate.summaries.first)
        #expect(abs((summary.onlineReturn?.estimate ?? 0) - (-425.25)) < 1e-12)
        #expect(abs((summary.finalSuccessRate?.estimate ?? 0) - 0.8) < 1e-12)
        #expect(report.tableHeader == ["environment", "configuration", "seeds", "final return (95% CI)", "final success rate (95% CI)", "IQM",
                                       "mean return over training", "online return (95% CI)", "steps to threshold", "run time"])
        #expect(report.tableRows.allSatisfy { $0.count == report.tableHeader.count })
        #expect(report.tableRows.first?[4].hasPrefix("0.800 [") == true)
        #expect(report.tableRows.first?[7].hasPrefix("-425.2 [") == true)
        #expect(report.summaryCSV().contains(",online_mean,online_ci_low,online_ci_high,final_success_mean,final_success_ci_low,final_success_ci_high\n"))

        let rows = report.runsCSV().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3)
        let columns = rows[0]
        func cell(_ row: Int, _ name: String) -> String? { columns.firstIndex(of: name).map { rows[row][$0] } }
        #expect(rows.allSatisfy { $0.count == columns.count })
        #expect(cell(1, "run") == "seed1" && cell(1, "seed") == "1" && cell(1, "state") == "finished")
        #expect(cell(1, "final_return") == "4.0" && cell(1, "final_success_rate") == "0.6")
        #expect(cell(1, "training_episodes") == "2" && cell(1, "online_return") == "-749.5" && cell(1, "wall_seconds") == "1.7")
        #expect(cell(2, "online_return") == "-101.0" && cell(2, "final_success_rate") == "1.0")
        #expect(cell(1, "terminated_episodes") == "1" && cell(2, "terminated_episodes") == "")

        // run-curves.csv: every evaluation of every run, with its seed and success rate.
        let curves = report.runCurvesCSV().split(separator: "\n").map(String.init)
        #expect(curves == ["run,environment,configuration,seed,step,return,stochastic_return,success_rate,mode_masses",
                           "seed1,BimodalBandit-v0,mixture K=2 · mrp,1,500,2.0,,0.2,", "seed1,BimodalBandit-v0,mixture K=2 · mrp,1,1000,4.0,,0.6,",
                           "seed2,BimodalBandit-v0,mixture K=2 · mrp,2,1000,6.0,,1.0,"])
    }
}
