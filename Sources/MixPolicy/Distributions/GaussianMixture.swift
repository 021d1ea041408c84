import MixTensor

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
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` when the
    ///   shapes do not fit together, naming all three.
    public init(means: Variable, logStds: Variable, logits: Variable, on tape: Tape<Scalar>) throws(DistributionError) {
        let m = tape.shape(of: means), s = tape.shape(of: logStds), l = tape.shape(of: logits)
        guard m.rank == 2 && m == s && l.rank == 2 && l[0] == m[0] && l[1] >= 1 && m[1] % l[1] == 0 else {
            throw .shapeMismatch(operation: "GaussianMixture", expected: "means and log-stds [B, K*d] and logits [B, K]",
                                 got: "means \(m), log-stds \(s), logits \(l)")
        }
        self.init(uncheckedMeans: means, logStds: logStds, logits: logits, on: tape)
    }

    /// The view for shapes the caller built to fit (a policy's heads).
    package init(uncheckedMeans means: Variable, logStds: Variable, logits: Variable, on tape: Tape<Scalar>) {
        let m = tape.shape(of: means), s = tape.shape(of: logStds), l = tape.shape(of: logits)
        require(m.rank == 2 && m == s && l.rank == 2 && l[0] == m[0] && l[1] >= 1 && m[1] % l[1] == 0,
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
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` unless `u` is
    ///   `[B*R, d]` with `R >= 1`.
    public func logDensity(_ u: Variable, samplesPerState r: Int = 1) throws(DistributionError) -> Variable {
        guard r >= 1, tape.shape(of: u) == Shape(stateCount * r, dimension) else {
            throw .shapeMismatch(operation: "GaussianMixture.logDensity",
                                 expected: "points [\(stateCount) * \(r), \(dimension)] (\(r) per state of \(stateCount) states, dimension \(dimension))",
                                 got: "\(tape.shape(of: u))")
        }
        return logDensityRows(u, samplesPerState: r)
    }

    /// ``logDensity(_:samplesPerState:)`` for points the caller built to fit.
    package func logDensityRows(_ u: Variable, samplesPerState r: Int = 1) -> Variable {
        let n = stateCount * r, k = componentCount
        require(tape.shape(of: u) == Shape(n, dimension),
                     "MixPolicy: \(r) samples per state of \(stateCount) states need points [\(n), \(dimension)], got \(tape.shape(of: u))")
        if k == 1 {
            if r == 1 { return GaussianLogDensity.rows(u, means: means, logStds: logStds, on: tape) }
            return GaussianLogDensity.rows(u, means: tape.repeatingRows(means, times: r),
                                           logStds: tape.repeatingRows(logStds, times: r), on: tape)
        }
        // Every (sample, component) pair as one row: pair p = row*K + j is sample `row`
        // against component j of its state (component row (row / R)*K + j). The index
        // functions write straight into the tape's index buffer (no arrays).
        let pairs = n * k
        let perComponent = GaussianLogDensity.rows(
            tape.repeatingRows(u, times: k),
            means: tape.gather(componentMeans, rowCount: pairs) { p in Int32((p / k / r) * k + p % k) },
            logStds: tape.gather(componentLogStds, rowCount: pairs) { p in Int32((p / k / r) * k + p % k) }, on: tape)
        let logWeightRows = tape.repeatingRows(logWeights, times: r)
        let joint = tape.add(tape.reshape(perComponent, to: Shape(n, k)), logWeightRows)
        return tape.logSumExp(joint, axis: 1)
    }

    /// Reparameterized points of every component: `M = samplesPerComponent` per component,
    /// `[B*K*M, d]`, row `(b*K + k)*M + m` is `mu_bk + sigma_bk * noise[row]`. This is
    /// MRP's stacked batch.
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` unless `noise`
    ///   is `[B*K*M, d]` with `M >= 1`.
    public func componentSamples(noise: Tensor<Scalar>, samplesPerComponent m: Int = 1) throws(DistributionError) -> Variable {
        try componentSamples(noise: tape.input(noise), samplesPerComponent: m)
    }

    /// ``componentSamples(noise:samplesPerComponent:)-(Tensor<Scalar>,_)`` with the noise
    /// already on the tape (for example `tape.randomNormal`, drawn into a reused buffer).
    public func componentSamples(noise: Variable, samplesPerComponent m: Int = 1) throws(DistributionError) -> Variable {
        guard m >= 1, tape.shape(of: noise) == Shape(stateCount * componentCount * m, dimension) else {
            throw .shapeMismatch(operation: "GaussianMixture.componentSamples",
                                 expected: "noise [\(stateCount) * \(componentCount) * \(m), \(dimension)] (\(m) per component of \(componentCount) for \(stateCount) states)",
                                 got: "\(tape.shape(of: noise))")
        }
        return componentPoints(noise: noise, samplesPerComponent: m)
    }

    /// ``componentSamples(noise:samplesPerComponent:)-(Variable,_)`` for noise the caller built to fit.
    package func componentPoints(noise: Variable, samplesPerComponent m: Int = 1) -> Variable {
        let rows = stateCount * componentCount * m
        require(tape.shape(of: noise) == Shape(rows, dimension),
                     "MixPolicy: component noise must be [\(rows), \(dimension)], got \(tape.shape(of: noise))")
        return tape.add(tape.repeatingRows(componentMeans, times: m),
                        tape.multiply(tape.exp(tape.repeatingRows(componentLogStds, times: m)), noise))
    }

    /// Points of the given components, reparameterized inside each component:
    /// `components[row]` is the component of row `row` (rows grouped by state, `R` per
    /// state), and the result, `[B*R, d]`, is `mu + sigma * noise` of that component. The
    /// gradient reaches the chosen components' means and log-stds, not the weights.
    ///
    /// - Throws: ``DistributionError`` unless there are `R >= 1` components per state,
    ///   each in `0 ..< K`, and `noise` is `[B*R, d]`.
    public func samples(components: [Int32], noise: Tensor<Scalar>) throws(DistributionError) -> Variable {
        try samples(components: components, noise: tape.input(noise))
    }

    /// ``samples(components:noise:)-(_,Tensor<Scalar>)`` with the noise already on the tape.
    public func samples(components: [Int32], noise: Variable) throws(DistributionError) -> Variable {
        let n = components.count
        guard n >= stateCount, n % stateCount == 0, tape.shape(of: noise) == Shape(n, dimension) else {
            throw .shapeMismatch(operation: "GaussianMixture.samples",
                                 expected: "R component choices per state for \(stateCount) states and noise [\(stateCount) * R, \(dimension)]",
                                 got: "\(n) choices and noise \(tape.shape(of: noise))")
        }
        if let bad = components.first(where: { $0 < 0 || Int($0) >= componentCount }) {
            throw .invalidValue(operation: "GaussianMixture.samples", message: "component \(bad) is outside 0..<\(componentCount)")
        }
        return points(components: components, noise: noise)
    }

    /// ``samples(components:noise:)-(_,Variable)`` for choices and noise the caller built to fit.
    package func points(components: [Int32], noise: Variable) -> Variable {
        let n = components.count, k = componentCount
        require(n % stateCount == 0 && tape.shape(of: noise) == Shape(n, dimension),
                     "MixPolicy: \(n) component choices for \(stateCount) states with noise \(tape.shape(of: noise))")
        let r = n / stateCount
        for c in components {
            require(c >= 0 && Int(c) < k, "MixPolicy: component \(c) out of range 0..<\(k)")
        }
        return components.withUnsafeBufferPointer { chosen in
            tape.add(tape.gather(componentMeans, rowCount: n) { row in Int32((row / r) * k) + chosen[row] },
                     tape.multiply(tape.exp(tape.gather(componentLogStds, rowCount: n) { row in Int32((row / r) * k) + chosen[row] }),
                                   noise))
        }
    }

    /// Draws `R = samplesPerState` component indices per state from the current weights
    /// (host-side; no gradient), grouped by state.
    public func drawComponents(samplesPerState r: Int = 1, using rng: inout RandomStream) -> [Int32] {
        var out = [Int32]()
        drawComponents(samplesPerState: r, into: &out, using: &rng)
        return out
    }

    /// ``drawComponents(samplesPerState:using:)`` into `components`, whose contents are
    /// replaced and whose capacity is kept (no allocation once it is large enough).
    public func drawComponents(samplesPerState r: Int = 1, into components: inout [Int32], using rng: inout RandomStream) {
        let w = tape.value(of: weights), k = componentCount
        components.removeAll(keepingCapacity: true)
        components.reserveCapacity(stateCount * r)
        w.withUnsafePointer { p in
            for b in 0..<stateCount {
                let row = UnsafeBufferPointer(start: p + b * k, count: k)
                for _ in 0..<r { components.append(Int32(rng.categorical(row))) }
            }
        }
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
