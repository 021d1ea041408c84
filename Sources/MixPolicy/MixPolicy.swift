// The MixPolicy layer; see docs/architecture.md and docs/estimators.md.
//
// - Numerics/: the numerically delicate pieces, one place each (the tanh squash and its
//   log-Jacobian, the log-std bound, the mixture log-density with its log-sum-exp).
// - Distributions/: Gaussian and mixture action distributions as views over tape values.
// - Policies/: the `MixturePolicy` protocol, the MLP policy network, a state-independent
//   policy for bandits and tests.
// - Estimators/: the `GradientEstimator` protocol and one file per estimator.
@_exported import MixGraph
