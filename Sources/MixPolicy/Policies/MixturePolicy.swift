/// A stochastic policy whose action distribution, per state, is a (tanh-squashed)
/// mixture of K diagonal Gaussians; K = 1 is SAC's squashed Gaussian. The gradient
/// estimators take any conforming policy.
public protocol MixturePolicy<Scalar>: AnyObject {
    /// The element type of the policy's parameters.
    associatedtype Scalar: TensorScalar
    /// The width of a state (observation) vector.
    var stateSize: Int { get }
    /// The number of mixture components K.
    var componentCount: Int { get }
    /// The action dimension d.
    var actionDimension: Int { get }
    /// The squash onto the action box (`nil`: unbounded actions).
    var squash: TanhSquash<Scalar>? { get }
    /// Every trainable parameter (for the optimizer and for saving).
    var parameters: ParameterSet<Scalar> { get }
    /// Records the action distribution for a batch of states (`[B, stateSize]`) on `tape`.
    func distribution(states: Variable, on tape: Tape<Scalar>) -> SquashedGaussianMixture<Scalar>
}

/// SAC's policy network generalized to mixtures: an MLP trunk whose last layer emits, per
/// state, K*d means, K*d raw log-stds and K logits (one gemm for all heads). The raw
/// log-stds pass through a smooth ``LogStdBound`` (`[-5, 2]` by default). With K = 1
/// there is no logits column and the network is exactly SAC's squashed Gaussian actor
/// (hidden layers, then a mean head and a log-std head, `tanh`-rescaled log-std).
///
/// Cost per state: one forward pass of the MLP (output width `2 K d + K`, or `2 d`).
public final class MixturePolicyNetwork<Scalar: TensorScalar>: MixturePolicy {
    /// The trunk and heads; its output columns are `[means | raw log-stds | logits]`.
    public let network: MLP<Scalar>
    public let componentCount: Int
    public let actionDimension: Int
    public let squash: TanhSquash<Scalar>?
    /// The bound applied to the raw log-std outputs.
    public let logStdBound: LogStdBound
    /// The logits of a one-component policy (all zero), reused while the batch size repeats.
    private var constantLogits: Tensor<Scalar> = .zeros(Shape(0, 1))

    /// A freshly initialized network (PyTorch's default initialization; `activation`
    /// between hidden layers, ReLU by default). `squash` must have `actionDimension`
    /// entries; pass `nil` for unbounded actions.
    public init(stateSize: Int, actionDimension: Int, componentCount: Int = 1,
                hiddenSizes: [Int] = [256, 256], activation: Activation = .relu, squash: TanhSquash<Scalar>?,
                logStdBound: LogStdBound = .sac, namePrefix: String = "", using rng: inout RandomStream) {
        precondition(componentCount >= 1 && actionDimension >= 1 && stateSize >= 1,
                     "MixPolicy: a policy needs positive sizes, got state \(stateSize), action \(actionDimension), K \(componentCount)")
        precondition(squash == nil || squash?.actionDimension == actionDimension,
                     "MixPolicy: squash of dimension \(squash?.actionDimension ?? 0) for actions of dimension \(actionDimension)")
        let outputs = 2 * componentCount * actionDimension + (componentCount > 1 ? componentCount : 0)
        network = MLP(inputSize: stateSize, hiddenSizes: hiddenSizes, outputSize: outputs,
                      activation: activation, namePrefix: namePrefix, using: &rng)
        self.componentCount = componentCount
        self.actionDimension = actionDimension
        self.squash = squash
        self.logStdBound = logStdBound
    }

    public var stateSize: Int { network.inputSize }
    public var parameters: ParameterSet<Scalar> { network.parameters }

    public func distribution(states: Variable, on tape: Tape<Scalar>) -> SquashedGaussianMixture<Scalar> {
        let out = network(states, on: tape)
        let width = componentCount * actionDimension
        let means = tape.slice(out, axis: 1, range: 0..<width)
        let logStds = logStdBound.apply(tape.slice(out, axis: 1, range: width..<(2 * width)), on: tape)
        let logits: Variable
        if componentCount > 1 {
            logits = tape.slice(out, axis: 1, range: (2 * width)..<(2 * width + componentCount))
        } else {
            let b = tape.shape(of: states)[0]
            if constantLogits.shape[0] != b { constantLogits = .zeros(Shape(b, 1)) }
            logits = tape.input(constantLogits)
        }
        return SquashedGaussianMixture(mixture: GaussianMixture(means: means, logStds: logStds, logits: logits, on: tape),
                                       squash: squash)
    }
}

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
    public let squash: TanhSquash<Scalar>?
    /// Applied to ``logStds`` when set.
    public let logStdBound: LogStdBound?
    public let stateSize: Int
    public let parameters: ParameterSet<Scalar>

    /// A policy with the given per-component values (`logits.count == K`, `means` and
    /// `logStds` holding K rows of d entries, flattened).
    public init(logits: [Scalar], means: [Scalar], logStds: [Scalar], squash: TanhSquash<Scalar>?,
                logStdBound: LogStdBound? = nil, stateSize: Int = 1) {
        let k = logits.count
        precondition(k >= 1 && !means.isEmpty && means.count % k == 0 && logStds.count == means.count,
                     "MixPolicy: \(k) logits need K*d means and log-stds, got \(means.count) and \(logStds.count)")
        precondition(squash == nil || squash?.actionDimension == means.count / k,
                     "MixPolicy: squash of dimension \(squash?.actionDimension ?? 0) for actions of dimension \(means.count / k)")
        self.logits = Parameter(name: "logits", value: Tensor(shape: Shape(1, k), scalars: logits))
        self.means = Parameter(name: "means", value: Tensor(shape: Shape(1, means.count), scalars: means))
        self.logStds = Parameter(name: "log_stds", value: Tensor(shape: Shape(1, logStds.count), scalars: logStds))
        self.squash = squash
        self.logStdBound = logStdBound
        self.stateSize = stateSize
        parameters = ParameterSet([self.logits, self.means, self.logStds])
    }

    public var componentCount: Int { logits.value.count }
    public var actionDimension: Int { means.value.count / componentCount }

    public func distribution(states: Variable, on tape: Tape<Scalar>) -> SquashedGaussianMixture<Scalar> {
        let rows = [Int32](repeating: 0, count: tape.shape(of: states)[0])
        let rawLogStds = tape.gather(tape.bind(logStds), rows: rows)
        return SquashedGaussianMixture(
            mixture: GaussianMixture(
                means: tape.gather(tape.bind(means), rows: rows),
                logStds: logStdBound.map { $0.apply(rawLogStds, on: tape) } ?? rawLogStds,
                logits: tape.gather(tape.bind(logits), rows: rows), on: tape),
            squash: squash)
    }
}
