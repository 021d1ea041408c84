/// How a ``Linear`` layer draws its initial weights.
public enum Initialization: Sendable, Hashable {
    /// `torch.nn.Linear`'s default: weight and bias uniform in `±1/sqrt(fan_in)` (what
    /// `kaiming_uniform_(a = sqrt(5))` reduces to), so the pre-activations start with a
    /// variance independent of the layer width.
    case pytorchDefault
    /// An orthogonal weight times `gain` (Saxe et al.; QR of a Gaussian matrix through
    /// LAPACK) and a zero bias, as in many PPO/SAC implementations.
    case orthogonal(gain: Double)
}

/// An element-wise activation between layers.
public enum Activation: Sendable, Hashable {
    /// No activation (a linear output).
    case identity
    /// `max(x, 0)`, the SAC default.
    case relu
    /// `tanh(x)`, smooth and bounded.
    case tanh
    /// `1 / (1 + exp(-x))`.
    case sigmoid
    /// `log(1 + exp(x))`, a smooth ReLU.
    case softplus

    func apply<Scalar>(_ x: Variable, on tape: Tape<Scalar>) -> Variable {
        switch self {
        case .identity: return x
        case .relu: return tape.relu(x)
        case .tanh: return tape.tanh(x)
        case .sigmoid: return tape.sigmoid(x)
        case .softplus: return tape.softplus(x)
        }
    }
}

/// A fully connected layer `y = x Wᵀ + b` with `torch.nn.Linear`'s layout: weight
/// `[outputSize, inputSize]`, bias `[outputSize]`, so its saved tensors load into PyTorch
/// unchanged.
public final class Linear<Scalar: TensorScalar> {
    /// `[outputSize, inputSize]`.
    public let weight: Parameter<Scalar>
    /// `[outputSize]`, or nil for a layer without bias.
    public let bias: Parameter<Scalar>?

    /// The input width.
    public var inputSize: Int { weight.value.shape[1] }
    /// The output width.
    public var outputSize: Int { weight.value.shape[0] }

    /// A layer with freshly drawn parameters named `<name>weight` and `<name>bias`
    /// (pass a prefix ending in a dot, such as `"fc1."`).
    ///
    /// The orthogonal option calls LAPACK on a Gaussian matrix, which cannot fail for
    /// valid sizes; a LAPACK error there stops the program with its code.
    public init(inputSize: Int, outputSize: Int, bias: Bool = true,
                initialization: Initialization = .pytorchDefault, name: String = "",
                using rng: inout RandomStream) {
        graphRequire(inputSize > 0 && outputSize > 0, "Linear(\(inputSize) -> \(outputSize)) needs positive sizes")
        let bound = 1 / Scalar(inputSize).squareRoot()
        let w: Tensor<Scalar>
        var b: Tensor<Scalar>?
        switch initialization {
        case .pytorchDefault:
            w = Tensor.randomUniform(Shape(outputSize, inputSize), lower: -bound, upper: bound, using: &rng)
            if bias { b = Tensor.randomUniform(Shape(outputSize), lower: -bound, upper: bound, using: &rng) }
        case .orthogonal(let gain):
            do {
                w = try Tensor.orthogonal(rows: outputSize, columns: inputSize, gain: Scalar(gain), using: &rng)
            } catch {
                graphFailure("orthogonal initialization of a \(outputSize) x \(inputSize) weight: \(error)",
                             file: #fileID, line: #line)
            }
            if bias { b = Tensor.zeros(Shape(outputSize)) }
        }
        weight = Parameter(name: name + "weight", value: w)
        self.bias = b.map { Parameter(name: name + "bias", value: $0) }
    }

    /// A layer with the given parameters (for copies and loading).
    public init(weight: Parameter<Scalar>, bias: Parameter<Scalar>?) {
        graphRequire(weight.value.rank == 2 && (bias == nil || bias?.value.shape == Shape(weight.value.shape[0])),
                     "Linear weight \(weight.value.shape) and bias \(bias?.value.shape.description ?? "none") do not match")
        self.weight = weight
        self.bias = bias
    }

    /// The layer's parameters: weight, then bias.
    public var parameters: ParameterSet<Scalar> { ParameterSet(bias.map { [weight, $0] } ?? [weight]) }

    /// Records `x Wᵀ + b` on `tape` (binding the parameters; `frozen` binds them as
    /// constants). One gemm forward, up to two backward.
    public func callAsFunction(_ x: Variable, on tape: Tape<Scalar>, frozen: Bool = false) -> Variable {
        callAsFunction(x, on: tape, frozen: frozen, relu: false)
    }

    /// The layer followed by ReLU when `relu`, recorded as one node.
    func callAsFunction(_ x: Variable, on tape: Tape<Scalar>, frozen: Bool, relu: Bool) -> Variable {
        tape.linear(x, weight: tape.bind(weight, frozen: frozen), bias: bias.map { tape.bind($0, frozen: frozen) }, relu: relu)
    }

    /// An independent layer with copies of the parameter values.
    public func copy() -> Linear { Linear(weight: weight.copy(), bias: bias?.copy()) }
}

/// A multilayer perceptron: ``Linear`` layers with `activation` between them and
/// `outputActivation` after the last.
///
/// Parameters are named as the same network built with `torch.nn.Sequential(Linear,
/// activation, Linear, ...)`: `<prefix>0.weight`, `<prefix>0.bias`, `<prefix>2.weight`,
/// ..., so a saved MLP loads with `load_state_dict` unchanged.
public final class MLP<Scalar: TensorScalar> {
    /// The layers, input first.
    public let layers: [Linear<Scalar>]
    /// Between hidden layers.
    public let activation: Activation
    /// After the last layer.
    public let outputActivation: Activation
    /// Every layer's weight and bias, in order (built once; iterating allocates nothing).
    public let parameters: ParameterSet<Scalar>

    /// A network `inputSize -> hiddenSizes... -> outputSize`, drawn layer by layer from `rng`.
    /// `outputInitialization` overrides `initialization` for the last layer (for example
    /// a small orthogonal gain for a policy head).
    public convenience init(inputSize: Int, hiddenSizes: [Int], outputSize: Int,
                activation: Activation = .relu, outputActivation: Activation = .identity,
                initialization: Initialization = .pytorchDefault, outputInitialization: Initialization? = nil,
                namePrefix: String = "", using rng: inout RandomStream) {
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        var layers: [Linear<Scalar>] = []
        for k in 0..<(sizes.count - 1) {
            let last = k == sizes.count - 2
            layers.append(Linear(inputSize: sizes[k], outputSize: sizes[k + 1],
                                 initialization: last ? (outputInitialization ?? initialization) : initialization,
                                 name: "\(namePrefix)\(2 * k).", using: &rng))
        }
        self.init(layers: layers, activation: activation, outputActivation: outputActivation)
    }

    /// A network from existing layers (widths must chain).
    public init(layers: [Linear<Scalar>], activation: Activation = .relu, outputActivation: Activation = .identity) {
        graphRequire(!layers.isEmpty, "an MLP needs at least one layer")
        for k in 1..<layers.count {
            graphRequire(layers[k].inputSize == layers[k - 1].outputSize,
                         "MLP layer \(k) takes \(layers[k].inputSize) inputs but layer \(k - 1) gives \(layers[k - 1].outputSize)")
        }
        self.layers = layers
        self.activation = activation
        self.outputActivation = outputActivation
        parameters = ParameterSet(layers.flatMap { $0.parameters.elements })
    }

    /// The input width.
    public var inputSize: Int { layers[0].inputSize }
    /// The output width.
    public var outputSize: Int { layers[layers.count - 1].outputSize }

    /// Records the network on `tape`: for each layer one `linear` node and one activation
    /// node. `frozen` binds the parameters as constants (gradients still reach `x`).
    public func callAsFunction(_ x: Variable, on tape: Tape<Scalar>, frozen: Bool = false) -> Variable {
        var h = x
        for k in layers.indices {
            let a = k == layers.count - 1 ? outputActivation : activation
            // ReLU is fused into its layer's node (one pass for bias and activation).
            h = layers[k](h, on: tape, frozen: frozen, relu: a == .relu)
            if a != .relu { h = a.apply(h, on: tape) }
        }
        return h
    }

    /// An independent network with copies of the parameter values (a target network).
    public func copy() -> MLP {
        MLP(layers: layers.map { $0.copy() }, activation: activation, outputActivation: outputActivation)
    }
}
