import Foundation
import MixAnalysis
import Testing

/// The variance benchmark on the built-in bandits, where the reference gradient is exact.
@Suite struct VarianceBanditTests {
    /// The quadrature gradient matches Richardson-extrapolated central differences of the
    /// quadrature value (an independent check of the analytic integrands).
    @Test(arguments: BanditName.allCases)
    func exactReferenceMatchesFiniteDifferences(bandit: BanditName) throws {
        let objective = try BanditProblem(bandit: bandit).exactReference(componentCount: 3)
        let gradient = objective.valueAndGradient().gradient
        let theta = objective.logits + objective.means + objective.logStds
        let h = 1e-3
        for i in theta.indices {
            func value(_ delta: Double) -> Double {
                var t = theta
                t[i] += delta
                var copy = objective
                copy.logits = Array(t[0..<3]); copy.means = Array(t[3..<6]); copy.logStds = Array(t[6..<9])
                return copy.valueAndGradient().value
            }
            let d1 = (value(h) - value(-h)) / (2 * h), d2 = (value(h / 2) - value(-h / 2)) / h
            let difference = (4 * d2 - d1) / 3
            #expect(abs(difference - gradient[i]) < 1e-6 * max(1, abs(gradient[i])),
                    "\(bandit) parameter \(i): quadrature \(gradient[i]), differences \(difference)")
        }
    }

    /// Every unbiased estimator's mean lies within 4.5 standard errors of the exact gradient
    /// on every coordinate, at budgets 1 and 2 and in the equal-compute rows, on the three
    /// bandits (the stochastic one sees single pulls). The same criterion rejects the
    /// Gumbel-softmax estimator, so it has the power to see a bias.
    @Test(arguments: BanditName.allCases)
    func estimatorMeansAgreeWithTheExactReference(bandit: BanditName) throws {
        let request = VarianceRequest(problem: .bandit(BanditProblem(bandit: bandit)), componentCounts: [3], samplesPerState: [1, 2],
                                      estimateCount: 20_000, seed: 11)
        let report = try VarianceBenchmark(request).run()
        #expect(report.rows.count == 17)  // M = 1: 4 + 4 equal-compute; M = 2: 5 (with LR+LOO) + 4
        for row in report.rows {
            let all = try #require(row.statistics(.all))
            if row.plan.estimator.isUnbiased {
                for stats in row.groups {
                    #expect(stats.maxStandardizedBias < 4.5,
                            "\(bandit) \(row.plan.label) M=\(row.plan.budget) \(stats.group.rawValue): mean is \(stats.maxStandardizedBias) standard errors from the exact gradient")
                }
                // Power: the noise in the mean is small next to the gradient itself.
                #expect(all.biasNoise < 0.5 * all.referenceNorm, "\(bandit) \(row.plan.label): noise \(all.biasNoise) vs gradient \(all.referenceNorm)")
            } else {
                #expect(all.maxStandardizedBias > 6, "\(bandit) Gumbel-softmax should be visibly biased, max z \(all.maxStandardizedBias)")
            }
        }
    }

    /// MRP's logit gradient has lower total variance than LR's (same samples per state) at
    /// every K in {2, 5, 8}, on each bandit.
    @Test(arguments: BanditName.allCases)
    func mrpLogitVarianceIsBelowLR(bandit: BanditName) throws {
        let request = VarianceRequest(problem: .bandit(BanditProblem(bandit: bandit)), componentCounts: [2, 5, 8],
                                      estimateCount: 4000, seed: 3, estimators: [.mrp, .lr], includesEqualCompute: false)
        let report = try VarianceBenchmark(request).run()
        for k in [2, 5, 8] {
            let mrp = try #require(report.row(.mrp, componentCount: k, budget: 1)?.statistics(.logits)?.totalVariance)
            let lr = try #require(report.row(.lr, componentCount: k, budget: 1)?.statistics(.logits)?.totalVariance)
            #expect(mrp < lr, "\(bandit) K = \(k): MRP logit variance \(mrp) is not below LR's \(lr)")
        }
    }

    /// The plan: equal-sample rows for every applicable estimator, equal-compute rows that
    /// give LR, hybrid and Gumbel K*M samples (as many critic evaluations as MRP), RP only
    /// at K = 1, leave-one-out only with at least two samples.
    @Test func planMatchesTheComparisons() throws {
        let benchmark = try VarianceBenchmark(VarianceRequest(problem: .bandit(BanditProblem(bandit: .symmetricBimodal)),
                                                              componentCounts: [1, 5], samplesPerState: [1, 2], estimateCount: 2))
        let plan = benchmark.plan
        #expect(plan.filter { $0.componentCount == 1 }.map(\.estimator) == [.rp, .mrp, .lr, .rp, .mrp, .lr, .lrLeaveOneOut])
        let mrp = try #require(plan.first { $0.componentCount == 5 && $0.estimator == .mrp && $0.budget == 2 })
        #expect(mrp.criticEvaluations == 10)
        let lrMatched = try #require(plan.first { $0.componentCount == 5 && $0.estimator == .lr && $0.budget == 2 && $0.comparison == .equalCompute })
        #expect(lrMatched.samples == 10 && lrMatched.criticEvaluations == mrp.criticEvaluations)
        #expect(!plan.contains { $0.estimator == .lrLeaveOneOut && $0.samples < 2 })
        #expect(benchmark.notes.count == 1)
    }

    /// The report renders as Markdown (one table per K and the ratio tables), CSV (one line
    /// per row and group), SVG charts (log-log, one series per estimator) and a folder of files.
    @Test func reportRendersTablesCSVAndCharts() throws {
        let request = VarianceRequest(problem: .bandit(BanditProblem(bandit: .asymmetricBimodal)), componentCounts: [2, 5],
                                      samplesPerState: [1, 4], estimateCount: 200, seed: 1)
        let report = try VarianceBenchmark(request).run()
        let markdown = report.markdown(command: "mixrl variance --bandit asymmetric-bimodal")
        for heading in ["### K = 2", "### K = 5", "### Logit variance relative to MRP", "### Total variance relative to MRP",
                        "### Is MRP's variance lower than LR's? (the paper's Theorem 4.3, by condition)"] {
            #expect(markdown.contains(heading), "missing \(heading)")
        }
        // The verdicts count cells from the ratio tables: 2 K x 2 M cells at equal samples
        // for LR, one condition per line, for the logits and for all parameters.
        let verdicts = report.lowerVarianceVerdicts()
        #expect(verdicts.count == 8, "\(verdicts)")
        #expect(verdicts.first?.hasPrefix("Logit gradient, LR at equal samples: MRP's variance is lower in ") == true)
        #expect(verdicts.first?.contains(" of 4 cells") == true, "\(verdicts.first ?? "")")
        let lines = report.csv().split(separator: "\n")
        #expect(lines.count == 1 + report.rows.reduce(0) { $0 + $1.groups.count })
        #expect(report.rows.allSatisfy { row in row.groups.allSatisfy { $0.totalVariance.isFinite && $0.largestEigenvalue <= $0.totalVariance * (1 + 1e-9) } })
        let charts = report.charts()
        #expect(charts.contains { $0.fileName == "variance-vs-K-logits-M1.svg" })
        #expect(charts.contains { $0.fileName == "variance-vs-samples-all-K5.svg" })
        let vsK = try #require(charts.first { $0.fileName == "variance-vs-K-logits-M1.svg" }?.chart)
        #expect(vsK.x.scale == .logarithmic && vsK.y.scale == .logarithmic)
        #expect(vsK.series.contains { $0.name == "MRP" && $0.points.count == 2 })
        #expect(vsK.series.contains { $0.name == "LR (K·M samples)" })

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("variance-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try report.write(to: folder)
        #expect(written.count == 4 + charts.count)
        #expect(written.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    }

    /// The same request gives the same numbers (timings aside); another seed other numbers.
    @Test func seededRunsRepeat() throws {
        func variances(seed: UInt64) throws -> [Double] {
            let request = VarianceRequest(problem: .bandit(BanditProblem(bandit: .stochasticBimodal)), componentCounts: [2],
                                          estimateCount: 100, seed: seed)
            return try VarianceBenchmark(request).run().rows.flatMap { $0.groups.map(\.totalVariance) }
        }
        #expect(try variances(seed: 5) == variances(seed: 5))
        #expect(try variances(seed: 5) != variances(seed: 6))
    }
}
