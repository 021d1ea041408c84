/// A policy that ignores the state: its logits `[1, K]`, means `[1, K*d]` and log-stds
/// `[1, K*d]` are themselves the parameters (named `logits`, `means`, `log_stds`),
/// repeated for every state of a batch. For bandits, and for measuring estimators against
/// an exact reference through the same code path as a network policy. The log-stds are
/// used as given unless a ``LogStdBound`` is set (then the parameters are raw values).
public final class StateIndependentMixturePolicy<Scalar: TensorScalar>: MixturePolicy {
    /// `[1, K]`.
    public let logits: Parameter<Scalar>
    /// `[1, K*d]`, component `k` in columns `k*d ..< (k+1)*d`.
    public let means: Parameter<Scalar>
    /// `[1, K*d]`: log-stds, or raw values under ``logStdBound``.
    public let logStds: Parameter<Scalar>
    /// The squash onto the action box (`nil`: unbounded actions).
    public let squash: TanhSquash<Scalar>?
    /// Applied to ``logStds`` when set.
    public let logStdBound: LogStdBound?
    /// The width of the states it is given (they are ignored; only the batch size is used).
    public let stateSize: Int
    /// ``logits``, ``means`` and ``logStds``.
    public let parameters: ParameterSet<Scalar>

    /// A policy with the given per-component values (`logits.count == K`, `means` and
    /// `logStds` holding K rows of d entries, flattened).
    ///
    /// - Throws: ``DistributionError`` for counts that do not fit together or a squash of
    ///   another dimension.
    public init(logits: [Scalar], means: [Scalar], logStds: [Scalar], squash: TanhSquash<Scalar>?,
                logStdBound: LogStdBound? = nil, stateSize: Int = 1) throws(DistributionError) {
        let k = logits.count
        guard k >= 1 && !means.isEmpty && means.count % k == 0 && logStds.count == means.count else {
            throw .shapeMismatch(operation: "StateIndependentMixturePolicy", expected: "K logits and K*d means and log-stds",
                                 got: "\(k) logits, \(means.count) means and \(logStds.count) log-stds")
        }
        if let squash, squash.actionDimension != means.count / k {
            throw .shapeMismatch(operation: "StateIndependentMixturePolicy", expected: "a squash of the action dimension \(means.count / k)",
                                 got: "a squash of dimension \(squash.actionDimension)")
        }
        self.logits = Parameter(name: "logits", value: Tensor(shape: Shape(1, k), scalars: logits))
        self.means = Parameter(name: "means", value: Tensor(shape: Shape(1, means.count), scalars: means))
        self.logStds = Parameter(name: "log_stds", value: Tensor(shape: Shape(1, logStds.count), scalars: logStds))
        self.squash = squash
        self.logStdBound = logStdBound
        self.stateSize = stateSize
        parameters = ParameterSet([self.logits, self.means, self.logStds])
    }

    /// The number of mixture components K.
    public var componentCount: Int { logits.value.count }
    /// The action dimension d.
    public var actionDimension: Int { means.value.count / componentCount }

    /// Records the distribution for a batch of `B` states: the parameters repeated `B` times
    /// (the states themselves are not read).
    public func distribution(states: Variable, on tape: Tape<Scalar>) -> SquashedGaussianMixture<Scalar> {
        let rows = [Int32](repeating: 0, count: tape.shape(of: states)[0])
        let rawLogStds = tape.gather(tape.bind(logStds), rows: rows)
        return SquashedGaussianMixture(
            unchecked: GaussianMixture(
                uncheckedMeans: tape.gather(tape.bind(means), rows: rows),
                logStds: logStdBound.map { $0.apply(rawLogStds, on: tape) } ?? rawLogStds,
                logits: tape.gather(tape.bind(logits), rows: rows), on: tape),
            squash: squash)
    }
}
