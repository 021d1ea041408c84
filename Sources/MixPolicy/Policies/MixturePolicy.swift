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
