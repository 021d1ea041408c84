import MixTensor

/// A batch of tanh-squashed Gaussian mixtures, the action distribution of every
/// ``MixturePolicy``: `u ~ sum_k w_k N(mu_k, sigma_k^2)`, `a = scale * tanh(u) + bias`.
/// With K = 1 this is SAC's squashed Gaussian (see ``singleComponent``); with no squash
/// the actions are the pre-squash points themselves (an unsquashed mixture, for
/// unbounded actions and for tests).
///
/// Every log-density is evaluated at the pre-squash point `u` that produced the action:
/// `log pi(a) = log p(u) - sum_d log |da_d/du_d|` (see ``TanhSquash`` for why never at
/// `atanh(a)`).
public struct SquashedGaussianMixture<Scalar: TensorScalar> {
    /// The mixture over the pre-squash point.
    public let mixture: GaussianMixture<Scalar>
    /// The squash onto the action box, or `nil` for actions equal to the pre-squash points.
    public let squash: TanhSquash<Scalar>?

    /// The mixture squashed by `squash` (`nil`: unsquashed).
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` when the
    ///   squash has another dimension than the mixture.
    public init(mixture: GaussianMixture<Scalar>, squash: TanhSquash<Scalar>?) throws(DistributionError) {
        if let squash, squash.actionDimension != mixture.dimension {
            throw .shapeMismatch(operation: "SquashedGaussianMixture", expected: "a squash of the mixture's dimension \(mixture.dimension)",
                                 got: "a squash of dimension \(squash.actionDimension)")
        }
        self.init(unchecked: mixture, squash: squash)
    }

    /// The squashed mixture for parts the caller built to fit.
    package init(unchecked mixture: GaussianMixture<Scalar>, squash: TanhSquash<Scalar>?) {
        if let squash {
            require(squash.actionDimension == mixture.dimension,
                         "MixPolicy: mixture of dimension \(mixture.dimension) with a squash of dimension \(squash.actionDimension)")
        }
        self.mixture = mixture
        self.squash = squash
    }

    /// The tape the values live on.
    public var tape: Tape<Scalar> { mixture.tape }
    /// The number of states `B`.
    public var stateCount: Int { mixture.stateCount }
    /// The number of components `K`.
    public var componentCount: Int { mixture.componentCount }
    /// The action dimension `d`.
    public var actionDimension: Int { mixture.dimension }

    /// The action of pre-squash points `u` (`[n, d]`): `scale * tanh(u) + bias`, or `u` unsquashed.
    public func action(preSquash u: Variable) -> Variable {
        guard let squash else { return u }
        return squash.action(preSquash: u, on: tape)
    }

    /// `log pi(a)` of the actions squashed from `u` (`[B*R, d]`, `R = samplesPerState`
    /// rows per state, grouped by state), evaluated at `u`, to `[B*R, 1]`.
    ///
    /// - Throws: ``DistributionError/shapeMismatch(operation:expected:got:)`` unless `u` is
    ///   `[B*R, d]` with `R >= 1`.
    public func logDensity(preSquash u: Variable, samplesPerState r: Int = 1) throws(DistributionError) -> Variable {
        guard r >= 1, tape.shape(of: u) == Shape(stateCount * r, actionDimension) else {
            throw .shapeMismatch(operation: "SquashedGaussianMixture.logDensity",
                                 expected: "pre-squash points [\(stateCount) * \(r), \(actionDimension)] (\(r) per state of \(stateCount) states, dimension \(actionDimension))",
                                 got: "\(tape.shape(of: u))")
        }
        return logDensityRows(preSquash: u, samplesPerState: r)
    }

    /// ``logDensity(preSquash:samplesPerState:)`` for points the caller built to fit.
    package func logDensityRows(preSquash u: Variable, samplesPerState r: Int = 1) -> Variable {
        let base = mixture.logDensityRows(u, samplesPerState: r)
        guard let squash else { return base }
        return tape.subtract(base, squash.logAbsJacobian(preSquash: u, on: tape))
    }

    /// `R = samplesPerState` samples per state (grouped by state): a component drawn from
    /// the weights, then a point reparameterized inside that component. The gradient reaches
    /// the drawn components' means and log-stds through `preSquash` and `action`, never the
    /// weights (the component draw is discrete).
    public func sample(samplesPerState r: Int = 1, using rng: inout RandomStream) -> MixtureSample {
        var components: [Int32] = []
        let (u, a) = sample(samplesPerState: r, drawingComponentsInto: &components, using: &rng)
        return MixtureSample(components: components, preSquash: u, action: a)
    }

    /// ``sample(samplesPerState:using:)`` with the drawn components written into
    /// `components` (contents replaced, capacity kept) and the noise drawn into a reused
    /// tape buffer: the same draws in the same order, and no allocation in steady state.
    public func sample(samplesPerState r: Int = 1, drawingComponentsInto components: inout [Int32],
                       using rng: inout RandomStream) -> (preSquash: Variable, action: Variable) {
        mixture.drawComponents(samplesPerState: r, into: &components, using: &rng)
        let noise = tape.randomNormal(Shape(stateCount * r, actionDimension), using: &rng)
        let u = mixture.points(components: components, noise: noise)
        return (u, action(preSquash: u))
    }

    /// A sampled estimate of the entropy per state, `[B, 1]`: `-(1/R) sum_r log pi(a_r)` over
    /// `R = samplesPerState` samples (a mixture's entropy has no closed form). Unbiased;
    /// differentiable through the reparameterized points and the density.
    public func entropyEstimate(samplesPerState r: Int = 1, using rng: inout RandomStream) -> Variable {
        let s = sample(samplesPerState: r, using: &rng)
        let logDensity = logDensityRows(preSquash: s.preSquash, samplesPerState: r)
        return tape.scale(tape.mean(tape.reshape(logDensity, to: Shape(stateCount, r)), axis: 1), by: -1)
    }

    /// The squashed Gaussian of a one-component mixture with a squash (SAC's
    /// distribution), or `nil` when K > 1 or there is no squash.
    public var singleComponent: SquashedGaussian<Scalar>? {
        guard componentCount == 1, let squash else { return nil }
        return SquashedGaussian(unchecked: DiagonalGaussian(uncheckedMeans: mixture.means, logStds: mixture.logStds, on: tape),
                                squash: squash)
    }
}

/// Samples drawn from a ``SquashedGaussianMixture``, grouped by state.
public struct MixtureSample: Sendable {
    /// The component each row was drawn from.
    public let components: [Int32]
    /// The pre-squash points, `[n, d]` (reparameterized inside their components).
    public let preSquash: Variable
    /// The actions, `[n, d]`.
    public let action: Variable
}
