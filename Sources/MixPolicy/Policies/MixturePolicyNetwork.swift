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
    /// The number of mixture components K.
    public let componentCount: Int
    /// The action dimension d.
    public let actionDimension: Int
    /// The squash onto the action box (`nil`: unbounded actions).
    public let squash: TanhSquash<Scalar>?
    /// The bound applied to the raw log-std outputs.
    public let logStdBound: LogStdBound
    /// The logits of a one-component policy (all zero), reused while the batch size repeats.
    private var constantLogits: Tensor<Scalar> = .zeros(Shape(0, 1))

    /// A freshly initialized network (PyTorch's default initialization; `activation`
    /// between hidden layers, ReLU by default). `squash` must have `actionDimension`
    /// entries; pass `nil` for unbounded actions.
    ///
    /// - Throws: ``DistributionError`` for sizes below 1 or a squash of another dimension.
    public init(stateSize: Int, actionDimension: Int, componentCount: Int = 1,
                hiddenSizes: [Int] = [256, 256], activation: Activation = .relu, squash: TanhSquash<Scalar>?,
                logStdBound: LogStdBound = .sac, namePrefix: String = "", using rng: inout RandomStream) throws(DistributionError) {
        guard componentCount >= 1 && actionDimension >= 1 && stateSize >= 1 && hiddenSizes.allSatisfy({ $0 >= 1 }) else {
            throw .invalidValue(operation: "MixturePolicyNetwork",
                                message: "needs sizes of at least 1, got state \(stateSize), action \(actionDimension), K \(componentCount), hidden \(hiddenSizes)")
        }
        if let squash, squash.actionDimension != actionDimension {
            throw .shapeMismatch(operation: "MixturePolicyNetwork", expected: "a squash of the action dimension \(actionDimension)",
                                 got: "a squash of dimension \(squash.actionDimension)")
        }
        let outputs = 2 * componentCount * actionDimension + (componentCount > 1 ? componentCount : 0)
        network = MLP(inputSize: stateSize, hiddenSizes: hiddenSizes, outputSize: outputs,
                      activation: activation, namePrefix: namePrefix, using: &rng)
        self.componentCount = componentCount
        self.actionDimension = actionDimension
        self.squash = squash
        self.logStdBound = logStdBound
    }

    /// The width of a state vector (the network's input size).
    public var stateSize: Int { network.inputSize }
    /// The network's weights and biases.
    public var parameters: ParameterSet<Scalar> { network.parameters }

    /// Records the distribution for `states` `[B, stateSize]`: one forward pass of ``network``,
    /// then the heads split into means, bounded log-stds and logits.
    public func distribution(states: Variable, on tape: Tape<Scalar>) -> SquashedGaussianMixture<Scalar> {
        distribution(states: states, on: tape, frozen: false)
    }

    /// ``distribution(states:on:)`` with the parameters bound `frozen` (as constants: no
    /// gradient is computed for them, and a backward pass leaves their gradients alone),
    /// for a distribution that only feeds a stop-gradient value such as SAC's critic target.
    public func distribution(states: Variable, on tape: Tape<Scalar>, frozen: Bool) -> SquashedGaussianMixture<Scalar> {
        let out = network(states, on: tape, frozen: frozen)
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
        return SquashedGaussianMixture(unchecked: GaussianMixture(uncheckedMeans: means, logStds: logStds, logits: logits, on: tape),
                                       squash: squash)
    }
}
