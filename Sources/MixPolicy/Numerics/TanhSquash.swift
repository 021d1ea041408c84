import MixTensor

/// The squash `a = scale * tanh(u) + bias` (element-wise) from a pre-squash point `u` to
/// an action inside the box `[bias - scale, bias + scale]`, and the log-Jacobian of that
/// change of variables. This is the one place where the tanh Jacobian is computed.
///
/// **Why the softplus form.** The log-density of an action picks up
/// `-sum_d log |da_d/du_d| = -sum_d [log scale_d + log(1 - tanh(u_d)^2)]`. The naive
/// `log(1 - tanh(u)^2)` is `log(0) = -inf` as soon as `tanh(u)` rounds to 1 (for
/// `|u| > 9` in `Float`, `|u| > 19` in `Double`), and computing it from the action via
/// `atanh` loses every digit near the bounds. The identity
/// `log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u))` is exact, needs only `u`, and
/// is evaluated without cancellation or overflow for every finite `u` (the softplus
/// kernel is itself stable). So densities are always evaluated at the pre-squash point
/// that produced the action, never at `atanh(a)`.
public struct TanhSquash<Scalar: TensorScalar>: Sendable, Equatable {
    /// Half-widths of the action box, `[1, d]`.
    public let scale: Tensor<Scalar>
    /// Centres of the action box, `[1, d]`.
    public let bias: Tensor<Scalar>
    /// `sum_d log scale_d + d * 2 log 2`: the constant part of the log-Jacobian.
    let logJacobianConstant: Scalar

    /// The squash onto the box with half-widths `scale` and centres `bias` (one entry per
    /// action dimension; every `scale` positive and finite).
    ///
    /// - Throws: ``DistributionError/invalidValue(operation:message:)`` for no dimensions,
    ///   counts that differ, or a scale that is not positive and finite.
    public init(scale: [Scalar], bias: [Scalar]) throws(DistributionError) {
        guard scale.count == bias.count && !scale.isEmpty else {
            throw .invalidValue(operation: "TanhSquash", message: "needs one scale and one bias per action dimension (at least one), got \(scale.count) scales and \(bias.count) biases")
        }
        guard scale.allSatisfy({ $0 > 0 && $0.isFinite }), bias.allSatisfy(\.isFinite) else {
            throw .invalidValue(operation: "TanhSquash", message: "scales must be positive and finite and biases finite, got scales \(scale) and biases \(bias)")
        }
        self.init(uncheckedScale: scale, bias: bias)
    }

    /// The squash onto the box `[lower, upper]` (finite action-space bounds, `lower < upper`
    /// in every dimension).
    ///
    /// - Throws: ``DistributionError/invalidValue(operation:message:)`` for counts that
    ///   differ, no dimensions, or bounds that are not finite with `lower < upper`.
    public init(lower: [Scalar], upper: [Scalar]) throws(DistributionError) {
        guard lower.count == upper.count && !lower.isEmpty else {
            throw .invalidValue(operation: "TanhSquash", message: "needs one lower and one upper bound per action dimension (at least one), got \(lower.count) and \(upper.count)")
        }
        guard zip(lower, upper).allSatisfy({ $0.isFinite && $1.isFinite && $0 < $1 }) else {
            throw .invalidValue(operation: "TanhSquash", message: "bounds must be finite with lower < upper in every dimension, got \(lower) to \(upper)")
        }
        self.init(uncheckedScale: zip(lower, upper).map { ($1 - $0) / 2 }, bias: zip(lower, upper).map { ($1 + $0) / 2 })
    }

    /// The squash for values the caller has checked (positive finite scales, equal counts).
    package init(uncheckedScale scale: [Scalar], bias: [Scalar]) {
        require(scale.count == bias.count && !scale.isEmpty, "MixPolicy: TanhSquash needs one scale and one bias per action dimension, got \(scale.count) and \(bias.count)")
        self.scale = Tensor(shape: Shape(1, scale.count), scalars: scale)
        self.bias = Tensor(shape: Shape(1, bias.count), scalars: bias)
        logJacobianConstant = scale.reduce(Scalar(0)) { $0 + Scalar.log($1) } + Scalar(scale.count) * 2 * Scalar.log(2)
    }

    /// The number of action dimensions.
    public var actionDimension: Int { scale.count }

    /// `scale * tanh(u) + bias` for pre-squash points `u` of shape `[n, d]`.
    public func action(preSquash u: Variable, on tape: Tape<Scalar>) -> Variable {
        tape.add(tape.multiply(tape.tanh(u), tape.input(scale)), tape.input(bias))
    }

    /// `sum_d log |da_d / du_d|` per row of `u` (`[n, d]` to `[n, 1]`), in the softplus form
    /// `sum_d log scale_d + 2 (log 2 - u_d - softplus(-2 u_d))`.
    public func logAbsJacobian(preSquash u: Variable, on tape: Tape<Scalar>) -> Variable {
        let perDimension = tape.add(u, tape.softplus(tape.scale(u, by: -2)))
        return tape.affine(tape.sum(perDimension, axis: 1), scale: -2, shift: logJacobianConstant)
    }

    /// `scale * tanh(u) + bias` for a plain tensor of pre-squash points `[n, d]` (for acting).
    public func action(preSquash u: Tensor<Scalar>) -> Tensor<Scalar> {
        u.tanh() * scale + bias
    }
}
