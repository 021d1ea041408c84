import Foundation
import MixEnvs

/// What `mixrl landscape` computes: for each problem and each K, the stationary points of
/// `J = E[r(a)] + alpha H(pi)` at every temperature of a geometric grid.
package struct LandscapeRequest: Sendable {
    /// The problems (by default the symmetric and asymmetric bimodal bandits).
    package var problems: [LandscapeProblem]
    /// The component counts (by default 1, the Gaussian, and 2).
    package var componentCounts: [Int]
    /// The temperature grid: `alphaCount` values from `alphaMin` to `alphaMax`, geometric.
    package var alphaMin: Double, alphaMax: Double, alphaCount: Int
    /// A mode is covered by a policy that puts at least `coverageThreshold` of its
    /// probability within `coverageWindow` bump widths of the mode's centre. (The uniform
    /// policy on [-2, 2] puts 0.075 within 3 widths of 0.05.)
    package var coverageWindow: Double, coverageThreshold: Double
    /// Bisection steps that refine each temperature at which a kind of maximum disappears.
    package var bisectionSteps: Int

    /// A request with the command's defaults.
    package init(problems: [LandscapeProblem] = [LandscapeProblem(bandit: .symmetricBimodal), LandscapeProblem(bandit: .asymmetricBimodal)],
                componentCounts: [Int] = [1, 2], alphaMin: Double = 0.05, alphaMax: Double = 3, alphaCount: Int = 12,
                coverageWindow: Double = 3, coverageThreshold: Double = 0.2, bisectionSteps: Int = 16) {
        self.problems = problems
        self.componentCounts = componentCounts
        self.alphaMin = alphaMin
        self.alphaMax = alphaMax
        self.alphaCount = alphaCount
        self.coverageWindow = coverageWindow
        self.coverageThreshold = coverageThreshold
        self.bisectionSteps = bisectionSteps
    }

    /// Rejects what cannot run, naming the option.
    package func validate() throws(LandscapeError) {
        if problems.isEmpty { throw .invalidValue(option: "--bandit", message: "give at least one bandit") }
        if componentCounts.isEmpty { throw .invalidValue(option: "--components", message: "give at least one K") }
        if let k = componentCounts.first(where: { $0 < 1 || $0 > 4 }) {
            throw .invalidValue(option: "--components", message: "K must be between 1 and 4 (the search grows as 3^K), got \(k)")
        }
        guard alphaMin.isFinite, alphaMin > 0 else {
            throw .invalidValue(option: "--alpha-min", message: "expected a positive temperature, got \(alphaMin)")
        }
        guard alphaMax.isFinite, alphaMax > 0 else {
            throw .invalidValue(option: "--alpha-max", message: "expected a positive temperature, got \(alphaMax)")
        }
        if alphaMin > alphaMax {
            throw .invalidValue(option: "--alpha-min", message: "the range is reversed: --alpha-min \(alphaMin) is above --alpha-max \(alphaMax)")
        }
        if alphaCount < 1 || (alphaCount == 1 && alphaMin != alphaMax) {
            throw .invalidValue(option: "--alpha-count", message: "expected at least 2 temperatures for a range (1 if --alpha-min equals --alpha-max), got \(alphaCount)")
        }
        if alphaCount > 400 { throw .invalidValue(option: "--alpha-count", message: "at most 400 temperatures, got \(alphaCount)") }
        guard coverageWindow.isFinite, coverageWindow > 0 else {
            throw .invalidValue(option: "--coverage-window", message: "expected a positive number of bump widths, got \(coverageWindow)")
        }
        guard coverageThreshold > 0, coverageThreshold < 1 else {
            throw .invalidValue(option: "--coverage", message: "expected a probability strictly between 0 and 1, got \(coverageThreshold)")
        }
        if bisectionSteps < 0 || bisectionSteps > 60 {
            throw .invalidValue(option: "--bisection-steps", message: "expected 0 to 60, got \(bisectionSteps)")
        }
    }

    /// The temperatures, ascending (geometric from `alphaMin` to `alphaMax`).
    package var alphas: [Double] {
        guard alphaCount > 1 else { return [alphaMin] }
        let ratio = log(alphaMax / alphaMin)
        return (0..<alphaCount).map { i in
            i == alphaCount - 1 ? alphaMax : alphaMin * exp(ratio * Double(i) / Double(alphaCount - 1))
        }
    }
}

/// The stationary points of one problem at one K over the temperature grid, and the
/// temperature ranges of each kind of local maximum.
package struct LandscapeBranch: Sendable {
    /// The problem's name.
    package var problem: String
    /// K.
    package var componentCount: Int
    /// Every stationary point, temperature by temperature.
    package var points: [StationaryPoint]
    /// Per coverage pattern of a local maximum (the set of covered modes), the largest
    /// temperature at which one exists, refined by bisection when the grid goes further.
    package var lastMaximum: [CoveragePattern: Bound]
    /// Per temperature, how many fresh starts there were and the pattern each ascended to.
    package var ascentEnds: [Double: [CoveragePattern]]

    /// The largest temperature of a maximum, bracketed.
    package struct Bound: Sendable, Equatable {
        /// The largest temperature at which such a maximum was found.
        package var lastFound: Double
        /// The smallest temperature above it at which none was (nil: the grid's end still has one).
        package var firstMissing: Double?
        /// The midpoint of the bracket (or `lastFound`).
        package var estimate: Double { firstMissing.map { 0.5 * (lastFound + $0) } ?? lastFound }
    }
}

/// Which modes a policy covers (indices into the problem's modes, ascending).
package struct CoveragePattern: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The covered modes.
    package var modes: [Int]
    /// A pattern.
    package init(_ modes: [Int]) { self.modes = modes.sorted() }
    package static func < (a: CoveragePattern, b: CoveragePattern) -> Bool { a.modes.lexicographicallyPrecedes(b.modes) }
    /// `none`, `mode 1`, `modes 1+2` (1-based).
    package var description: String {
        modes.isEmpty ? "none" : (modes.count == 1 ? "mode " : "modes ") + modes.map { String($0 + 1) }.joined(separator: "+")
    }
}

/// How far a scan has come.
package struct LandscapeProgress: Sendable {
    /// Temperatures finished over all jobs.
    package var completed: Int
    /// Temperatures in all.
    package var total: Int
    /// What just finished.
    package var activity: String
}

/// The scan: runs each (problem, K) job over the temperature grid, on up to two threads.
package struct LandscapeScan: Sendable {
    /// The request.
    package var request: LandscapeRequest

    /// A scan of a valid request.
    package init(_ request: LandscapeRequest) throws(LandscapeError) {
        try request.validate()
        self.request = request
    }

    /// The fresh starts at K components (free parameters): every multiset of K centres
    /// among the modes' centres and the midpoints between neighbouring ones, each with
    /// action-space standard deviations 0.07, 0.4 and 1.2 (K = 1) or 0.07 and 0.4 (mixtures,
    /// whose wide starts reach the same broad points as the Gaussian's at twice the cost),
    /// equal weights. Without modes the centres are -1, 0 and 1.
    package static func starts(for problem: LandscapeProblem, componentCount k: Int) -> [[Double]] {
        let centres = problem.modes.map(\.center).sorted()
        var candidates = centres
        for (a, b) in zip(centres, centres.dropFirst()) { candidates.append(0.5 * (a + b)) }
        if candidates.isEmpty { candidates = [-1, 0, 1] }
        candidates.sort()
        func multisets(_ size: Int, from index: Int) -> [[Double]] {
            if size == 0 { return [[]] }
            return (index..<candidates.count).flatMap { i in multisets(size - 1, from: i).map { [candidates[i]] + $0 } }
        }
        var out = [[Double]]()
        for centresOfStart in multisets(k, from: 0) {
            for width in k == 1 ? [0.07, 0.4, 1.2] : [0.07, 0.4] {
                let means = centresOfStart.map { problem.preSquash($0) }
                let logStds = zip(centresOfStart, means).map { c, u -> Double in
                    let slope = problem.isSquashed ? problem.scale * (1 - pow(tanh(u), 2)) : 1
                    return log(width / max(slope, 1e-3))
                }
                // Spread coinciding centres a little so that their components can separate.
                let spread = means.enumerated().map { i, u in u + 0.02 * (Double(i) - Double(k - 1) / 2) }
                out.append(MixtureParameters(logits: [Double](repeating: 0, count: k), means: spread, logStds: logStds).free)
            }
        }
        return out
    }

    /// One job: one problem at one K, temperature by temperature, each temperature started
    /// from the fresh starts and from the previous temperature's points (continuation).
    func branch(_ problem: LandscapeProblem, componentCount k: Int, tick: (Double, Int) -> Void) throws(LandscapeError) -> LandscapeBranch {
        let fresh = Self.starts(for: problem, componentCount: k)
        let window = request.coverageWindow, threshold = request.coverageThreshold
        var all = [StationaryPoint](), previous = [StationaryPoint](), ascentEnds = [Double: [CoveragePattern]]()
        func pattern(_ p: StationaryPoint) -> CoveragePattern { CoveragePattern(p.coveredModes(threshold: threshold)) }
        for alpha in request.alphas {
            let search = StationaryPointSearch(problem: problem, alpha: alpha, componentCount: k)
            var found = [StationaryPoint](), ends = [CoveragePattern]()
            for (index, start) in fresh.enumerated() {
                let up = try search.ascend(from: start)
                if up.converged {
                    let p = try search.classify(up.theta, window: window)
                    ends.append(pattern(p))
                    found.append(p)
                }
                // Plain Newton (which also finds saddles) from the middle width only: the
                // narrow and wide starts rarely lead it anywhere the others do not.
                guard index % (k == 1 ? 3 : 2) == 1 else { continue }
                let any = try search.solve(from: start)
                if any.converged {
                    var p = try search.classify(any.theta, window: window)
                    p.starts = 0
                    found.append(p)
                }
            }
            for p in previous {
                let any = try search.solve(from: p.mixture.free)
                if any.converged {
                    var q = try search.classify(any.theta, window: window)
                    q.starts = 0
                    found.append(q)
                }
            }
            previous = StationaryPointSearch.deduplicated(found)
            all += previous
            ascentEnds[alpha] = ends
            tick(alpha, previous.count)
        }
        return LandscapeBranch(problem: problem.name, componentCount: k, points: all,
                               lastMaximum: try lastMaxima(problem, componentCount: k, points: all),
                               ascentEnds: ascentEnds)
    }

    /// Per coverage pattern of a local maximum (a point with no positive Hessian
    /// eigenvalue), the largest grid temperature with one; when a larger grid temperature
    /// has none, bisection between the two, each step ascending from the last maximum found
    /// (continuation along the branch until it ends in a fold).
    func lastMaxima(_ problem: LandscapeProblem, componentCount k: Int, points: [StationaryPoint]) throws(LandscapeError) -> [CoveragePattern: LandscapeBranch.Bound] {
        let window = request.coverageWindow, threshold = request.coverageThreshold
        let alphas = request.alphas
        func pattern(_ p: StationaryPoint) -> CoveragePattern { CoveragePattern(p.coveredModes(threshold: threshold)) }
        let maxima = points.filter { $0.kind == .maximum || $0.kind == .degenerate }
        var out = [CoveragePattern: LandscapeBranch.Bound]()
        for target in Set(maxima.map(pattern)) {
            guard let last = maxima.filter({ pattern($0) == target }).max(by: { $0.alpha < $1.alpha }) else { continue }
            guard let next = alphas.first(where: { $0 > last.alpha }) else {
                out[target] = .init(lastFound: last.alpha, firstMissing: nil)
                continue
            }
            var lo = last.alpha, hi = next, theta = last.mixture.free
            for _ in 0..<request.bisectionSteps {
                let mid = 0.5 * (lo + hi)
                let search = StationaryPointSearch(problem: problem, alpha: mid, componentCount: k)
                let end = try search.ascend(from: theta)
                var kept = false
                if end.converged {
                    let p = try search.classify(end.theta, window: window)
                    if (p.kind == .maximum || p.kind == .degenerate) && pattern(p) == target { kept = true; theta = end.theta }
                }
                if kept { lo = mid } else { hi = mid }
            }
            out[target] = .init(lastFound: lo, firstMissing: hi)
        }
        return out
    }

    /// Runs every job (two at a time) and reports each finished temperature to `progress`.
    package func run(progress: @escaping @Sendable (LandscapeProgress) -> Void = { _ in }) throws(LandscapeError) -> LandscapeResult {
        let jobs = request.problems.flatMap { p in request.componentCounts.map { (p, $0) } }
        let total = jobs.count * request.alphas.count
        let box = ResultBox(count: jobs.count)
        let queue = DispatchQueue(label: "mixrl.landscape", attributes: .concurrent)
        let group = DispatchGroup(), slots = DispatchSemaphore(value: 2)
        let start = Date()
        for (index, job) in jobs.enumerated() {
            slots.wait()
            queue.async(group: group) {
                defer { slots.signal() }
                let result = Result { () throws(LandscapeError) -> LandscapeBranch in
                    try branch(job.0, componentCount: job.1) { alpha, count in
                        let done = box.tick()
                        progress(LandscapeProgress(completed: done, total: total,
                                                   activity: String(format: "%@ K=%d alpha=%.4g: %d stationary points (%.1f s)",
                                                                    job.0.name, job.1, alpha, count, Date().timeIntervalSince(start))))
                    }
                }
                box.set(index, result)
            }
        }
        group.wait()
        var branches = [LandscapeBranch]()
        for r in box.results {
            switch r {
            case .success(let b)?: branches.append(b)
            case .failure(let e)?: throw e
            case nil: throw .numerical("a landscape job did not finish")
            }
        }
        return LandscapeResult(request: request, branches: branches, seconds: Date().timeIntervalSince(start))
    }
}

/// Results written by concurrent jobs (each to its own slot) under a lock.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<LandscapeBranch, LandscapeError>?]
    private var ticks = 0
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<LandscapeBranch, LandscapeError>) { lock.lock(); slots[i] = r; lock.unlock() }
    func tick() -> Int { lock.lock(); defer { lock.unlock() }; ticks += 1; return ticks }
    var results: [Result<LandscapeBranch, LandscapeError>?] { lock.lock(); defer { lock.unlock() }; return slots }
}

/// The scan's results and the answers to the paper's questions.
package struct LandscapeResult: Sendable {
    /// The request.
    package var request: LandscapeRequest
    /// One branch per (problem, K), in request order.
    package var branches: [LandscapeBranch]
    /// Wall-clock seconds.
    package var seconds: Double

    /// The branch of `problem` at K.
    package func branch(_ problem: String, componentCount k: Int) -> LandscapeBranch? {
        branches.first { $0.problem == problem && $0.componentCount == k }
    }
}
