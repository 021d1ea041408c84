/// A batch of Gaussian mixtures over the pre-squash point, one per state: K diagonal
/// Gaussian components, joint over the whole `d`-dimensional vector, with softmax weights.
/// A view over three tape values: means and log-stds `[B, K*d]` (component `k` in columns
/// `k*d ..< (k+1)*d`) and logits `[B, K]`.
///
/// **Samples are grouped by state.** Methods that take several samples per state expect
/// (and return) rows ordered state-major: rows `b*R ..< (b+1)*R` belong to state `b`.
///
/// **The log-density** is `logsumexp_j [log w_j + log N(u; mu_j, sigma_j)]`, with
/// `log w = logSoftmax(logits)` (never `log(softmax)`, which is `-inf` for a weight that
/// underflows) and the log-sum-exp shifted by its maximum, so a point far from every
/// component, or a component with weight near zero, gives a finite value and a finite
/// gradient. It costs O(B R K d) and evaluates all K components at every sample.
public struct GaussianMixture<Scalar: TensorScalar> {
    /// The tape the values live on.
    public let tape: Tape<Scalar>
    /// Component means, `[B, K*d]`.
    public let means: Variable
    /// Component log-standard-deviations, `[B, K*d]`.
    public let logStds: Variable
    /// Unnormalized log-weights, `[B, K]`.
    public let logits: Variable
    /// `logSoftmax(logits)`, `[B, K]`.
    public let logWeights: Variable
    /// `softmax(logits)`, `[B, K]`.
    public let weights: Variable
    /// The means with one row per (state, component), `[B*K, d]`, row `b*K + k` (a view).
    public let componentMeans: Variable
    /// The log-stds with one row per (state, component), `[B*K, d]` (a view).
    public let componentLogStds: Variable
    /// The number of states `B`.
    public let stateCount: Int
    /// The number of components `K`.
    public let componentCount: Int
    /// The dimension `d` of a component.
    public let dimension: Int

    /// A view over `means`, `logStds` (`[B, K*d]`) and `logits` (`[B, K]`).
    public init(means: Variable, logStds: Variable, logits: Variable, on tape: Tape<Scalar>) {
        let m = tape.shape(of: means), s = tape.shape(of: logStds), l = tape.shape(of: logits)
        precondition(m.rank == 2 && m == s && l.rank == 2 && l[0] == m[0] && l[1] >= 1 && m[1] % l[1] == 0,
                     "MixPolicy: mixture means \(m) and log-stds \(s) must be [B, K*d] and logits \(l) [B, K]")
        self.tape = tape
        self.means = means
        self.logStds = logStds
        self.logits = logits
        stateCount = m[0]
        componentCount = l[1]
        dimension = m[1] / l[1]
        logWeights = tape.logSoftmax(logits, axis: 1)
        weights = tape.softmax(logits, axis: 1)
        componentMeans = tape.reshape(means, to: Shape(stateCount * componentCount, dimension))
        componentLogStds = tape.reshape(logStds, to: Shape(stateCount * componentCount, dimension))
    }

    /// `log p(u)` for pre-squash points `u` of shape `[B*R, d]`, `R = samplesPerState` rows
    /// per state (grouped by state), to `[B*R, 1]`. Differentiable in `u` and in every
    /// parameter. With K = 1 it is the Gaussian log-density (no log-sum-exp).
    public func logDensity(_ u: Variable, samplesPerState r: Int = 1) -> Variable {
        let n = stateCount * r, k = componentCount
        precondition(tape.shape(of: u) == Shape(n, dimension),
                     "MixPolicy: \(r) samples per state of \(stateCount) states need points [\(n), \(dimension)], got \(tape.shape(of: u))")
        if k == 1 {
            if r == 1 { return GaussianLogDensity.rows(u, means: means, logStds: logStds, on: tape) }
            let rows = RowIndex.repeating(stateCount, times: r)
            return GaussianLogDensity.rows(u, means: tape.gather(means, rows: rows),
                                           logStds: tape.gather(logStds, rows: rows), on: tape)
        }
        // Every (sample, component) pair as one row: sample n against component j of its state.
        var pointRows = [Int32](), componentRows = [Int32]()
        pointRows.reserveCapacity(n * k); componentRows.reserveCapacity(n * k)
        for row in 0..<n {
            let first = (row / r) * k
            for j in 0..<k { pointRows.append(Int32(row)); componentRows.append(Int32(first + j)) }
        }
        let perComponent = GaussianLogDensity.rows(
            tape.gather(u, rows: pointRows),
            means: tape.gather(componentMeans, rows: componentRows),
            logStds: tape.gather(componentLogStds, rows: componentRows), on: tape)
        let logWeightRows = r == 1 ? logWeights : tape.gather(logWeights, rows: RowIndex.repeating(stateCount, times: r))
        let joint = tape.add(tape.reshape(perComponent, to: Shape(n, k)), logWeightRows)
        return tape.logSumExp(joint, axis: 1)
    }

    /// Reparameterized points of every component: `M = samplesPerComponent` per component,
    /// `[B*K*M, d]`, row `(b*K + k)*M + m` is `mu_bk + sigma_bk * noise[row]`. This is
    /// MRP's stacked batch.
    public func componentSamples(noise: Tensor<Scalar>, samplesPerComponent m: Int = 1) -> Variable {
        let rows = stateCount * componentCount * m
        precondition(noise.shape == Shape(rows, dimension), "MixPolicy: component noise must be [\(rows), \(dimension)], got \(noise.shape)")
        if m == 1 {
            return tape.add(componentMeans, tape.multiply(tape.exp(componentLogStds), tape.input(noise)))
        }
        let index = RowIndex.repeating(stateCount * componentCount, times: m)
        return tape.add(tape.gather(componentMeans, rows: index),
                        tape.multiply(tape.exp(tape.gather(componentLogStds, rows: index)), tape.input(noise)))
    }

    /// Points of the given components, reparameterized inside each component:
    /// `components[row]` is the component of row `row` (rows grouped by state, `R` per
    /// state), and the result, `[B*R, d]`, is `mu + sigma * noise` of that component. The
    /// gradient reaches the chosen components' means and log-stds, not the weights.
    public func samples(components: [Int32], noise: Tensor<Scalar>) -> Variable {
        let n = components.count
        precondition(n % stateCount == 0 && noise.shape == Shape(n, dimension),
                     "MixPolicy: \(n) component choices for \(stateCount) states with noise \(noise.shape)")
        let r = n / stateCount
        var rows = [Int32](); rows.reserveCapacity(n)
        for (row, k) in components.enumerated() {
            precondition(k >= 0 && Int(k) < componentCount, "MixPolicy: component \(k) out of range 0..<\(componentCount)")
            rows.append(Int32((row / r) * componentCount) + k)
        }
        return tape.add(tape.gather(componentMeans, rows: rows),
                        tape.multiply(tape.exp(tape.gather(componentLogStds, rows: rows)), tape.input(noise)))
    }

    /// Draws `R = samplesPerState` component indices per state from the current weights
    /// (host-side; no gradient), grouped by state.
    public func drawComponents(samplesPerState r: Int = 1, using rng: inout RandomStream) -> [Int32] {
        let w = tape.value(of: weights), k = componentCount
        var out = [Int32](); out.reserveCapacity(stateCount * r)
        w.withUnsafePointer { p in
            for b in 0..<stateCount {
                let row = UnsafeBufferPointer(start: p + b * k, count: k)
                for _ in 0..<r { out.append(Int32(rng.categorical(row))) }
            }
        }
        return out
    }

    /// The component with the largest weight in each state (ties: the first).
    public func mostWeightedComponents() -> [Int32] {
        let w = tape.value(of: logits), k = componentCount
        return w.withUnsafePointer { p in
            (0..<stateCount).map { b in
                var best = 0
                for j in 1..<max(k, 1) where p[b * k + j] > p[b * k + best] { best = j }
                return Int32(best)
            }
        }
    }
}
