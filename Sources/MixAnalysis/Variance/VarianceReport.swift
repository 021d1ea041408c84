import Foundation
import MixCharts

/// The reference gradient at one K.
package struct VarianceReference: Sendable, Equatable, Codable {
    /// The number of components.
    package var componentCount: Int
    /// How it was obtained (`exact quadrature`, or the MRP average's settings).
    package var method: String
    /// The gradient of the actor loss, in the layout of the estimates (logits unless
    /// K = 1, then means, then log-stds; state-major).
    package var gradient: [Double]
    /// Per coordinate, the variance of a sampled reference's mean; nil when exact.
    package var varianceOfMean: [Double]?

    /// The norm of ``gradient``.
    package var norm: Double { gradient.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    /// The norm of the reference's own standard errors (0 when exact).
    package var standardErrorNorm: Double { (varianceOfMean?.reduce(0, +) ?? 0).squareRoot() }
}

/// One measured row: an estimator at one K and budget, summarized per parameter group.
package struct VarianceCell: Sendable, Equatable, Codable {
    /// What was run.
    package var plan: VarianceRowPlan
    /// N, the independent estimates drawn.
    package var estimateCount: Int
    /// Wall-clock seconds per estimate, amortized over batched passes.
    package var secondsPerEstimate: Double
    /// Statistics per group (logits absent at K = 1), ending with `all`.
    package var groups: [GroupStatistics]

    /// The statistics of `group`, if the row has it.
    package func statistics(_ group: ParameterGroup) -> GroupStatistics? { groups.first { $0.group == group } }
}

/// The results of a benchmark, as values, with their renderings as Markdown, CSV and charts.
package struct VarianceReport: Sendable, Equatable, Codable {
    /// A one-line title.
    package var title: String
    /// The problem, the temperature and the reference, in one sentence.
    package var problemDescription: String
    /// States per estimate.
    package var stateCount: Int
    /// N per row.
    package var estimateCount: Int
    /// The seed.
    package var seed: UInt64
    /// One reference per K.
    package var references: [VarianceReference]
    /// Every row, in plan order.
    package var rows: [VarianceCell]
    /// Rows left out and why.
    package var notes: [String]

    /// The component counts, ascending.
    package var componentCounts: [Int] { Array(Set(rows.map(\.plan.componentCount))).sorted() }
    /// The budgets, ascending.
    package var budgets: [Int] { Array(Set(rows.map(\.plan.budget))).sorted() }

    /// The row of `estimator` at K, budget and comparison, if measured.
    package func row(_ estimator: VarianceEstimatorKind, componentCount k: Int, budget m: Int,
                    comparison: VarianceComparison = .equalSamples) -> VarianceCell? {
        rows.first { $0.plan.estimator == estimator && $0.plan.componentCount == k && $0.plan.budget == m && $0.plan.comparison == comparison }
    }

    // MARK: Markdown

    /// `%.3g` for statistics, so that values over many orders of magnitude stay readable.
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.3g", x) : "—" }

    /// The tables, under a level-2 title so that the output can be pasted into a document:
    /// one table per K (every budget and comparison), then the logit and total variance of
    /// every estimator relative to MRP's. `command`, if given, is quoted first.
    package func markdown(command: String? = nil) -> String {
        var out = "## \(title)\n\n"
        if let command { out += "```\n\(command)\n```\n\n" }
        out += "\(problemDescription). N = \(estimateCount) independent estimates per row, seed \(seed), "
            + "\(stateCount) state\(stateCount == 1 ? "" : "s") per estimate.\n\n"
        out += "Columns: `var` is the total variance (trace of the covariance) of one gradient estimate for each parameter group; "
            + "`λmax` the largest eigenvalue of the covariance of all parameters; `bias` the norm of (mean estimate − reference) "
            + "over all parameters, with the norm expected from noise alone in brackets; `cos` the cosine between the mean estimate "
            + "and the reference; `evals` critic evaluations per estimate; `µs` wall time per estimate (batched).\n\n"
        for k in componentCounts {
            let reference = references.first { $0.componentCount == k }
            out += "### K = \(k)\n\n"
            if let reference {
                out += "Reference: \(reference.method), norm \(Self.number(reference.norm))"
                    + (reference.varianceOfMean == nil ? "" : ", standard-error norm \(Self.number(reference.standardErrorNorm))") + ".\n\n"
            }
            let cells = rows.filter { $0.plan.componentCount == k }
            let hasLogits = cells.contains { $0.statistics(.logits) != nil }
            var header = ["estimator", "M", "comparison", "samples", "evals"]
            if hasLogits { header.append("var logits") }
            header += ["var means", "var log-stds", "var all", "λmax all", "bias all (noise)", "cos all", "µs"]
            let tableRows = cells.map { cell -> [String] in
                var r = [cell.plan.estimator.label, "\(cell.plan.budget)", cell.plan.comparison.rawValue,
                         "\(cell.plan.samples)" + (cell.plan.estimator == .mrp ? "/component" : ""), "\(cell.plan.criticEvaluations)"]
                if hasLogits { r.append(cell.statistics(.logits).map { Self.number($0.totalVariance) } ?? "—") }
                let all = cell.statistics(.all)
                r += [cell.statistics(.means).map { Self.number($0.totalVariance) } ?? "—",
                      cell.statistics(.logStds).map { Self.number($0.totalVariance) } ?? "—",
                      all.map { Self.number($0.totalVariance) } ?? "—",
                      all.map { Self.number($0.largestEigenvalue) } ?? "—",
                      all.map { "\(Self.number($0.biasNorm)) (\(Self.number($0.biasNoise)))" } ?? "—",
                      all.map { String(format: "%.4f", $0.cosineSimilarity) } ?? "—",
                      String(format: "%.1f", cell.secondsPerEstimate * 1e6)]
                return r
            }
            out += MarkdownTable(header: header, rows: tableRows).render() + "\n"
        }
        for group in [ParameterGroup.logits, .all] {
            if let table = ratioTable(group) {
                out += "### \(group == .logits ? "Logit" : "Total") variance relative to MRP\n\n"
                out += "Each entry is the estimator's `var \(group.rawValue)` divided by MRP's at the same K and M: above 1, MRP's is lower. "
                    + "Columns marked (K·M) are the equal-compute rows, which evaluate the critic as often as MRP.\n\n"
                out += table.render() + "\n"
            }
        }
        let verdicts = lowerVarianceVerdicts()
        if !verdicts.isEmpty {
            out += "### Is MRP's variance lower than LR's? (the paper's Theorem 4.3, by condition)\n\n"
                + verdicts.map { "- \($0)\n" }.joined() + "\n"
        }
        if !notes.isEmpty {
            out += "Notes:\n\n" + notes.map { "- \($0)\n" }.joined() + "\n"
        }
        return out
    }

    /// The claim "MRP's gradient has lower variance than LR's" split by the conditions it
    /// depends on (parameter group; equal samples or equal critic cost; with or without
    /// the leave-one-out baseline), each with the number of (K, M) cells where it holds
    /// and the range of the ratios, so that no sentence says more than the rows show.
    package func lowerVarianceVerdicts() -> [String] {
        var lines: [String] = []
        let conditions: [(VarianceEstimatorKind, VarianceComparison)] = [
            (.lr, .equalSamples), (.lrLeaveOneOut, .equalSamples), (.lr, .equalCompute), (.lrLeaveOneOut, .equalCompute),
        ]
        for group in [ParameterGroup.logits, .all] {
            for (kind, comparison) in conditions {
                var ratios: [Double] = []
                for k in componentCounts where k > 1 {
                    for m in budgets {
                        guard let mrp = row(.mrp, componentCount: k, budget: m)?.statistics(group)?.totalVariance, mrp > 0,
                              let other = row(kind, componentCount: k, budget: m, comparison: comparison)?.statistics(group)?.totalVariance
                        else { continue }
                        ratios.append(other / mrp)
                    }
                }
                guard let low = ratios.min(), let high = ratios.max() else { continue }
                let lower = ratios.filter { $0 > 1 }.count
                let what = group == .logits ? "Logit gradient" : "All parameters"
                let cost = comparison == .equalSamples ? "at equal samples" : "at equal critic cost (K·M samples)"
                lines.append("\(what), \(kind.label) \(cost): MRP's variance is lower in \(lower) of \(ratios.count) cells "
                             + "(\(kind.label) / MRP from \(Self.number(low)) to \(Self.number(high))).")
            }
        }
        return lines
    }

    /// Variance of every other row over MRP's at the same K and budget (K >= 2 only).
    func ratioTable(_ group: ParameterGroup) -> MarkdownTable? {
        var columns: [(VarianceEstimatorKind, VarianceComparison)] = []
        for cell in rows where cell.plan.estimator != .mrp && cell.plan.componentCount > 1 {
            let c = (cell.plan.estimator, cell.plan.comparison)
            if !columns.contains(where: { $0 == c }) { columns.append(c) }
        }
        columns.sort { ($0.1 == .equalSamples ? 0 : 1, Self.order($0.0)) < ($1.1 == .equalSamples ? 0 : 1, Self.order($1.0)) }
        var tableRows: [[String]] = []
        for k in componentCounts where k > 1 {
            for m in budgets {
                guard let mrp = row(.mrp, componentCount: k, budget: m)?.statistics(group)?.totalVariance, mrp > 0 else { continue }
                tableRows.append(["\(k)", "\(m)"] + columns.map { kind, comparison in
                    row(kind, componentCount: k, budget: m, comparison: comparison)?.statistics(group)
                        .map { Self.number($0.totalVariance / mrp) } ?? "—"
                })
            }
        }
        guard !columns.isEmpty, !tableRows.isEmpty else { return nil }
        return MarkdownTable(header: ["K", "M"] + columns.map { $0.1 == .equalSamples ? $0.0.label : "\($0.0.label) (K·M)" }, rows: tableRows)
    }

    static func order(_ kind: VarianceEstimatorKind) -> Int { VarianceEstimatorKind.allCases.firstIndex(of: kind) ?? 0 }

    // MARK: CSV

    /// One line per row and parameter group, every statistic.
    package func csv() -> String {
        var out = "components,budget,estimator,comparison,samples,critic_evaluations,estimates,seconds_per_estimate,"
            + "group,dimension,total_variance,largest_eigenvalue,bias_norm,bias_noise,cosine_similarity,max_standardized_bias,mean_norm,reference_norm\n"
        for cell in rows {
            let p = cell.plan
            for g in cell.groups {
                let fields: [String] = [
                    "\(p.componentCount)", "\(p.budget)", p.estimator.rawValue, p.comparison.rawValue, "\(p.samples)",
                    "\(p.criticEvaluations)", "\(cell.estimateCount)", "\(cell.secondsPerEstimate)", g.group.rawValue, "\(g.dimension)",
                    "\(g.totalVariance)", "\(g.largestEigenvalue)", "\(g.biasNorm)", "\(g.biasNoise)", "\(g.cosineSimilarity)",
                    "\(g.maxStandardizedBias)", "\(g.meanNorm)", "\(g.referenceNorm)",
                ]
                out += fields.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// The reference gradients, one line per coordinate.
    package func referenceCSV() -> String {
        var out = "components,index,value,standard_error\n"
        for r in references {
            for (i, v) in r.gradient.enumerated() {
                out += "\(r.componentCount),\(i),\(v),\(r.varianceOfMean.map { $0[i].squareRoot() } ?? 0)\n"
            }
        }
        return out
    }

    // MARK: Charts

    /// The series name of a row, independent of K (equal-compute rows say `K·M`).
    static func seriesName(_ plan: VarianceRowPlan) -> String {
        plan.comparison == .equalSamples ? plan.estimator.label : "\(plan.estimator.label) (K·M samples)"
    }

    /// Log-log charts of the total variance: against K (one per group in {logits, all} and
    /// budget) and against the samples per state (one per group and K). Each is named by
    /// the file it should be written to.
    package func charts() -> [(fileName: String, chart: Chart)] {
        var out: [(String, Chart)] = []
        let ks = componentCounts, ms = budgets
        for group in [ParameterGroup.logits, .all] {
            for m in ms {
                let series = seriesPoints(group: group, select: { $0.plan.budget == m }, x: { Double($0.plan.componentCount) })
                guard !series.isEmpty else { continue }
                out.append(("variance-vs-K-\(group.rawValue)-M\(m).svg", Chart(
                    title: "Total variance of the \(group == .all ? "full" : group.rawValue) gradient against K",
                    subtitle: "\(title.replacingOccurrences(of: "Gradient variance: ", with: "")), M = \(m) sample\(m == 1 ? "" : "s") per state",
                    x: ChartAxis(label: "mixture components K", scale: .logarithmic, ticks: ks.map(Double.init)),
                    y: ChartAxis(label: "trace of the covariance (\(group.rawValue))", scale: .logarithmic), series: series)))
            }
            for k in ks {
                let series = seriesPoints(group: group, select: { $0.plan.componentCount == k }, x: { Double($0.plan.budget) })
                guard !series.isEmpty else { continue }
                out.append(("variance-vs-samples-\(group.rawValue)-K\(k).svg", Chart(
                    title: "Total variance of the \(group == .all ? "full" : group.rawValue) gradient against samples per state",
                    subtitle: "\(title.replacingOccurrences(of: "Gradient variance: ", with: "")), K = \(k)",
                    x: ChartAxis(label: "samples per state M (MRP: per component)", scale: .logarithmic, ticks: ms.map(Double.init)),
                    y: ChartAxis(label: "trace of the covariance (\(group.rawValue))", scale: .logarithmic), series: series)))
            }
        }
        return out
    }

    func seriesPoints(group: ParameterGroup, select: (VarianceCell) -> Bool, x: (VarianceCell) -> Double) -> [ChartSeries] {
        var names: [(name: String, order: Int)] = [], points: [String: [ChartPoint]] = [:]
        for cell in rows where select(cell) {
            guard let v = cell.statistics(group)?.totalVariance, v > 0 else { continue }
            let name = Self.seriesName(cell.plan)
            if points[name] == nil {
                // Equal-sample series first, each comparison in estimator order, whatever row came first.
                names.append((name, (cell.plan.comparison == .equalSamples ? 0 : 100) + Self.order(cell.plan.estimator)))
            }
            points[name, default: []].append(ChartPoint(x: x(cell), y: v))
        }
        return names.sorted { $0.order < $1.order }.map(\.name).map { ChartSeries(name: $0, points: (points[$0] ?? []).sorted { $0.x < $1.x }, drawsMarkers: true) }
    }

    // MARK: HTML

    /// One page with the tables and every chart.
    package func html(command: String? = nil) -> String {
        var page = HTMLDocument(title: title)
        if let command { page.preformatted(command) }
        page.paragraph("\(problemDescription). N = \(estimateCount) estimates per row, seed \(seed), \(stateCount) state(s) per estimate.")
        for k in componentCounts {
            page.heading("K = \(k)")
            let cells = rows.filter { $0.plan.componentCount == k }
            let groups = ParameterGroup.allCases.filter { g in cells.contains { $0.statistics(g) != nil } }
            var header = ["estimator", "M", "comparison", "samples", "evals"]
            for g in groups { header += ["var \(g.rawValue)", "λmax \(g.rawValue)"] }
            header += ["bias all", "noise", "cos all", "µs"]
            var tableRows: [[String]] = []
            for cell in cells {
                var r: [String] = [cell.plan.estimator.label, "\(cell.plan.budget)", cell.plan.comparison.rawValue,
                                   "\(cell.plan.samples)", "\(cell.plan.criticEvaluations)"]
                for g in groups {
                    if let s = cell.statistics(g) {
                        r += [Self.number(s.totalVariance), Self.number(s.largestEigenvalue)]
                    } else {
                        r += ["—", "—"]
                    }
                }
                if let all = cell.statistics(.all) {
                    r += [Self.number(all.biasNorm), Self.number(all.biasNoise), String(format: "%.4f", all.cosineSimilarity)]
                } else {
                    r += ["—", "—", "—"]
                }
                r.append(String(format: "%.1f", cell.secondsPerEstimate * 1e6))
                tableRows.append(r)
            }
            page.table(header: header, rows: tableRows)
        }
        for (_, chart) in charts() { page.chart(chart) }
        for verdict in lowerVarianceVerdicts() { page.paragraph(verdict) }
        for note in notes { page.paragraph(note, className: "note") }
        return page.render()
    }
}
