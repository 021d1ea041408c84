import Foundation

/// The answers to the paper's landscape questions, as numbers taken from a scan.
package struct LandscapeFindings: Sendable {
    /// One problem's answers.
    package struct Problem: Sendable {
        /// The problem's name.
        package var name: String
        /// The largest reward, r_max.
        package var maximumReward: Double
        /// Mode centres (1-based in the text).
        package var modeCentres: [Double]
        /// Indices of the modes of highest reward.
        package var bestModes: [Int]
        /// The Gaussian's (K = 1) last temperature with a local maximum covering exactly one
        /// mode, per mode (nil: no such maximum on the grid).
        package var gaussianOnMode: [Int: LandscapeBranch.Bound]
        /// The largest such temperature over the modes.
        package var gaussianThreshold: LandscapeBranch.Bound? {
            gaussianOnMode.values.max { $0.estimate < $1.estimate }
        }
        /// Per K >= 2, the last temperature with a local maximum covering every mode.
        package var mixtureAllModes: [Int: LandscapeBranch.Bound?]
        /// Per K >= 2, at the first grid temperature above the Gaussian threshold, the kinds
        /// of the stationary points covering every mode (empty: none).
        package var mixtureAllModesAboveGaussianThreshold: [Int: (alpha: Double, kinds: [StationaryKind])]
        /// Per grid temperature: the Gaussian's global maximum's covered modes, whether a
        /// local maximum covers only a mode that is not the best, and how many of the fresh
        /// starts ascended to such a wrong mode (of how many).
        package var gaussianByAlpha: [(alpha: Double, globalCovers: [Int], wrongModeMaximum: Bool, wrongAscents: Int, ascents: Int)]
    }

    /// One entry per problem that has modes.
    package var problems: [Problem]

    /// The findings of `result`.
    package init(_ result: LandscapeResult) {
        let threshold = result.request.coverageThreshold
        problems = result.request.problems.filter { !$0.modes.isEmpty }.map { problem in
            let heights = problem.modes.map(\.height)
            let best = heights.indices.filter { heights[$0] == heights.max() }
            let all = CoveragePattern(Array(problem.modes.indices))
            var onMode = [Int: LandscapeBranch.Bound]()
            var byAlpha = [(alpha: Double, globalCovers: [Int], wrongModeMaximum: Bool, wrongAscents: Int, ascents: Int)]()
            if let gaussian = result.branch(problem.name, componentCount: 1) {
                for m in problem.modes.indices { onMode[m] = gaussian.lastMaximum[CoveragePattern([m])] }
                for alpha in result.request.alphas {
                    let here = gaussian.points.filter { $0.alpha == alpha }
                    let maxima = here.filter { $0.kind == .maximum || $0.kind == .degenerate }
                    let global = maxima.max { $0.value < $1.value }
                    let wrong = maxima.contains { p in
                        let c = p.coveredModes(threshold: threshold)
                        return c.count == 1 && !best.contains(c[0])
                    }
                    let ends = gaussian.ascentEnds[alpha] ?? []
                    let wrongAscents = ends.filter { $0.modes.count == 1 && !best.contains($0.modes[0]) }.count
                    byAlpha.append((alpha, global?.coveredModes(threshold: threshold) ?? [], wrong, wrongAscents, ends.count))
                }
            }
            var mixtures = [Int: LandscapeBranch.Bound?]()
            var above = [Int: (alpha: Double, kinds: [StationaryKind])]()
            let gaussianLast = onMode.values.map(\.estimate).max()
            for k in result.request.componentCounts where k >= 2 {
                guard let branch = result.branch(problem.name, componentCount: k) else { continue }
                mixtures.updateValue(branch.lastMaximum[all], forKey: k)
                if let g = gaussianLast, let alpha = result.request.alphas.first(where: { $0 > g }) {
                    let kinds = branch.points.filter { $0.alpha == alpha && CoveragePattern($0.coveredModes(threshold: threshold)) == all }.map(\.kind)
                    above[k] = (alpha, kinds)
                }
            }
            return Problem(name: problem.name, maximumReward: problem.maximumReward, modeCentres: problem.modes.map(\.center),
                           bestModes: best, gaussianOnMode: onMode, mixtureAllModes: mixtures,
                           mixtureAllModesAboveGaussianThreshold: above, gaussianByAlpha: byAlpha)
        }
    }
}
