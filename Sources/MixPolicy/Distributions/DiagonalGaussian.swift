import MixTensor

/// A batch of diagonal Gaussians over the pre-squash point, one per state: a view over
/// two tape values, means and log-standard-deviations, both `[B, d]`.
///
/// Sampling is reparameterized (`u = mu + sigma * eps`), so the gradient reaches `mu` and
/// `log sigma` through the samples. Costs are O(B d) per operation.
public struct DiagonalGaussian<Scalar: TensorScalar> {
    /// The tape the values live on.
    public let tape: Tape<Scalar>
    /// Means, `[B, d]`.
    public let means: Variable
    /// Log-standard-deviations, `[B, d]`.
    public let logStds: Variable

    /// A view over `means` and `logStds` (equal shapes `[B, d]`).
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` otherwise.
    public init(means: Variable, logStds: Variable, on tape: Tape<Scalar>) throws(DistributionError) {
        guard tape.shape(of: means) == tape.shape(of: logStds) && tape.shape(of: means).rank == 2 else {
            throw .shapeMismatch(operation: "DiagonalGaussian", expected: "means and log-stds of one shape [B, d]",
                                 got: "means \(tape.shape(of: means)) and log-stds \(tape.shape(of: logStds))")
        }
        self.init(uncheckedMeans: means, logStds: logStds, on: tape)
    }

    /// The view for shapes the caller built to fit.
    package init(uncheckedMeans means: Variable, logStds: Variable, on tape: Tape<Scalar>) {
        require(tape.shape(of: means) == tape.shape(of: logStds) && tape.shape(of: means).rank == 2,
                     "MixPolicy: Gaussian means \(tape.shape(of: means)) and log-stds \(tape.shape(of: logStds)) must both be [B, d]")
        self.tape = tape
        self.means = means
        self.logStds = logStds
    }

    /// The number of states `B`.
    public var stateCount: Int { tape.shape(of: means)[0] }
    /// The dimension `d`.
    public var dimension: Int { tape.shape(of: means)[1] }

    /// `mu + sigma * noise` for standard-normal `noise` of shape `[B, d]` (reparameterized).
    public func sample(noise: Tensor<Scalar>) -> Variable {
        tape.add(means, tape.multiply(tape.exp(logStds), tape.input(noise)))
    }

    /// A reparameterized sample, `[B, d]`.
    public func sample(using rng: inout RandomStream) -> Variable {
        tape.add(means, tape.multiply(tape.exp(logStds), tape.randomNormal(Shape(stateCount, dimension), using: &rng)))
    }

    /// `log N(u; mu, sigma)` summed over dimensions, `[B, d]` to `[B, 1]`.
    public func logDensity(_ u: Variable) -> Variable {
        GaussianLogDensity.rows(u, means: means, logStds: logStds, on: tape)
    }

    /// The exact entropy per state, `[B, 1]`: `sum_d log sigma_d + d/2 (1 + log 2 pi)`.
    public func entropy() -> Variable { GaussianLogDensity.entropy(logStds: logStds, on: tape) }
}

/// A batch of tanh-squashed diagonal Gaussians: SAC's policy distribution,
/// `a = scale * tanh(mu + sigma * eps) + bias`.
public struct SquashedGaussian<Scalar: TensorScalar> {
    /// The Gaussian over the pre-squash point.
    public let gaussian: DiagonalGaussian<Scalar>
    /// The squash onto the action box.
    public let squash: TanhSquash<Scalar>

    /// The squashed `gaussian` (whose dimension must match the squash's).
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` otherwise.
    public init(gaussian: DiagonalGaussian<Scalar>, squash: TanhSquash<Scalar>) throws(DistributionError) {
        guard gaussian.dimension == squash.actionDimension else {
            throw .shapeMismatch(operation: "SquashedGaussian", expected: "a squash of the Gaussian's dimension \(gaussian.dimension)",
                                 got: "a squash of dimension \(squash.actionDimension)")
        }
        self.init(unchecked: gaussian, squash: squash)
    }

    /// The squashed Gaussian for parts the caller built to fit.
    package init(unchecked gaussian: DiagonalGaussian<Scalar>, squash: TanhSquash<Scalar>) {
        require(gaussian.dimension == squash.actionDimension,
                     "MixPolicy: Gaussian of dimension \(gaussian.dimension) with a squash of dimension \(squash.actionDimension)")
        self.gaussian = gaussian
        self.squash = squash
    }

    /// The tape the values live on.
    public var tape: Tape<Scalar> { gaussian.tape }

    /// A reparameterized sample: the action and the pre-squash point it came from (`[B, d]` each).
    public func sample(noise: Tensor<Scalar>) -> (action: Variable, preSquash: Variable) {
        let u = gaussian.sample(noise: noise)
        return (squash.action(preSquash: u, on: tape), u)
    }

    /// A reparameterized sample: the action and its pre-squash point.
    public func sample(using rng: inout RandomStream) -> (action: Variable, preSquash: Variable) {
        let u = gaussian.sample(using: &rng)
        return (squash.action(preSquash: u, on: tape), u)
    }

    /// `log pi(a)` of the action squashed from `u`, evaluated at `u` (`[B, d]` to `[B, 1]`).
    public func logDensity(preSquash u: Variable) -> Variable {
        tape.subtract(gaussian.logDensity(u), squash.logAbsJacobian(preSquash: u, on: tape))
    }

    /// A one-sample, reparameterized estimate of the entropy per state, `[B, 1]`: the exact
    /// Gaussian entropy plus `log |da/du|` at a sample (`H(a) = H(u) + E[log |da/du|]`),
    /// which has lower variance than `-log pi(a)` at the same sample.
    public func entropyEstimate(using rng: inout RandomStream) -> Variable {
        let u = gaussian.sample(using: &rng)
        return tape.add(gaussian.entropy(), squash.logAbsJacobian(preSquash: u, on: tape))
    }

    /// The deterministic action `scale * tanh(mu) + bias`, `[B, d]` (for evaluation).
    public func meanAction() -> Tensor<Scalar> { squash.action(preSquash: tape.value(of: gaussian.means)) }
}
