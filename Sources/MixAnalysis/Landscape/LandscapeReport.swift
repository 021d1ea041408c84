import Foundation
import MixCharts

/// The renderings of a landscape scan: Markdown (what the command prints), CSV of every
/// stationary point, SVG charts and an HTML page in the style of the sweep report.
package struct LandscapeReport: Sendable {
    /// The scan's results.
    package var result: LandscapeResult
    /// The answers drawn from them.
    package var findings: LandscapeFindings

    /// The report of `result`.
    package init(_ result: LandscapeResult) {
        self.result = result
        self.findings = LandscapeFindings(result)
    }

    static func g(_ x: Double, _ digits: Int = 4) -> String { x.isFinite ? String(format: "%.\(digits)g", x) : "—" }

    /// `0.5773 (0.3849 r_max)`.
    static func alphaText(_ bound: LandscapeBranch.Bound?, rMax: Double) -> String {
        guard let bound else { return "none on the grid" }
        guard let hi = bound.firstMissing else { return "beyond the grid (still present at alpha = \(g(bound.lastFound)))" }
        let half = 0.5 * (hi - bound.lastFound)
        return "\(g(bound.estimate)) ± \(g(half, 2)) (\(g(bound.estimate / rMax)) r_max)"
    }

    /// One sentence per finding, per problem.
    package func findingLines() -> [(problem: String, lines: [String])] {
        findings.problems.map { p in
            var lines = [String]()
            let modeName = { (m: Int) in "mode \(m + 1) (a = \(Self.g(p.modeCentres[m])))" }
            if let t = p.gaussianThreshold {
                lines.append("Gaussian (K = 1): a local maximum covering a single mode exists up to alpha = \(Self.alphaText(t, rMax: p.maximumReward)); "
                             + "above it the Gaussian has no on-mode stationary point left (the paper's figure is about 1.5 r_max = \(Self.g(1.5 * p.maximumReward))).")
                for m in p.gaussianOnMode.keys.sorted() {
                    lines.append("  - on \(modeName(m)): last at alpha = \(Self.alphaText(p.gaussianOnMode[m], rMax: p.maximumReward))")
                }
            } else {
                lines.append("Gaussian (K = 1): no local maximum covering a single mode on the grid.")
            }
            for k in p.mixtureAllModes.keys.sorted() {
                lines.append("Mixture K = \(k): a local maximum covering every mode exists up to alpha = \(Self.alphaText(p.mixtureAllModes[k] ?? nil, rMax: p.maximumReward)).")
            }
            for k in p.mixtureAllModesAboveGaussianThreshold.keys.sorted() {
                guard let above = p.mixtureAllModesAboveGaussianThreshold[k] else { continue }
                let kinds = above.kinds.map(\.rawValue)
                lines.append("Mixture K = \(k) at alpha = \(Self.g(above.alpha)) (the first grid temperature above the Gaussian's threshold): "
                             + (kinds.isEmpty ? "no stationary point covers every mode." : "stationary points covering every mode: \(kinds.joined(separator: ", "))."))
            }
            if p.bestModes.count < p.modeCentres.count, !p.gaussianByAlpha.isEmpty {
                let wrong = p.gaussianByAlpha.filter(\.wrongModeMaximum).map(\.alpha)
                let wrongModes = p.modeCentres.indices.filter { !p.bestModes.contains($0) }
                if let last = wrong.max(), let first = wrong.min() {
                    let bound = wrongModes.compactMap { p.gaussianOnMode[$0] }.max { $0.estimate < $1.estimate }
                    lines.append("Gaussian on the wrong mode (\(wrongModes.map(modeName).joined(separator: ", "))): a local maximum there exists at grid temperatures \(Self.g(first)) to \(Self.g(last))"
                                 + (bound.map { " (last at alpha = \(Self.alphaText($0, rMax: p.maximumReward)))" } ?? "") + ".")
                } else {
                    lines.append("Gaussian on the wrong mode: no local maximum covers only a lower mode on the grid.")
                }
                let settled = p.gaussianByAlpha.filter { $0.wrongAscents > 0 }
                if settled.isEmpty {
                    lines.append("No fresh start's ascent ended on a wrong mode.")
                } else {
                    lines.append("Ascents from the fresh starts that settled on a wrong mode: "
                                 + settled.map { "\($0.wrongAscents)/\($0.ascents) at alpha = \(Self.g($0.alpha))" }.joined(separator: ", ") + ".")
                }
                let misplaced = p.gaussianByAlpha.filter { !$0.globalCovers.isEmpty && !$0.globalCovers.contains(where: p.bestModes.contains) }
                lines.append(misplaced.isEmpty ? "The Gaussian's global maximum never covers only a wrong mode."
                             : "The Gaussian's global maximum covers only a wrong mode at alpha = \(misplaced.map { Self.g($0.alpha) }.joined(separator: ", ")).")
            }
            return (p.name, lines)
        }
    }

    /// The table of local-maximum ranges: problem, K, covered modes, last temperature.
    package func maximaTable() -> MarkdownTable {
        var rows = [[String]]()
        for b in result.branches {
            let rMax = result.request.problems.first { $0.name == b.problem }?.maximumReward ?? 1
            for (pattern, bound) in b.lastMaximum.sorted(by: { $0.key < $1.key }) {
                rows.append([b.problem, String(b.componentCount), pattern.description, Self.g(bound.lastFound, 6),
                             bound.firstMissing.map { Self.g($0, 6) } ?? "(grid end)", rMax > 0 ? Self.g(bound.estimate / rMax) : "—"])
            }
        }
        return MarkdownTable(header: ["problem", "K", "maximum covers", "last alpha with it", "first alpha without", "threshold / r_max"], rows: rows)
    }

    /// The printed summary (also `landscape.md`).
    package func markdown(command: String? = nil) -> String {
        let r = result.request
        var out = "## Stationary points of J = E[r(a)] + alpha H(pi)\n\n"
        if let command { out += "```\n\(command)\n```\n\n" }
        out += "Temperatures: \(r.alphaCount) from \(Self.g(r.alphaMin)) to \(Self.g(r.alphaMax)) (geometric), K = "
            + r.componentCounts.map(String.init).joined(separator: ", ")
            + ". A policy covers a mode when at least \(Self.g(r.coverageThreshold)) of its probability lies within \(Self.g(r.coverageWindow)) bump widths of the mode's centre. "
            + "Maxima: no positive Hessian eigenvalue (degenerate points included); thresholds refined by \(r.bisectionSteps) bisection steps. "
            + String(format: "%.1f s.\n\n", result.seconds)
        for f in findingLines() {
            out += "### \(f.problem)\n\n" + f.lines.map { $0.hasPrefix("  ") ? $0 : "- " + $0 }.joined(separator: "\n") + "\n\n"
        }
        out += "### Where each kind of local maximum ends\n\n" + maximaTable().render() + "\n"
        return out
    }

    /// Every stationary point, one line each.
    package func csv() -> String {
        let modeCount = result.request.problems.map(\.modes.count).max() ?? 0
        var out = "problem,K,alpha,kind,covers,J,gradient_max,eigenvalue_max,eigenvalue_min,action_mean,action_std,"
            + (0..<modeCount).map { "mass_mode\($0 + 1)" }.joined(separator: ",") + (modeCount > 0 ? "," : "")
            + "weights,means,log_stds,ascents\n"
        let threshold = result.request.coverageThreshold
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.9g", $0) }.joined(separator: ";") }
        for b in result.branches {
            for p in b.points {
                var cells = [b.problem, String(b.componentCount), String(format: "%.9g", p.alpha), p.kind.rawValue,
                             CoveragePattern(p.coveredModes(threshold: threshold)).description.replacingOccurrences(of: " ", with: "_"),
                             String(format: "%.12g", p.value), String(format: "%.3g", p.gradientNorm),
                             String(format: "%.6g", p.eigenvalues.last ?? 0), String(format: "%.6g", p.eigenvalues.first ?? 0),
                             String(format: "%.9g", p.actionMean), String(format: "%.9g", p.actionStd)]
                cells += (0..<modeCount).map { $0 < p.modeMasses.count ? String(format: "%.6g", p.modeMasses[$0]) : "" }
                cells += [list(p.mixture.weights), list(p.mixture.means), list(p.mixture.logStds), String(p.starts)]
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// Per problem, two charts against alpha: the action's mean and the probability near
    /// the modes, one series per (K, kind).
    package func charts() -> [(fileName: String, chart: Chart)] {
        var out = [(String, Chart)]()
        for problem in result.request.problems {
            let branches = result.branches.filter { $0.problem == problem.name }
            func series(_ y: (StationaryPoint) -> Double) -> [ChartSeries] {
                branches.flatMap { b in
                    StationaryKind.allCases.compactMap { kind -> ChartSeries? in
                        let pts = b.points.filter { $0.kind == kind }.map { ChartPoint(x: $0.alpha, y: y($0)) }
                        return pts.isEmpty ? nil : ChartSeries(name: "K=\(b.componentCount) \(kind.rawValue)", points: pts, drawsLine: false, drawsMarkers: true)
                    }
                }
            }
            let x = ChartAxis(label: "temperature alpha", scale: .logarithmic)
            out.append(("landscape-\(problem.name)-mean.svg",
                        Chart(title: "\(problem.name): stationary points of J = E[r] + alpha H", subtitle: "mean action of each stationary point",
                              x: x, y: ChartAxis(label: "mean action E[a]"), series: series(\.actionMean))))
            if !problem.modes.isEmpty {
                out.append(("landscape-\(problem.name)-mass.svg",
                            Chart(title: "\(problem.name): probability near the modes",
                                  subtitle: "within \(Self.g(result.request.coverageWindow)) bump widths of any mode's centre",
                                  x: x, y: ChartAxis(label: "probability near the modes", range: 0...1), series: series { $0.modeMasses.reduce(0, +) })))
            }
        }
        return out
    }

    /// The page: findings, the maxima table, the charts and every local maximum.
    package func html(command: String? = nil) -> String {
        var doc = HTMLDocument(title: "Landscape of the entropy-regularized objective")
        if let command { doc.preformatted(command) }
        doc.paragraph("Stationary points of J = E[r(a)] + alpha H(pi) for Gaussian (K = 1) and mixture policies, found by Newton's method from many starts "
                      + "with exact quadrature gradients; classified by the eigenvalues of the Hessian (central differences of the exact gradient).", className: "note")
        for f in findingLines() {
            doc.heading(f.problem)
            for line in f.lines { doc.paragraph(line.trimmingCharacters(in: .whitespaces)) }
        }
        doc.heading("Where each kind of local maximum ends")
        let table = maximaTable()
        doc.table(header: table.header, rows: table.rows)
        doc.heading("Charts")
        for c in charts() { doc.chart(c.chart, caption: c.fileName) }
        return doc.render()
    }

    /// The files: `landscape.md`, `landscape.csv`, `report.html` and the SVG charts.
    package func files(command: String? = nil) -> [(name: String, contents: String)] {
        [("landscape.md", markdown(command: command)), ("landscape.csv", csv()), ("report.html", html(command: command))]
            + charts().map { ($0.fileName, $0.chart.svg()) }
    }

    /// Writes ``files(command:)`` into `folder` (created if missing) and returns their URLs.
    package func write(to folder: URL, command: String? = nil) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try files(command: command).map { name, contents in
            let url = folder.appendingPathComponent(name)
            try contents.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }
}
