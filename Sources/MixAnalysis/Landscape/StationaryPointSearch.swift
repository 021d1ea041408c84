import Foundation
import MixTensor

/// What the second-derivative test says about a stationary point.
package enum StationaryKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Every Hessian eigenvalue is negative: a strict local maximum.
    case maximum
    /// Eigenvalues of both signs.
    case saddle
    /// Every eigenvalue is positive (not expected for this objective, reported if found).
    case minimum
    /// No positive eigenvalue but some within the tolerance of zero: a flat direction, as
    /// when two components coincide (moving weight between them changes nothing) or at a
    /// fold where a maximum and a saddle meet. The test is inconclusive.
    case degenerate
}

/// A stationary point of `J` at one temperature, with its second-order classification and
/// what the policy looks like in action space.
package struct StationaryPoint: Sendable, Equatable, Codable {
    /// The mixture, in canonical order (components sorted by mean).
    package var mixture: MixtureParameters
    /// The temperature.
    package var alpha: Double
    /// `J`.
    package var value: Double
    /// The largest absolute entry of the gradient in free parameters at the point.
    package var gradientNorm: Double
    /// Hessian eigenvalues in free parameters, ascending.
    package var eigenvalues: [Double]
    /// The classification.
    package var kind: StationaryKind
    /// The action's mean and standard deviation.
    package var actionMean: Double, actionStd: Double
    /// Per reward mode, the probability of an action within the coverage window of its centre.
    package var modeMasses: [Double]
    /// How many fresh starts' ascents ended at this point.
    package var starts: Int

    /// The indices of the modes holding at least `threshold` of the probability.
    package func coveredModes(threshold: Double) -> [Int] { modeMasses.indices.filter { modeMasses[$0] >= threshold } }
}

/// Newton's method on `J` in the free parameters of a mixture (``MixtureParameters/free``),
/// with the exact quadrature gradient and Hessian
/// (``ExactSoftObjective/valueGradientAndHessian(layout:)``; the tests check the Hessian
/// against central differences of the gradient, ``differenceHessian(_:)``).
///
/// Two iterations share that machinery, each with a trust region (a step at most `radius`
/// long, the radius halved after a rejected step and doubled after a full accepted one):
/// - ``ascend(from:)`` takes the saddle-free Newton step `sum_i v_i (v_i . g) / |lambda_i|`
///   (uphill along every eigenvector, Newton's step near a maximum) and accepts steps that
///   do not lower `J`: it converges to local maxima, quadratically at the end;
/// - ``solve(from:)`` takes the plain Newton step `-H^-1 g` and accepts steps that lower
///   `|g|`: it converges to whatever stationary point is near, saddles included.
package struct StationaryPointSearch: Sendable {
    /// The problem.
    package var problem: LandscapeProblem
    /// The temperature.
    package var alpha: Double
    /// The number of components K.
    package var componentCount: Int
    /// Converged when every gradient entry is below this.
    package var gradientTolerance = 1e-8
    /// The most Newton iterations per start.
    package var maxIterations = 40
    /// The step of the central differences.
    package var differenceStep = 1e-4
    /// Bounds that keep the iterates where the quadrature is meaningful: `|mu| <= 8`,
    /// `log sigma` in [-8, 3] (a start that needs to leave them does not converge).
    package var meanBound = 8.0, logStdRange = -8.0...3.0

    /// A search at temperature `alpha` with K components.
    package init(problem: LandscapeProblem, alpha: Double, componentCount: Int) {
        self.problem = problem
        self.alpha = alpha
        self.componentCount = componentCount
    }

    /// The end of one iteration.
    package struct Outcome: Sendable {
        /// Where it stopped (free parameters).
        package var theta: [Double]
        /// Whether the gradient fell below the tolerance.
        package var converged: Bool
        /// Newton iterations taken.
        package var iterations: Int
    }

    /// `J` and its gradient in free parameters on `layout` (default: the point's own).
    package func valueAndGradient(_ theta: [Double], layout: [GaussLegendre.Piece]? = nil) -> (value: Double, gradient: [Double]) {
        let k = componentCount
        let v = problem.objective(MixtureParameters(componentCount: k, free: theta), alpha: alpha).valueAndGradient(layout: layout)
        // Drop dJ/dz_K: z_K is fixed at 0.
        return (v.value, Array(v.gradient[0..<(k - 1)]) + Array(v.gradient[k...]))
    }

    /// The free-parameter indices among (logits, means, logStds): all but the last logit.
    var freeIndices: [Int] { Array(0..<(componentCount - 1)) + Array(componentCount..<(3 * componentCount)) }

    /// `J`, gradient and Hessian (rows) in free parameters, in one quadrature pass.
    package func evaluate(_ theta: [Double]) -> (value: Double, gradient: [Double], hessian: [[Double]]) {
        let full = problem.objective(MixtureParameters(componentCount: componentCount, free: theta), alpha: alpha).valueGradientAndHessian()
        let idx = freeIndices, n = 3 * componentCount
        return (full.value, idx.map { full.gradient[$0] }, idx.map { i in idx.map { j in full.hessian[i * n + j] } })
    }

    /// The Hessian in free parameters by central differences of the gradient on the panel
    /// layout of `theta`, symmetrized (an independent check of ``evaluate(_:)``). On a
    /// fixed layout `J` is an exactly smooth function of the parameters, so the step 1e-4
    /// leaves a truncation error of about 1e-8 times the third derivative.
    /// Cost: 2(3K-1) gradients.
    package func differenceHessian(_ theta: [Double]) -> [[Double]] {
        let layout = problem.objective(MixtureParameters(componentCount: componentCount, free: theta), alpha: alpha).panelLayout()
        let n = theta.count, h = differenceStep
        var columns = [[Double]]()
        for j in 0..<n {
            var plus = theta, minus = theta
            plus[j] += h; minus[j] -= h
            let gp = valueAndGradient(plus, layout: layout).gradient, gm = valueAndGradient(minus, layout: layout).gradient
            columns.append((0..<n).map { (gp[$0] - gm[$0]) / (2 * h) })
        }
        return (0..<n).map { i in (0..<n).map { j in 0.5 * (columns[j][i] + columns[i][j]) } }
    }

    /// Eigenvalues (ascending) and eigenvectors (`vectors[i]` belongs to `values[i]`).
    package static func eigen(_ matrix: [[Double]]) throws(LandscapeError) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.count
        guard matrix.allSatisfy({ $0.count == n && $0.allSatisfy(\.isFinite) }) else {
            throw .numerical("the Hessian is not a finite square matrix")
        }
        let decomposition: (values: [Double], vectors: Tensor<Double>)
        do { decomposition = try Tensor<Double>(shape: Shape(n, n), scalars: matrix.flatMap { $0 }).symmetricEigen() }
        catch { throw .numerical("eigen-decomposition of a \(n) x \(n) Hessian failed: \(error)") }
        let v = decomposition.vectors.scalars
        return (decomposition.values, (0..<n).map { i in (0..<n).map { r in v[r * n + i] } })
    }

    func clamped(_ theta: [Double]) -> [Double] {
        let k = componentCount
        return theta.enumerated().map { i, x in
            if i < k - 1 { return min(max(x, -40), 40) }
            if i < 2 * k - 1 { return min(max(x, -meanBound), meanBound) }
            return min(max(x, logStdRange.lowerBound), logStdRange.upperBound)
        }
    }

    /// Newton with a trust region from `start`, uphill (`towardsMaximum`) or to any
    /// stationary point. Throws only if LAPACK fails.
    func newton(from start: [Double], towardsMaximum: Bool) throws(LandscapeError) -> Outcome {
        var theta = clamped(start)
        var current = evaluate(theta)
        func finite(_ e: (value: Double, gradient: [Double], hessian: [[Double]])) -> Bool {
            e.value.isFinite && e.gradient.allSatisfy(\.isFinite) && e.hessian.allSatisfy { $0.allSatisfy(\.isFinite) }
        }
        guard finite(current) else { return Outcome(theta: theta, converged: false, iterations: 0) }
        var radius = 0.5
        var iterations = 0
        func norm(_ g: [Double]) -> Double { g.map(abs).max() ?? 0 }
        while iterations < maxIterations {
            if norm(current.gradient) < gradientTolerance { return Outcome(theta: theta, converged: true, iterations: iterations) }
            iterations += 1
            let (values, vectors) = try Self.eigen(current.hessian)
            let floor = 1e-8 * max(values.map(abs).max() ?? 1, 1e-12)
            var step = [Double](repeating: 0, count: theta.count)
            for (lambda, v) in zip(values, vectors) {
                let c = zip(v, current.gradient).reduce(0) { $0 + $1.0 * $1.1 }
                let d = towardsMaximum ? c / max(abs(lambda), floor) : -c / (abs(lambda) < floor ? (lambda < 0 ? -floor : floor) : lambda)
                for i in step.indices { step[i] += d * v[i] }
            }
            let length = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
            while true {
                let factor = length > radius ? radius / length : 1
                let trial = clamped(zip(theta, step).map { $0 + factor * $1 })
                let next = evaluate(trial)
                let better = towardsMaximum
                    ? next.value >= current.value - 1e-13 * max(1, abs(current.value)) || norm(next.gradient) < norm(current.gradient)
                    : norm(next.gradient) < norm(current.gradient)
                if better && finite(next) {
                    if factor < 1 { radius = min(2 * radius, 4) }
                    theta = trial
                    current = next
                    break
                }
                radius = 0.5 * min(radius, length)
                if radius < 1e-10 { return Outcome(theta: theta, converged: norm(current.gradient) < gradientTolerance, iterations: iterations) }
            }
        }
        return Outcome(theta: theta, converged: norm(current.gradient) < gradientTolerance, iterations: iterations)
    }

    /// Uphill Newton from `start` (free parameters): converges to a local maximum.
    package func ascend(from start: [Double]) throws(LandscapeError) -> Outcome { try newton(from: start, towardsMaximum: true) }

    /// Plain Newton from `start`: converges to a nearby stationary point of any kind.
    package func solve(from start: [Double]) throws(LandscapeError) -> Outcome { try newton(from: start, towardsMaximum: false) }

    /// The stationary point at `theta`, classified: `kind` from the Hessian's eigenvalues,
    /// with `|lambda| <= eigenvalueTolerance * max(1, max |lambda|)` counted as zero.
    package func classify(_ theta: [Double], window: Double, eigenvalueTolerance: Double = 1e-6) throws(LandscapeError) -> StationaryPoint {
        let mixture = MixtureParameters(componentCount: componentCount, free: theta)
        let v = evaluate(theta)
        let values = try Self.eigen(v.hessian).values
        let tol = eigenvalueTolerance * max(1, values.map(abs).max() ?? 0)
        let largest = values.last ?? 0, smallest = values.first ?? 0
        let kind: StationaryKind
        if largest < -tol { kind = .maximum }
        else if smallest > tol { kind = .minimum }
        else if largest > tol { kind = smallest < -tol ? .saddle : .degenerate }
        else { kind = .degenerate }
        let moments = problem.actionMoments(mixture)
        return StationaryPoint(mixture: mixture.canonical, alpha: alpha, value: v.value, gradientNorm: v.gradient.map(abs).max() ?? 0,
                               eigenvalues: values, kind: kind, actionMean: moments.mean, actionStd: moments.std,
                               modeMasses: problem.modeMasses(mixture, window: window), starts: 1)
    }

    /// Whether `a` and `b` are the same policy: the same `J`, action moments and mode
    /// masses (compared as distributions, so relabelled components and weight moved between
    /// coinciding components count as one point).
    package static func samePolicy(_ a: StationaryPoint, _ b: StationaryPoint) -> Bool {
        abs(a.value - b.value) <= 1e-7 * max(1, abs(a.value)) && abs(a.actionMean - b.actionMean) <= 1e-4
            && abs(a.actionStd - b.actionStd) <= 1e-4 && zip(a.modeMasses, b.modeMasses).allSatisfy { abs($0 - $1) <= 1e-4 }
    }

    /// `points` with duplicates merged (their start counts added; the copy with the smaller
    /// gradient kept), sorted by descending `J`.
    package static func deduplicated(_ points: [StationaryPoint]) -> [StationaryPoint] {
        var out = [StationaryPoint]()
        for p in points {
            if let i = out.firstIndex(where: { samePolicy($0, p) }) {
                let starts = out[i].starts + p.starts
                if p.gradientNorm < out[i].gradientNorm { out[i] = p }
                out[i].starts = starts
            } else {
                out.append(p)
            }
        }
        return out.sorted { $0.value > $1.value }
    }

    /// Every stationary point reached from `starts` (free parameters): each start is
    /// ascended and solved, converged ends are classified and duplicates merged; a point's
    /// ``StationaryPoint/starts`` counts the ascents that ended there.
    package func stationaryPoints(from starts: [[Double]], window: Double) throws(LandscapeError) -> [StationaryPoint] {
        var found = [StationaryPoint]()
        for start in starts {
            for towardsMaximum in [true, false] {
                let end = try newton(from: start, towardsMaximum: towardsMaximum)
                guard end.converged else { continue }
                var point = try classify(end.theta, window: window)
                point.starts = towardsMaximum ? 1 : 0  // count ascents only, as the scan does
                found.append(point)
            }
        }
        return Self.deduplicated(found)
    }
}
